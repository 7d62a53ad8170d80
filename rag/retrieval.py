"""Hybrid retrieval: dense (Chroma) and BM25 ranks fused by reciprocal rank, a second hop for multi-hop
questions, overlapping chunks of a document merged, optional MMR diversity and document filter."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.catalog import StoredDocument
from index.library import Library
from index.types import Chunk

from .settings import Settings
from .text import content_terms, proper_names, words
from .types import Passage

HOP_SEEDS = 3
"""First-round documents whose text seeds the second hop."""
HOP_WEIGHT = 0.6
"""Weight of second-hop ranks in the fusion, against 1.0 for the question's own ranks."""


@dataclass
class RetrievalRun:
    """Passages plus what the answerer may reuse (the query vector) and how long each part took."""

    passages: list[Passage]
    query_vector: list[float] | None = None
    dense_scores: dict[str, float] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)


class Retrieval:
    def __init__(self, library: Library, settings: Settings):
        self.library = library
        self.settings = settings
        self._chunks: OrderedDict[str, Chunk] = OrderedDict()
        self._documents: OrderedDict[str, StoredDocument] = OrderedDict()
        self._generation = -1
        self._lock = threading.Lock()

    # -- cached catalog reads (invalidated whenever the catalog changes)
    def _fresh(self) -> None:
        generation = self.library.catalog.generation()
        if generation != self._generation:
            with self._lock:
                self._chunks.clear()
                self._documents.clear()
                self._generation = generation

    def chunk(self, chunk_id: str) -> Chunk:
        chunk = self._chunks.get(chunk_id)
        if chunk is None:
            chunk = self.library.catalog.chunk(chunk_id)
            with self._lock:
                self._chunks[chunk_id] = chunk
                while len(self._chunks) > 20_000:
                    self._chunks.popitem(last=False)
        return chunk

    def document(self, doc_id: str) -> StoredDocument:
        stored = self._documents.get(doc_id)
        if stored is None:
            stored = self.library.document(doc_id)
            with self._lock:
                self._documents[doc_id] = stored
                while len(self._documents) > 512:
                    self._documents.popitem(last=False)
        return stored

    def document_text(self, doc_id: str) -> tuple[str, str, str]:
        """(text, title, source) of a document."""
        stored = self.document(doc_id)
        return stored.text, stored.title, stored.source

    def page_starts(self, doc_id: str) -> tuple[int, ...]:
        return self.document(doc_id).page_starts

    # -- search
    def search(self, query: str, k: int | None = None, doc_ids: Sequence[str] | None = None,
               second_hop: bool | None = None, mmr: bool | None = None,
               query_vector: list[float] | None = None) -> RetrievalRun:
        import time

        self._fresh()
        k = k or self.settings.top_k
        second_hop = self.settings.second_hop if second_hop is None else second_hop
        mmr = self.settings.mmr if mmr is None else mmr
        candidates = max(self.settings.candidates, k * 4)
        started = time.perf_counter()
        vector = query_vector if query_vector is not None else self.library.embeddings.embed_query(query)
        embedded = time.perf_counter()
        allowed = self._allowed_chunks(doc_ids)
        dense = self.library.vectors.query(vector, candidates, doc_ids) if self._has_vectors() else []
        keyword = self.library.keyword.search(query, candidates, allowed)
        ranked_lists = [([h.chunk_id for h in dense], 1.0), ([h.chunk_id for h in keyword], 1.0)]
        dense_scores = {h.chunk_id: h.score for h in dense}
        fused = _rrf(ranked_lists, self.settings.rrf_k)
        if second_hop and fused:
            hop_lists = self._second_hop(query, vector, fused, doc_ids, allowed, candidates, dense_scores)
            fused = _rrf(ranked_lists + hop_lists, self.settings.rrf_k)
        searched = time.perf_counter()
        order = sorted(fused, key=fused.get, reverse=True)
        if mmr:
            order = self._mmr(vector, order[: candidates], k * 2)
        passages = self._passages(order, fused, k * 3)[:k]
        finished = time.perf_counter()
        return RetrievalRun(
            passages=passages, query_vector=vector, dense_scores=dense_scores,
            timings_ms={"embed": 1000 * (embedded - started), "search": 1000 * (searched - embedded),
                        "assemble": 1000 * (finished - searched)},
        )

    def _has_vectors(self) -> bool:
        return bool(self.library.catalog.generation()) and self.library.vectors.count() > 0

    def _allowed_chunks(self, doc_ids: Sequence[str] | None) -> set[str] | None:
        if not doc_ids:
            return None
        return {c.chunk_id for d in doc_ids for c in self.library.catalog.chunks_of(d)}

    def _second_hop(self, query, vector, fused, doc_ids, allowed, candidates, dense_scores):
        """Search again with each top document's text added to the question.

        A bridge question ("the director of the film that ...") names the film, not the director; the
        film's passage names the director, so a query made of the question plus that passage finds the
        director's document, which shares no words with the question.
        """
        seeds: list[str] = []
        seen_docs: set[str] = set()
        for chunk_id in sorted(fused, key=fused.get, reverse=True):
            chunk = self.chunk(chunk_id)
            if chunk.doc_id not in seen_docs:
                seen_docs.add(chunk.doc_id)
                seeds.append(chunk_id)
            if len(seeds) == HOP_SEEDS:
                break
        question_terms = set(content_terms(query))
        question_names = proper_names(query)
        lists = []
        seed_texts = [self.chunk(s).text for s in seeds]
        seed_vectors = self.library.vectors.vectors(seeds)  # stored at ingest: no encoder call here
        for rank, (seed, text, seed_vector) in enumerate(zip(seeds, seed_texts, seed_vectors, strict=True)):
            weight = HOP_WEIGHT / (1 + rank)
            mixed = np.asarray(vector, dtype=np.float32) + seed_vector
            mixed /= np.linalg.norm(mixed) or 1.0
            hits = self.library.vectors.query(mixed.tolist(), candidates, doc_ids)
            lists.append(([h.chunk_id for h in hits if h.chunk_id != seed], weight))
            # Names in the seed that the question does not mention are the likely bridge entities.
            bridge = [w for w in words(text) if w[:1].isupper() and w.lower() in proper_names(text)
                      and w.lower() not in question_names]
            new_terms = [t for t in content_terms(" ".join(bridge)) if t not in question_terms]
            if new_terms:
                hop_query = query + " " + " ".join(dict.fromkeys(bridge))
                hits_kw = self.library.keyword.search(hop_query, candidates, allowed)
                lists.append(([h.chunk_id for h in hits_kw if h.chunk_id != seed], weight))
        return lists

    def _mmr(self, vector, order: list[str], k: int) -> list[str]:
        """Maximal marginal relevance over chunk vectors: relevant, but not all saying the same."""
        if len(order) <= 1:
            return order
        got = self.library.vectors.collection.get(ids=order, include=["embeddings"])
        vectors = {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}
        order = [o for o in order if o in vectors]
        query = np.asarray(vector, dtype=np.float32)
        relevance = {o: float(vectors[o] @ query) for o in order}
        chosen: list[str] = []
        rest = list(order)
        lam = self.settings.mmr_lambda
        while rest and len(chosen) < k:
            def gain(o: str) -> float:
                redundancy = max((float(vectors[o] @ vectors[c]) for c in chosen), default=0.0)
                return lam * relevance[o] - (1 - lam) * redundancy

            best = max(rest, key=gain)
            chosen.append(best)
            rest.remove(best)
        return chosen + rest

    def _passages(self, order: list[str], scores: dict[str, float], limit: int) -> list[Passage]:
        """Merge overlapping or adjacent chunks of one document into one passage, best first."""
        merged: dict[str, list[list]] = defaultdict(list)  # doc_id -> [[start, end, score, sentences, rank]]
        for rank, chunk_id in enumerate(order[:limit * 2]):
            chunk = self.chunk(chunk_id)
            spans = merged[chunk.doc_id]
            for span in spans:
                if chunk.start <= span[1] and chunk.end >= span[0]:
                    span[0], span[1] = min(span[0], chunk.start), max(span[1], chunk.end)
                    span[2] = max(span[2], scores[chunk_id])
                    span[3] = sorted(set(span[3]) | set(chunk.sentences))
                    break
            else:
                spans.append([chunk.start, chunk.end, scores[chunk_id], list(chunk.sentences), rank, chunk.page])
        flat = [(doc_id, *span) for doc_id, spans in merged.items() for span in spans]
        flat.sort(key=lambda item: item[5])
        passages = []
        best = max((item[3] for item in flat), default=1.0) or 1.0
        for doc_id, start, end, score, sentences, _rank, page in flat[:limit]:
            text, title, source = self.document_text(doc_id)
            passages.append(Passage(doc_id=doc_id, source=source, title=title, start=start, end=end,
                                    text=text[start:end], score=score / best, page=page,
                                    sentences=tuple(tuple(s) for s in sentences)))
        return passages


def _rrf(ranked_lists: list[tuple[list[str], float]], k: int) -> dict[str, float]:
    fused: dict[str, float] = defaultdict(float)
    for ids, weight in ranked_lists:
        for rank, chunk_id in enumerate(ids):
            fused[chunk_id] += weight / (k + rank + 1)
    return dict(fused)


class HybridRetriever(BaseRetriever):
    """Citewise's retrieval as a LangChain retriever: each Document is a passage with its exact offsets."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retrieval: Retrieval
    k: int = 5
    doc_ids: list[str] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        run = self.retrieval.search(query, k=self.k, doc_ids=self.doc_ids)
        return [Document(page_content=p.text, metadata=p.to_dict() | {"citewise_passage": True})
                for p in run.passages]
