"""The default answerer (no LLM): the sentences of the retrieved passages that answer the question best,
each quoted exactly and cited. Grounded by construction; it abstains when no sentence answers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from index.metadata import is_header_line
from rag.questions.kinds import question_kind
from rag.stages import ScoredSentence
from rag.text import content_terms, found_terms, is_year, numbers, proper_names, words
from rag.text.dates import written_dates
from rag.types import Passage

if TYPE_CHECKING:
    from rag.settings import AnsweringSettings

MIN_SENTENCE_WORDS = 4


_QUESTION_END = re.compile(r"\?['\"’”)\]]*\s*$")
_SENTENCE_END = re.compile(r"[.!?:;]['\"’”)\]]*\s*$", re.M)


def answer_kind(question: str) -> str:
    """quantity, time, person, place or thing; "other" for yes/no and open questions."""
    return question_kind(question) or "other"


def question_weights(question: str, context: str = "") -> dict[str, float]:
    """Weight of each meaningful question term: 1, and 2 for names.

    (Weighting by the store's IDF was measured again on both dev sets (python -m bench.devsets): answer-contained
    realtimeqa2022 0.59 -> 0.575, hotpotqa100 0.45 -> 0.43; so it is not done.)

    `context` (the earlier question of a follow-up) adds its words at half weight.
    """
    weights: dict[str, float] = {}
    names = proper_names(question)
    for term in content_terms(context):
        weights[term] = 0.5
    for word in words(question):
        for term in content_terms(word):
            weights[term] = 2.0 if word.lower() in names else max(weights.get(term, 0.0), 1.0)
    return weights


def score_sentences(
    question: str, passages: list[Passage], document_text, context: str, policy: AnsweringSettings
) -> list[ScoredSentence]:
    """Every sentence of the passages, scored for how well it answers the question (best first). `policy` is the
    answering group of the settings (coverage weight, lead bonus, kind bonus for names)."""
    weights = question_weights(question, context)
    names = proper_names(question)
    total = sum(weights.values()) or 1.0
    kind = answer_kind(question)
    scored: list[ScoredSentence] = []
    seen: set[tuple[str, int]] = set()
    for index, passage in enumerate(passages):
        text = document_text(passage.doc_id)
        sentences = passage.sentences or ((passage.start, passage.end),)
        for start, end in sentences:
            if (passage.doc_id, start) in seen or start < passage.start or end > passage.end:
                continue
            seen.add((passage.doc_id, start))
            sentence = text[start:end]
            if (
                len(words(sentence)) < MIN_SENTENCE_WORDS
                or is_heading(text, start, end)
                or is_header_line(text, start)
                or _QUESTION_END.search(sentence)  # a question quoted in a document answers nothing
            ):
                continue
            terms = frozenset(content_terms(sentence))
            matched = found_terms(weights, terms)
            coverage = sum(weights[t] for t in matched) / total
            prior = 0.25 * passage.score + _kind_bonus(kind, sentence, names, policy)
            prior += policy.lead_bonus if policy.lead_bonus and is_lead(text, start) else 0.0
            score = policy.coverage_weight * coverage + prior
            scored.append(
                ScoredSentence(
                    index, passage.doc_id, start, end, sentence, score, coverage, matched, prior, passage.title, terms
                )
            )
    scored.sort(key=lambda s: s.score, reverse=True)
    return scored


HEADING_MAX_WORDS = 12
"""A line without closing punctuation longer than this is a sentence whose full stop is missing (a caption)."""


def is_heading(text: str, start: int, end: int) -> bool:
    """A short line of its own without closing punctuation (a title or section heading), not a sentence."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    return (
        line.strip() == text[start:end].strip()
        and not _SENTENCE_END.search(line.rstrip())
        and len(words(line)) <= HEADING_MAX_WORDS
    )


def is_lead(text: str, start: int) -> bool:
    """The document's first sentence after its headings: no line before it ends a sentence."""
    return _SENTENCE_END.search(text, 0, start) is None


def _kind_bonus(kind: str, sentence: str, question_names: set[str], policy: AnsweringSettings) -> float:
    if kind == "quantity":
        return 0.12 if any(not is_year(n.written, sentence, n.start) for n in numbers(sentence)) else 0.0
    if kind == "time":
        dated = any(is_year(n.written, sentence, n.start) for n in numbers(sentence))
        if not dated and policy.kind_bonus_names:
            dated = bool(written_dates(sentence))
        return 0.12 if dated else 0.0
    if kind == "person" or (policy.kind_bonus_names and kind in ("place", "thing")):
        return 0.08 if proper_names(sentence) - question_names else 0.0
    return 0.0


def choose(
    scored: list[ScoredSentence], limit: int, weights: dict[str, float], policy: AnsweringSettings
) -> list[ScoredSentence]:
    """The best sentence, then, one at a time, the sentence that best adds to what is chosen: question words
    not yet covered, or a link to a chosen sentence's document; from at most `policy.max_documents` documents."""
    if not scored:
        return []
    best = scored[0]
    chosen = [best]
    covered = set(best.matched)
    total = sum(weights.values()) or 1.0

    def follow_score(candidate: ScoredSentence) -> float:
        residual = sum(weights.get(t, 0.0) for t in candidate.matched - covered) / total
        link = policy.link_bonus if policy.link_bonus and _linked(candidate, chosen) else 0.0
        return policy.coverage_weight * residual + candidate.prior + link

    while len(chosen) < limit:
        documents = {c.doc_id for c in chosen}
        pool = [
            c
            for c in scored
            if not any(_overlaps(c, d) or _redundant(c, d) for d in chosen)
            and (c.matched - covered or _linked(c, chosen))
            and (len(documents) < policy.max_documents or c.doc_id in documents)
        ]
        following = max(pool, key=follow_score, default=None)
        if following is None or follow_score(following) < policy.follow_ratio * best.score:
            break
        chosen.append(following)
        covered |= following.matched
    return chosen


def _bare_title(title: str) -> str:
    """ "Scott Howell (political consultant)" -> "scott howell": the name by which other documents cite it."""
    return re.sub(r"\s*\(.*?\)\s*$", "", title).strip().lower()


def _names(a: ScoredSentence, b: ScoredSentence) -> bool:
    title = _bare_title(b.title)
    return len(title) > 3 and title in a.text.lower()


def _linked(candidate: ScoredSentence, chosen: list[ScoredSentence]) -> bool:
    """The candidate's document is named in a chosen sentence, or names a chosen sentence's document."""
    return any(c.doc_id != candidate.doc_id and (_names(c, candidate) or _names(candidate, c)) for c in chosen)


def _overlaps(a: ScoredSentence, b: ScoredSentence) -> bool:
    return a.doc_id == b.doc_id and a.start < b.end and b.start < a.end


def _redundant(a: ScoredSentence, b: ScoredSentence) -> bool:
    return bool(a.terms) and len(a.terms & b.terms) / len(a.terms) > 0.8


def with_next_sentence(question: str, chosen: list[ScoredSentence], scored: list[ScoredSentence], is_common=None):
    """When the best sentence holds no phrase of the asked kind but the sentence right after it does, that
    sentence joins the answer next: the answer is often told one sentence later ("...condiment is running
    out." "Dijon mustard has ...")."""
    from rag.answering.short_answer import find_phrase

    if not chosen or question_kind(question) is None or find_phrase(question, chosen[0].text, is_common):
        return chosen
    best = chosen[0]
    following = [s for s in scored if s.doc_id == best.doc_id and s.start >= best.end]
    nearest = min(following, key=lambda s: s.start, default=None)
    if nearest is None or nearest in chosen or nearest.start - best.end > 3:
        return chosen
    if find_phrase(question, nearest.text, is_common) is None:
        return chosen
    return [best, nearest, *chosen[1:]]
