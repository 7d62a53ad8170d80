"""The answering phrase of a factoid question (a name, a number with its unit, a date), found inside a cited
sentence, with its exact span: "Who won the Hart Trophy?" -> "Auston Matthews", then the sentence that says so."""

from __future__ import annotations

import re

from rag.questions.kinds import question_kind
from rag.text import STOPWORDS, content_terms, is_year, numbers, words
from rag.text.dates import written_dates
from rag.text.names import answer_names
from rag.types import ShortAnswer

_QUOTED = re.compile(r"[\"“]([^\"”]{2,80}?)[.,;:!?]?[\"”]|(?<!\w)‘([^’]{2,80}?)[.,;:!?]?’(?!\w)")
_UNIT = re.compile(r"\s+((?:[a-z][a-z\-]+\s+){0,1}[a-z][a-z\-]+)")
_CURRENCY = "$€£¥"


def find_phrase(question: str, sentence: str, is_common=None) -> tuple[int, int] | None:
    """(start, end) in `sentence` of the phrase that answers `question`, or None when nothing fits the kind.

    `is_common(term)` says a stemmed term is in so many documents that it names no answer (a publisher's name
    in every article, a section label)."""
    kind = question_kind(question)
    if kind is None:
        return None
    asked = set(content_terms(question))
    trimmed = [_trim(c, sentence) for c in _candidates(sentence, kind)]
    candidates = [c for c in trimmed if c is not None and not _restates(sentence[c[0] : c[1]], asked, is_common)]
    if not candidates:
        return None
    anchors = _anchor_offsets(sentence, asked)
    start, end, _ = max(candidates, key=lambda c: (c[2], -_distance(c, anchors)))
    if sentence[start:end].endswith(("'s", "’s")):
        end -= 2
    while end > start and sentence[end - 1] in ".,;:!?'’\"”" and not re.search(r"\b[A-Z]\.$", sentence[start:end]):
        end -= 1  # the sentence's full stop, not the name's ("J.K." keeps its own)
    return start, end


def short_answer(question: str, citations, is_common=None) -> ShortAnswer | None:
    """The answering phrase inside the first cited quote that holds one of the asked kind."""
    for citation in citations:
        span = find_phrase(question, citation.quote, is_common)
        if span is not None:
            start, end = span
            text = citation.quote[start:end]
            return ShortAnswer(text, citation.n, citation.start + start, citation.start + end)
    return None


# A news dateline or credit opening the sentence: "WASHINGTON –", "NEW YORK (AP) —", "(CNN)".
DATELINE = re.compile(r"^\s*(?:\([A-Z][\w .]*\)\s*|[A-Z][A-Z .,']+(?:\s*\([\w .]+\))?\s*[–—-]\s*)+")


def _candidates(sentence: str, kind: str) -> list[tuple[int, int, int]]:
    """(start, end, fit): fit 2 when the phrase is of the asked kind, 1 when it is a name of another kind."""
    found: list[tuple[int, int, int]] = []
    dateline = DATELINE.match(sentence)
    body = dateline.end() if dateline else 0
    dates = [(d.start, d.end) for d in written_dates(sentence)]
    for number in numbers(sentence):
        offset, end = number.start, number.end
        if any(s <= offset < e for s, e in dates):
            continue
        year = is_year(number.written, sentence, offset)
        if kind == "time" and year:
            found.append((offset, end, 2))
        elif kind == "quantity" and not year:
            start = offset - 1 if offset and sentence[offset - 1] in _CURRENCY else offset
            unit = _UNIT.match(sentence, end)
            if unit:  # "37 fishing boats", "300,000 reserves": up to two words, none a function word
                for word in unit.group(1).split():
                    if word in STOPWORDS:
                        break
                    end = sentence.index(word, end) + len(word)
            found.append((start, end, 2))
    if kind == "time":
        found += [(s, e, 2) for s, e in dates]
    if kind in ("person", "place", "thing"):
        for name in answer_names(sentence):
            start, end = name.start, name.end
            first = name.written.split()[0]
            fit = 2
            if start == body and " " not in name.written and not first.isupper():
                # One capitalised word opening the sentence may be a common word: a name only failing others.
                if first.lower() in STOPWORDS | _COMMON_OPENERS:
                    continue
                fit = 1
            if any(s <= start < e for s, e in dates) or first.lower() in STOPWORDS and " " not in name.written:
                continue
            found.append((start, end, fit))
        for match in _QUOTED.finditer(sentence):
            group = 1 if match.group(1) is not None else 2
            found.append((match.start(group), match.end(group), 2))
        if kind == "thing":
            found += [(n.start, n.end, 1) for n in numbers(sentence)]
    return [c for c in found if c[0] >= body]


_CONTRACTION = re.compile(r"^(?:it|that|he|she|there|here|what|who|we|they|you|i|let)'(?:re|ll|ve|m|d|s)\b")
_COMMON_OPENERS = frozenset(
    "in on at after before as but and the a an this that it he she they we although though while when since "
    "however meanwhile then yet still also even just only now today yesterday several many most some all both "
    "each every few other another such no none".split()
)


def _trim(candidate: tuple[int, int, int], sentence: str) -> tuple[int, int, int] | None:
    """Leading function words off a phrase ("The 2010 earthquake" -> "2010 earthquake"); None if nothing is left."""
    start, end, fit = candidate
    while True:
        match = re.match(r"([A-Za-z]+(?:['’][a-z]+)?)\s+", sentence[start:end])
        word = match.group(1).lower().replace("’", "'") if match else ""
        if not match or (word not in STOPWORDS | _COMMON_OPENERS and not _CONTRACTION.match(word)):
            break
        start += match.end()
    if start >= end:
        return None
    trimmed = sentence[start:end]
    if trimmed != sentence[candidate[0] : end] and not any(c.isalpha() for c in trimmed):
        return None  # "The 2010" was a capitalised article before a number, not a name
    if _CONTRACTION.match(trimmed.lower().replace("’", "'")):
        return None  # "We're", "It's": a capitalised pronoun, not a name
    return start, end, fit


def _restates(phrase: str, asked: set[str], is_common=None) -> bool:
    terms = content_terms(phrase)
    if is_common is not None:
        terms = [t for t in terms if not is_common(t)]
    return not terms or all(t in asked for t in terms)


def _anchor_offsets(sentence: str, asked: set[str]) -> list[int]:
    offsets, cursor = [], 0
    for word in words(sentence):
        position = sentence.find(word, cursor)
        cursor = position + len(word)
        if any(t in asked for t in content_terms(word)):
            offsets.append(position)
    return offsets


def _distance(candidate: tuple[int, int, int], anchors: list[int]) -> int:
    if not anchors:
        return candidate[0]
    start, end, _ = candidate
    return min(min(abs(a - start), abs(a - end)) for a in anchors)
