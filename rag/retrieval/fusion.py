"""Fusion of ranked lists, and the typed hand-off of retrieval: pure functions over chunk ids.

Every retrieval stage (dense, keyword, whole-document, named sources, title links, second hop) produces a
`RankedList`; reciprocal-rank fusion turns the lists into one score per chunk; a `RetrievalRun` carries the
assembled passages and what the answerer reuses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.chunking import doc_of
from rag.stages import RetrievalRun
from rag.types import Passage


@dataclass(frozen=True)
class RankedList:
    """Chunk ids best first, and the list's weight in the fusion."""

    chunk_ids: tuple[str, ...]
    weight: float


def interleave(runs: Sequence[RetrievalRun], k: int) -> RetrievalRun:
    """One run from several (the parts of a question): their passages taken in turn, each passage once."""
    passages: list[Passage] = []
    seen: set[tuple[str, int]] = set()
    for rank in range(max(len(run.passages) for run in runs)):
        for run in runs:
            if rank < len(run.passages):
                passage = run.passages[rank]
                if (passage.doc_id, passage.start) not in seen:
                    seen.add((passage.doc_id, passage.start))
                    passages.append(passage)
    timings: dict[str, float] = {}
    for run in runs:
        for name, value in run.timings_ms.items():
            timings[name] = timings.get(name, 0.0) + value
    return RetrievalRun(
        passages=tuple(passages[: max(k, len(runs))]),
        dense_scores={chunk: score for run in runs for chunk, score in run.dense_scores.items()},
        dense_docs=tuple(merge_orders([run.dense_docs for run in runs])),
        keyword_docs=tuple(merge_orders([run.keyword_docs for run in runs])),
        timings_ms=timings,
    )


def merge_orders(orders: Sequence[Sequence[str]]) -> list[str]:
    merged: list[str] = []
    for rank in range(max((len(o) for o in orders), default=0)):
        for order in orders:
            if rank < len(order) and order[rank] not in merged:
                merged.append(order[rank])
    return merged


def rrf(ranked_lists: Sequence[RankedList], k: int) -> dict[str, float]:
    """Reciprocal-rank fusion: each list adds weight / (k + rank) to each of its chunks."""
    fused: dict[str, float] = defaultdict(float)
    for ranked in ranked_lists:
        for rank, item in enumerate(ranked.chunk_ids):
            fused[item] += ranked.weight / (k + rank + 1)
    return dict(fused)


def best_per_document(scores: dict[str, float], documents: int) -> list[str]:
    """The best chunk of each of the `documents` best documents, best first."""
    best: dict[str, str] = {}
    for item in sorted(scores, key=scores.get, reverse=True):
        best.setdefault(doc_of(item), item)
        if len(best) == documents:
            break
    return list(best.values())


def document_order(chunk_ids, limit: int = 10) -> list[str]:
    """The documents of ranked chunks, in the order of their first chunk."""
    order: list[str] = []
    for item in chunk_ids:
        doc_id = doc_of(item)
        if doc_id not in order:
            order.append(doc_id)
            if len(order) == limit:
                break
    return order


def by_similarity(chunk_ids: list[str], vectors: dict[str, np.ndarray], target) -> list[str]:
    if not chunk_ids:
        return []
    target = np.asarray(target, dtype=np.float32)
    similarity = np.array([float(vectors[c] @ target) for c in chunk_ids])
    return [chunk_ids[i] for i in np.argsort(-similarity, kind="stable")]


def mmr(order: list[str], vectors: dict[str, np.ndarray], query, lam: float, k: int) -> list[str]:
    """Maximal marginal relevance over chunk vectors: relevant, but not all saying the same."""
    order = [o for o in order if o in vectors]
    query = np.asarray(query, dtype=np.float32)
    relevance = {o: float(vectors[o] @ query) for o in order}
    chosen: list[str] = []
    rest = list(order)
    while rest and len(chosen) < k:

        def gain(o: str) -> float:
            redundancy = max((float(vectors[o] @ vectors[c]) for c in chosen), default=0.0)
            return lam * relevance[o] - (1 - lam) * redundancy

        best = max(rest, key=gain)
        chosen.append(best)
        rest.remove(best)
    return chosen + rest
