"""The retrieve stage: one hybrid search per part of the question, and their passages taken in turn."""

from __future__ import annotations

from collections.abc import Sequence

from rag.retrieval.fusion import interleave
from rag.retrieval.search import Retrieval
from rag.stages import Query, Retrieved


def retrieve(query: Query, retrieval: Retrieval, k: int, doc_ids: Sequence[str] | None) -> Retrieved:
    """`k` passages for the query (for a multi-part question, up to `k` per part, interleaved)."""
    if not query.multi_part:
        run = retrieval.search(query.search, k=k, doc_ids=doc_ids)
        return Retrieved(run=run, part_runs=(run,))
    runs = tuple(retrieval.search(part.question, k=k, doc_ids=doc_ids) for part in query.parts)
    return Retrieved(run=interleave(runs, k), part_runs=runs)
