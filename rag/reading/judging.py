"""Sentences read by the reader: the word-feature scorer's best candidates get the reader's P(the sentence
answers the question) and are ordered by score + weight x P, the weight fitted on data (`rag/data/reading.json`,
written by `bench/reader.py`, reported leave-one-set-out); passages reordered by their best sentence when asked to."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rag.logistic import sigmoid
from rag.reading.reader import reader_text
from rag.stages import ScoredSentence
from rag.types import Passage

if TYPE_CHECKING:
    from rag.settings import ReadingSettings

WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "data" / "reading.json"
RANK_SHIFT = 20
"""Retrieval rank r weighs RANK_SHIFT / (RANK_SHIFT + r) in a reranked passage's key (1 for the first): the
fusion's own flattening (retrieval.rrf_k's default), so the reader reorders neighbours more readily than it
lifts the tenth passage over the first."""


class SentenceReader(Protocol):
    """What judging needs of a reader: one logit per text, higher when the text answers the question."""

    def score(self, question: str, texts: Sequence[str]) -> list[float]: ...


@dataclass(frozen=True)
class ReadingWeights:
    sentence: float
    """What a unit of the reader's P(answers) is worth in a sentence's word-feature score, when ordering."""
    passage: float
    """Weight of a passage's best P(answers) against its retrieval rank's weight when reranking."""


def reading_weights(settings: ReadingSettings) -> ReadingWeights:
    """The weights the settings give, the fitted ones for those they leave unset."""
    fitted = fitted_weights()
    return ReadingWeights(
        sentence=fitted.sentence if settings.sentence_weight is None else settings.sentence_weight,
        passage=fitted.passage if settings.passage_weight is None else settings.passage_weight,
    )


@lru_cache(maxsize=1)
def fitted_weights(path: Path = WEIGHTS_FILE) -> ReadingWeights:
    data = json.loads(path.read_text())
    return ReadingWeights(sentence=float(data["sentence"]), passage=float(data["passage"]))


def judge(
    reader: SentenceReader, question: str, scored: Sequence[ScoredSentence], budget: int, weight: float
) -> list[ScoredSentence]:
    """`scored` (best first) with the first `budget` read (each gets `reading` = P(answers)) and ordered again by
    score + `weight` x P. The scores stay the word features' own: they set how far further sentences must reach
    to join the answer (`choose`), and the reader only decides which sentences lead."""
    candidates = list(scored[:budget])
    if not candidates:
        return list(scored)
    logits = reader.score(question, [reader_text(s.title, s.text) for s in candidates])
    read = [replace(s, reading=p) for s, p in zip(candidates, map(sigmoid, logits), strict=True)]
    return sorted([*read, *scored[budget:]], key=lambda s: weighed(s.score, s.reading, weight), reverse=True)


def rerank(passages: Sequence[Passage], judged: Sequence[ScoredSentence], weight: float) -> list[int]:
    """Indexes of `passages` (in retrieval order) reordered by rank weight plus `weight` x the best P(answers)
    among each passage's read sentences (0 for a passage none of whose sentences was read)."""
    best = best_readings(len(passages), judged)
    key = [weighed(rank_weight(rank), best[rank], weight) for rank in range(len(passages))]
    return sorted(range(len(passages)), key=lambda rank: -key[rank])


def weighed(base: float, reading: float | None, weight: float) -> float:
    """The ordering key of a sentence (`base`: its word-feature score) or a passage (its `rank_weight`) once read:
    `base` + `weight` x P(answers), P 0 when unread. bench/reader.py fits `weight` on this very key."""
    return base + weight * (reading or 0.0)


def rank_weight(rank: int) -> float:
    return RANK_SHIFT / (RANK_SHIFT + rank)


def best_readings(passage_count: int, judged: Sequence[ScoredSentence]) -> list[float]:
    """Each passage's best P(answers) among its read sentences (0 where none was read)."""
    best = [0.0] * passage_count
    for sentence in judged:
        if sentence.reading is not None:
            best[sentence.passage] = max(best[sentence.passage], sentence.reading)
    return best
