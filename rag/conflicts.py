"""Sources that disagree: different numbers or years for the same quantity, from different documents."""

from __future__ import annotations

import re

from .extractive import ScoredSentence, answer_kind
from .text import content_terms, is_day_of_month, is_year, numbers, proper_names, related, stem, words

CANDIDATE_RATIO = 0.5
"""Sentences scoring at least this share of the best are considered statements about the same thing."""
MIN_COVERAGE = 0.5
"""A statement about the asked thing covers at least half of the question's meaningful words; a value in a
sentence that merely touches the topic (another person's birth year) is no disagreement."""
_LEAD = re.compile(
    r"^\s*(how (many|much|long|far|old|big|large|tall)|when|what (year|date|number|percentage|"
    r"amount)|in which year)\s+",
    re.I,
)


def topic(question: str) -> str:
    return _LEAD.sub("", question).strip().rstrip("?").strip() or question.strip()


def stated_value(sentence: str, question: str, kind: str) -> tuple[float, str] | None:
    """The number (or year) the sentence states, nearest to the words it shares with the question."""
    asked = {v for v, _, _ in numbers(question)}
    found = [
        (v, w, o)
        for v, w, o in numbers(sentence)
        if is_year(w, sentence, o) == (kind == "time") and v not in asked and not is_day_of_month(sentence, o, w)
    ]
    if not found:
        return None
    wanted = set(content_terms(question))
    anchors = []
    offset = 0
    for word in words(sentence):
        position = sentence.find(word, offset)
        offset = position + len(word)
        if stem(word) in wanted:
            anchors.append(position)
    if not anchors:
        value, written, _ = found[0]
        return value, written
    value, written, _ = min(found, key=lambda item: min(abs(item[2] - a) for a in anchors))
    return value, written


def same_subject(a: str, b: str) -> bool:
    """The two sentences name something in common, so their values can be about the same thing."""
    names_a = {stem(n) for n in proper_names(a)}
    names_b = {stem(n) for n in proper_names(b)}
    return any(related(x, y) for x in names_a for y in names_b)


def find_conflicts(
    question: str, scored: list[ScoredSentence]
) -> list[tuple[ScoredSentence, ScoredSentence, str, str]]:
    """Pairs of relevant sentences from different documents that state different values."""
    kind = answer_kind(question)
    if kind not in ("quantity", "time") or not scored:
        return []
    best = scored[0].score
    by_doc: dict[str, tuple[ScoredSentence, float, str]] = {}
    for sentence in scored:
        if sentence.score < CANDIDATE_RATIO * best:
            break
        if sentence.doc_id in by_doc or sentence.coverage < MIN_COVERAGE:
            continue
        value = stated_value(sentence.text, question, kind)
        if value is not None:
            by_doc[sentence.doc_id] = (sentence, *value)
    statements = list(by_doc.values())
    conflicts = []
    for i, (a, value_a, written_a) in enumerate(statements):
        for b, value_b, written_b in statements[i + 1 :]:
            if abs(value_a - value_b) > 0.01 * max(abs(value_a), abs(value_b), 1.0) and same_subject(a.text, b.text):
                conflicts.append((a, b, written_a, written_b))
    return conflicts
