"""The extractive compose stage: each answered part's best sentences quoted exactly and cited, the sources that
disagree shown side by side, a short answer for a plain factoid question, and "Yes."/"No." for a yes/no question
whose every part the support checker decides. A plain question is a one-part question: one composer for both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.answering.answerability import unmentioned_names
from rag.answering.conflicts import find_conflicts, topic
from rag.answering.scoring import choose, question_weights, with_next_sentence
from rag.answering.short_answer import short_answer
from rag.checking.citations import span_citation
from rag.checking.support import SupportChecker
from rag.checking.verdicts import PartCheck, check_claims, evidence, order_holds, verdict
from rag.questions.yesno import claim_of
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
    conflicts: list[Conflict] = []
    short = None
    is_common = common_terms(collection, settings)
    text_of = lambda doc_id: collection.document(doc_id).text  # noqa: E731 - the conflict finder's reader
    for reading, answered in zip(readings, decision.answered, strict=True):
        subject = reading.part.subject
        if not answered:
            texts.append(f"On {subject}, the documents do not say.")
            markers_of.append(None)
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
        if query.multi_part:
            texts.append(f"On {subject}: {quoted}")
        else:
            confident = chosen[0].coverage >= settings.answering.short_answer_min_coverage
            if confident and not disagreements:
                short = short_answer(reading.question, citations.cited[:1], is_common)
            texts += [f"{short.text}." if short else "", quoted]
            unmentioned = unmentioned_names(reading.question, reading.passages)
            if unmentioned:
                texts.append("The documents do not mention " + ", ".join(f"“{name}”" for name in unmentioned) + ".")
        for found in disagreements:
            conflict = disagreement(reading.question, found, citations)
            conflicts.append(conflict)
            texts.append(conflict_sentence(conflict))
        markers_of.append(tuple(markers))
    checks = (
        check_parts(readings, markers_of, citations, collection) if query.yes_no else [PartCheck(None)] * len(readings)
    )
    parts = [
        AnswerPart(r.part.question, markers, True, check.outcome)
        if markers is not None
        else AnswerPart(r.part.question)
        for r, markers, check in zip(readings, markers_of, checks, strict=True)
    ]
    decided = yes_no_verdict(query, checks, citations, collection) if query.yes_no else None
    return Composition(
        text=" ".join(t for t in ([f"{decided}."] if decided else []) + texts if t),
        citations=tuple(citations.cited),
        conflicts=tuple(conflicts),
        short_answer=short,
        parts=tuple(parts) if query.multi_part else (),
        verdict=decided,
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


def check_parts(
    readings: Sequence[Reading],
    markers_of: Sequence[tuple[int, ...] | None],
    citations: Citations,
    collection: Collection,
) -> list[PartCheck]:
    """Whether each answered part's cited sentences support or contradict the part's claim (all parts checked
    in one batch); the deciding sentence given as its citation's marker."""
    claims = []
    for reading, markers in zip(readings, markers_of, strict=True):
        cited = []
        for n in markers or ():
            citation = citations[n]
            record = collection.record(citation.doc_id)
            author, publisher = (record.author, record.publisher) if record else (None, None)
            cited.append(evidence(citation.quote, citation.title, publisher, author))
        claims.append((claim_of(reading.question), cited))
    checks = check_claims(claims, citations.checker)
    return [
        PartCheck(check.outcome, markers[check.sentence]) if markers and check.sentence is not None else check
        for check, markers in zip(checks, markers_of, strict=True)
    ]


def yes_no_verdict(
    query: Query, checks: Sequence[PartCheck], citations: Citations, collection: Collection
) -> str | None:
    """The verdict over all parts; a before/after question compares the dates of the deciding documents."""
    relation = next((p.joined_by for p in query.parts if p.joined_by), "")
    order = None
    if relation and len(checks) == 2 and all(c.sentence is not None for c in checks):
        first, second = (collection.record(citations[c.sentence].doc_id) for c in checks)
        order = order_holds(relation, first and first.date, second and second.date)
    return verdict(checks, asks_order=bool(relation), order=order)
