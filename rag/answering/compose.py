"""The extractive compose stage: each answered part's best sentences quoted exactly and cited, the sources that
disagree shown side by side, a short answer for a plain factoid question, and for a yes/no question "Yes."/"No."
when its evidence decides it or "Undecided: ..." naming the part left open (rag/answering/yes_no.py). A plain
question is a one-part question: one composer for both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.answering.answerability import unmentioned_names
from rag.answering.conflicts import find_conflicts, topic
from rag.answering.scoring import choose, question_weights, with_next_sentence
from rag.answering.short_answer import short_answer
from rag.answering.yes_no import decide, part_evidence
from rag.checking.citations import span_citation
from rag.checking.support import SupportChecker
from rag.settings import Settings
from rag.stages import Collection, Composition, Decision, Disagreement, Query, Reading, ScoredSentence
from rag.types import AnswerPart, Citation, Conflict, Passage

PART_SENTENCES = 2
"""Most sentences quoted for one part of a multi-part question."""
COMMON_MIN_CHUNKS = 20
"""A term in fewer chunks than this is never common, however small the store."""
ABSTAIN_TEXT = "The documents do not say. None of the retrieved passages answers this question"


class Citations:
    """The citations of one answer, numbered in the order first cited; a sentence cited again keeps its number
    (two parts of a question answered by one sentence)."""

    def __init__(self, collection: Collection, checker: SupportChecker):
        self.collection = collection
        self.checker = checker
        self.cited: list[Citation] = []
        self._number_of: dict[tuple[str, int], int] = {}

    def markers(self, sentences: Sequence[ScoredSentence]) -> list[int]:
        return [self.marker(sentence) for sentence in sentences]

    def marker(self, sentence: ScoredSentence) -> int:
        key = (sentence.doc_id, sentence.start)
        if key not in self._number_of:
            n = self._number_of[key] = len(self.cited) + 1
            stored = self.collection.document(sentence.doc_id)
            verdict = self.checker.check(sentence.text, stored.text[sentence.start : sentence.end])
            self.cited.append(span_citation(n, sentence.doc_id, stored, sentence.start, sentence.end, verdict))
        return self._number_of[key]

    def __getitem__(self, n: int) -> Citation:
        return self.cited[n - 1]


def compose(
    query: Query,
    readings: Sequence[Reading],
    decision: Decision,
    collection: Collection,
    settings: Settings,
    checker: SupportChecker,
) -> Composition:
    """The answer of the parts the documents answer, in the question's order; a part they do not answer is
    named as such."""
    citations = Citations(collection, checker)
    texts: list[str] = []
    markers_of: list[tuple[int, ...] | None] = []
    """Each part's citation markers; None for a part the documents do not answer."""
    evidence_of: list[list[ScoredSentence]] = []
    """A yes/no question's evidence of each part (rag/answering/yes_no.py)."""
    quoted_at: list[int] = []
    """Where in `texts` each part's quotes are: a sentence deciding a yes/no part is quoted there too."""
    conflicts: list[Conflict] = []
    short = None
    is_common = common_terms(collection, settings)
    text_of = lambda doc_id: collection.document(doc_id).text  # noqa: E731 - the conflict finder's reader
    for reading, answered in zip(readings, decision.answered, strict=True):
        subject = reading.part.subject
        if not answered:
            texts.append(f"On {subject}, the documents do not say.")
            markers_of.append(None)
            evidence_of.append([])
            quoted_at.append(len(texts) - 1)
            continue
        scored = list(reading.sentences)
        weights = question_weights(reading.question, reading.context)
        limit = PART_SENTENCES if query.multi_part else settings.answering.max_sentences
        chosen = choose(scored, limit, weights, settings.answering)
        if not query.multi_part and settings.answering.next_sentence_answers:
            chosen = with_next_sentence(reading.question, chosen, scored, is_common)
        disagreements = find_conflicts(reading.question, scored, text_of)
        chosen += [s for d in disagreements for s in (d.first, d.second) if s not in chosen]
        markers = citations.markers(chosen)
        quoted = " ".join(f"{citations[n].quote} [{n}]" for n in markers)
        evidence_of.append(part_evidence(chosen, scored) if query.yes_no else [])
        if query.multi_part:
            texts.append(f"On {subject}: {quoted}")
            quoted_at.append(len(texts) - 1)
        else:
            confident = chosen[0].coverage >= settings.answering.short_answer_min_coverage
            if confident and not disagreements:
                short = short_answer(reading.question, citations.cited[:1], is_common)
            texts += [sentence_of(short.text) if short else "", quoted]
            quoted_at.append(len(texts) - 1)
            unmentioned = unmentioned_names(reading.question, reading.passages)
            if unmentioned:
                texts.append("The documents do not mention " + ", ".join(f"“{name}”" for name in unmentioned) + ".")
        for found in disagreements:
            conflict = disagreement(reading.question, found, citations)
            conflicts.append(conflict)
            texts.append(conflict_sentence(conflict))
        markers_of.append(tuple(markers))
    decided = decide(query, readings, evidence_of, checker, collection) if query.yes_no else None
    outcomes = decided.outcomes if decided else (None,) * len(readings)
    for i, sentence in enumerate(decided.deciding if decided else ()):
        if sentence is not None and markers_of[i] is not None:
            n = citations.marker(sentence)
            if n not in markers_of[i]:  # found among the next best sentences: quoted, so the verdict shows its evidence
                markers_of[i] = (*markers_of[i], n)
                texts[quoted_at[i]] += f" {citations[n].quote} [{n}]"
    parts = [
        AnswerPart(r.part.question, markers, True, outcome) if markers is not None else AnswerPart(r.part.question)
        for r, markers, outcome in zip(readings, markers_of, outcomes, strict=True)
    ]
    lead = (decided.verdict + "." if decided.verdict else decided.unsettled) if decided else ""
    return Composition(
        text=" ".join(t for t in [lead, *texts] if t),
        citations=tuple(citations.cited),
        conflicts=tuple(conflicts),
        short_answer=short,
        parts=tuple(parts) if query.multi_part else (),
        verdict=decided.verdict if decided else None,
    )


def abstention_text(passages: Sequence[Passage]) -> str:
    """Why there is no answer, and where the closest passages come from."""
    if not passages:
        return ABSTAIN_TEXT + "."
    titles = list(dict.fromkeys(p.title for p in passages[:3]))
    return ABSTAIN_TEXT + ". The closest passages, from " + "; ".join(titles) + ", are listed below as related."


def disagreement(question: str, found: Disagreement, citations: Citations) -> Conflict:
    first, second = citations.marker(found.first), citations.marker(found.second)
    return Conflict(about=topic(question), citations=(first, second), values=(found.first_value, found.second_value))


def sentence_of(phrase: str) -> str:
    """A short answer as the answer's first sentence: "Jay-Z." for "Jay-Z", "U.S." for "U.S."."""
    return phrase if phrase.endswith((".", "!", "?")) else phrase + "."


def conflict_sentence(conflict: Conflict) -> str:
    (first, second), (value_a, value_b) = conflict.citations, conflict.values
    return f"The sources disagree: [{first}] says {value_a}, [{second}] says {value_b}."


def common_terms(collection: Collection, settings: Settings) -> Callable[[str], bool]:
    """Whether a stemmed term is in so many chunks of the collection that it names nothing in particular
    ("cnn", "said"): never a short answer."""

    def is_common(term: str) -> bool:
        statistics = collection.term_statistics([term])
        count = statistics.frequencies.get(term, 0)
        return count >= COMMON_MIN_CHUNKS and count >= settings.answering.common_term_share * statistics.chunks

    return is_common
