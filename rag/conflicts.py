"""Sources that disagree: different answers to the question (a number or year, or a name, place, thing or date)
from different documents, each stated by a sentence about the asked thing."""

from __future__ import annotations

import re

from index.dates import MONTHS_OR_ABBREVIATED

from .extractive import ScoredSentence, answer_kind
from .short_answer import find_phrase
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


def stated_phrase(sentence: str, question: str) -> tuple[str, str] | None:
    """(comparison key, as written) of the phrase answering the question in the sentence: a name, a place, a
    thing or a written date."""
    span = find_phrase(question, sentence)
    if span is None:
        return None
    written = sentence[span[0] : span[1]]
    if set(content_terms(written)) & set(content_terms(question)):
        return None  # "Sophie Ramsay" for a question about Kate Ramsay: part of the subject, not an answer
    return phrase_key(written), written


def phrase_key(phrase: str) -> str:
    """What two phrases must share to say the same: a date's month and day ("Sept. 21" = "21 September"),
    otherwise the lower-case words without articles."""
    date = _MONTH_DAY.search(phrase) or _DAY_MONTH.search(phrase)
    if date:
        return f"{date['month'][:3].lower()} {int(date['day'])}"
    return " ".join(w for w in re.findall(r"[a-z0-9]+", phrase.lower()) if w not in ("the", "a", "an"))


def same_phrase(a: str, b: str) -> bool:
    """The same answer, written more or less fully ("Putin" and "Vladimir Putin")."""
    words_a, words_b = set(a.split()), set(b.split())
    return bool(words_a) and bool(words_b) and (words_a <= words_b or words_b <= words_a)


_MONTH_DAY = re.compile(rf"(?P<month>{MONTHS_OR_ABBREVIATED})\s+(?P<day>\d{{1,2}})\b")
_DAY_MONTH = re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{MONTHS_OR_ABBREVIATED})")


def find_conflicts(
    question: str, scored: list[ScoredSentence]
) -> list[tuple[ScoredSentence, ScoredSentence, str, str]]:
    """Pairs of relevant sentences from different documents that state different answers: numbers or years
    for how-many and when questions, names, places and things (compared as phrases) for the others."""
    kind = answer_kind(question)
    if kind == "other" or not scored:
        return []
    if kind in ("quantity", "time"):
        return _disagreements(
            scored,
            lambda text: stated_value(text, question, kind),
            _different_numbers,
            lambda a, b: same_subject(a.text, b.text),
        )
    return _disagreements(
        scored, lambda text: stated_phrase(text, question), lambda a, b: not same_phrase(a, b), restate
    )


def _different_numbers(a: float, b: float) -> bool:
    return abs(a - b) > 0.01 * max(abs(a), abs(b), 1.0)


def restate(a: ScoredSentence, b: ScoredSentence) -> bool:
    """The two sentences say the same thing but for their answer: they hold the same words of the question
    (not "Kate Ramsay" in one and "Sophie Ramsay" in the other) and most of their other words are shared."""
    if a.matched != b.matched:
        return False
    terms_a, terms_b = set(content_terms(a.text)), set(content_terms(b.text))
    return len(terms_a & terms_b) >= RESTATED_SHARE * len(terms_a | terms_b) if terms_a and terms_b else False


RESTATED_SHARE = 0.5
"""Least share of two sentences' meaningful words that both hold for their different names, places or things
to be two answers to one question (python -m bench.conflicts)."""


def _disagreements(scored: list[ScoredSentence], value_of, differ, about_the_same):
    """Each document's first statement about the asked thing (a sentence scoring near the best and covering
    half of the question), paired with the others' when their values differ and they share a subject."""
    best = scored[0].score
    candidates = [s for s in scored if s.score >= CANDIDATE_RATIO * best and s.coverage >= MIN_COVERAGE]
    if len({s.doc_id for s in candidates}) < 2:
        return []  # one document cannot disagree with itself: no phrase to look for
    by_doc: dict[str, tuple[ScoredSentence, object, str]] = {}
    for sentence in candidates:
        if sentence.doc_id in by_doc:
            continue
        value = value_of(sentence.text)
        if value is not None:
            by_doc[sentence.doc_id] = (sentence, *value)
    statements = list(by_doc.values())
    conflicts = []
    for i, (a, value_a, written_a) in enumerate(statements):
        for b, value_b, written_b in statements[i + 1 :]:
            if differ(value_a, value_b) and about_the_same(a, b):
                conflicts.append((a, b, written_a, written_b))
    return conflicts
