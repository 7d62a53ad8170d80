"""Parsing the `[n]` markers of a model-written answer: small pure functions, one edge case each.

Markers are 1-based passage numbers. `[0]` and numbers past the last passage are dropped and reported
(`[0]` must never wrap around to the last passage). A marker belongs to the sentence it stands in or, at a
sentence's very start, to the sentence before it ("... 1986. [2] The film ..." cites [2] for the first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text.sentences import answer_sentences
from rag.types import Citation

MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")


@dataclass(frozen=True)
class ClaimSentence:
    """A sentence of the answer with its markers removed, and the passages it cites."""

    text: str
    cited: tuple[int, ...]
    dropped: tuple[int, ...] = ()
    """Marker numbers that named no passage ([0], or past the last one)."""


@dataclass
class ParsedAnswer:
    sentences: list[ClaimSentence] = field(default_factory=list)

    @property
    def dropped(self) -> list[int]:
        return [n for s in self.sentences for n in s.dropped]

    @property
    def has_markers(self) -> bool:
        return any(s.cited or s.dropped for s in self.sentences)


def marker_numbers(text: str) -> list[int]:
    """Every number in every marker, in order: "[1, 3][2]" -> [1, 3, 2]."""
    return [int(n) for match in MARKER.finditer(text) for n in re.split(r"\s*[,;]\s*", match.group(1))]


def strip_markers(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(MARKER.sub(" ", text).split()))


def parse_answer(answer: str, passage_count: int) -> ParsedAnswer:
    parsed = ParsedAnswer()
    for sentence in answer_sentences(answer):
        numbers = list(dict.fromkeys(marker_numbers(sentence)))
        valid = tuple(n for n in numbers if 1 <= n <= passage_count)
        dropped = tuple(n for n in numbers if not 1 <= n <= passage_count)
        text = strip_markers(sentence)
        if text:
            parsed.sentences.append(ClaimSentence(text, valid, dropped))
    return parsed


def span_citation(n: int, doc_id: str, stored, start: int, end: int, verdict) -> Citation:
    """The one way a citation is made: an exact span of a stored document, with its check and location."""
    from index.types import page_at

    return Citation(
        n=n,
        doc_id=doc_id,
        source=stored.source,
        title=stored.title,
        start=start,
        end=end,
        quote=stored.text[start:end],
        supported=verdict.supported,
        score=verdict.score,
        page=page_at(stored.page_starts, start),
        line=stored.text.count("\n", 0, start) + 1,
        reason="" if verdict.supported else verdict.reason,
        boxes=tuple(tuple(box) for box in stored.boxes(start, end)),
    )
