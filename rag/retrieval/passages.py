"""Passage assembly: overlapping or adjacent chunks of one document merged into one passage, best first."""

from __future__ import annotations

from collections import defaultdict

from rag.types import Passage


def assemble_passages(order: list[str], scores: dict[str, float], limit: int, chunk, document) -> list[Passage]:
    """Merge overlapping or adjacent chunks of one document into one passage, best first."""
    merged: dict[str, list[list]] = defaultdict(list)  # doc_id -> [[start, end, score, sentences, rank]]
    for rank, item in enumerate(order[: limit * 2]):
        piece = chunk(item)
        spans = merged[piece.doc_id]
        for span in spans:
            if piece.start <= span[1] and piece.end >= span[0]:
                span[0], span[1] = min(span[0], piece.start), max(span[1], piece.end)
                span[2] = max(span[2], scores[item])
                span[3] = sorted(set(span[3]) | set(piece.sentences))
                break
        else:
            spans.append([piece.start, piece.end, scores[item], list(piece.sentences), rank, piece.page])
    flat = [(doc_id, *span) for doc_id, spans in merged.items() for span in spans]
    flat.sort(key=lambda item: item[5])
    passages = []
    best = max((item[3] for item in flat), default=1.0) or 1.0
    for doc_id, start, end, score, sentences, _rank, page in flat[:limit]:
        stored = document(doc_id)
        passages.append(
            Passage(
                doc_id=doc_id,
                source=stored.source,
                title=stored.title,
                start=start,
                end=end,
                text=stored.text[start:end],
                score=score / best,
                page=page,
                sentences=tuple(tuple(s) for s in sentences),
                metadata=stored.metadata,
            )
        )
    return passages
