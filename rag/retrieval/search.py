"""Hybrid retrieval, stage by stage: dense (Chroma), keyword (chunk and whole-document BM25), named sources and
title links each make a ranked list (`fusion.RankedList`); reciprocal-rank fusion; a second hop for multi-hop
questions; optional MMR; passage assembly (`passages`). Filters arrive as the documents allowed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.chunking import chunk_id, doc_of
from rag.retrieval.catalog_view import CatalogView
from rag.retrieval.filters import question_dates
from rag.retrieval.fusion import (
    RankedList,
    best_per_document,
    by_similarity,
    document_order,
    mmr,
    rrf,
)
from rag.retrieval.passages import assemble_passages
from rag.stages import RetrievalRun
from rag.text.names import title_phrases

HOP_SEEDS = 2
"""First-round documents whose text seeds the second hop."""
HOP_WEIGHT = 1.5
"""Weight of the best seed's second-hop lists in the fusion (the question's own lists weigh 1.0).
On hotpotqa100 (open retrieval, 994 documents) 0.6 / 1.0 / 1.5 / 2.0 gave recall@5 0.875 / 0.89 / 0.91 / 0.93."""
TITLE_WEIGHT = 1.0
"""Weight of the list of documents the question names by their title."""
DENSE_HOP_SHARE = 0.5
"""Share of a seed's hop weight given to the dense search with the question moved towards the seed."""


class Retrieval(CatalogView):
    """The search stages over a collection (its cached reads in `CatalogView`)."""

    # -- search
    def search(
        self,
        query: str,
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
        second_hop: bool | None = None,
        mmr: bool | None = None,
        query_vector: list[float] | None = None,
    ) -> RetrievalRun:
        import time

        self._fresh()
        k = k or self.settings.retrieval.top_k
        second_hop = self.settings.retrieval.second_hop if second_hop is None else second_hop
        mmr = self.settings.retrieval.mmr if mmr is None else mmr
        candidates = max(self.settings.retrieval.candidates, k * 4)
        started = time.perf_counter()
        share = self.settings.retrieval.document_share
        # The keyword lists (chunks and whole documents: two SQL queries in the database, each on a connection of its
        # own) and the vectors of the documents the question names by title (a read from Chroma) are fetched while
        # the question is embedded and Chroma searched: all of them release Python's lock, so their time hides
        # behind the dense path's.
        pool = self._io_pool()
        keyword = self.library.keyword
        chunk_hits = pool.submit(keyword.search, query, candidates, doc_ids or None)
        document_hits = (
            pool.submit(keyword.search_documents, query, self.settings.retrieval.document_candidates, _as_set(doc_ids))
            if share > 0
            else None
        )
        linked = self._title_links(query, doc_ids) if self.settings.retrieval.title_links else []
        linked_vectors = pool.submit(self._first_chunk_vectors, linked) if linked else None
        vector = query_vector if query_vector is not None else self.library.embeddings.embed_query(query)
        embedded = time.perf_counter()
        dense = (
            self.library.vectors.query(vector, candidates, doc_ids, with_vectors=second_hop)
            if self._has_vectors()
            else []
        )
        # Only chunks the catalog lists: a keyword index still being rebuilt, or vectors an interrupted removal
        # left behind, may name chunks that are gone.
        listed = self._listed()
        dense = [h for h in dense if listed(h.chunk_id)]
        dense_vectors = {h.chunk_id: h.vector for h in dense if h.vector is not None}
        keyword_hits = [h for h in chunk_hits.result() if listed(h.chunk_id)]
        document_hits = document_hits.result() if document_hits is not None else []
        ranked_lists = [
            RankedList(tuple(h.chunk_id for h in dense), self.settings.retrieval.dense_weight),
            RankedList(tuple(h.chunk_id for h in keyword_hits), 1.0 - share),
        ]
        dense_scores = {h.chunk_id: h.score for h in dense}
        if linked_vectors is not None:  # documents the question names by their title, most similar first
            named = by_similarity([chunk_id(d, 0) for d in linked], linked_vectors.result(), vector)
            ranked_lists.append(RankedList(tuple(named), TITLE_WEIGHT))
        if share > 0:
            ranked_lists += self._document_list(query, candidates, document_hits, ranked_lists, share)
        if self.settings.retrieval.named_source_weight > 0:
            ranked_lists += self._named_list(query, ranked_lists)
        fused = {
            chunk: score for chunk, score in rrf(ranked_lists, self.settings.retrieval.rrf_k).items() if listed(chunk)
        }
        if second_hop and fused:
            first_round = best_per_document(fused, self.settings.retrieval.hop_keep_first)
            hop_lists = self._second_hop(vector, fused, doc_ids, candidates, dense_vectors)
            fused = {
                c: score
                for c, score in rrf(ranked_lists + hop_lists, self.settings.retrieval.rrf_k).items()
                if listed(c)
            }
            # The question's own best match stays first: the hop adds documents, it does not reorder the top.
            top = max(fused.values())
            for position, chunk_id_ in enumerate(first_round):
                fused[chunk_id_] = top * (2 - position * 0.01)
        searched = time.perf_counter()
        order = sorted(fused, key=fused.get, reverse=True)
        if mmr:
            order = self._mmr(vector, order[:candidates], k * 2)
        self.prefetch(order[: k * 6])  # what assembly reads (k * 3 passages from twice as many chunks), at once
        passages = assemble_passages(order, fused, k * 3, self.chunk, self.document)[:k]
        finished = time.perf_counter()
        return RetrievalRun(
            passages=tuple(passages),
            dense_scores=dense_scores,
            dense_docs=tuple(document_order(h.chunk_id for h in dense)),
            keyword_docs=tuple(document_order(h.chunk_id for h in keyword_hits)),
            timings_ms={
                "embed": 1000 * (embedded - started),
                "search": 1000 * (searched - embedded),
                "assemble": 1000 * (finished - searched),
            },
        )

    def _listed(self):
        """Whether a chunk id is one the catalog lists now (its document's chunk count read once)."""
        counts = self._chunk_counts()

        def listed(chunk_id_: str) -> bool:
            doc_id, _, index = chunk_id_.rpartition("-")
            return index.isdigit() and int(index) < counts.get(doc_id, 0)

        return listed

    def _mmr(self, vector, order: list[str], k: int) -> list[str]:
        if len(order) <= 1:
            return order
        vectors = self.library.vectors.stored_vectors(order)
        return mmr(order, vectors, vector, self.settings.retrieval.mmr_lambda, k)

    def linked_documents(self, text: str, exclude: set[str]) -> list[str]:
        """Documents whose title is a name written in `text` (longest names first)."""
        titles = self.titles()
        found: list[str] = []
        for phrase in sorted(title_phrases(text), key=len, reverse=True):
            for doc_id in titles.get(phrase, ()):
                if doc_id not in exclude and doc_id not in found:
                    found.append(doc_id)
        return found

    def _title_links(self, query: str, doc_ids) -> list[str]:
        """Documents (of those allowed) the question names by their title."""
        linked = self.linked_documents(query, set())
        return [d for d in linked if d in set(doc_ids)] if doc_ids else linked

    def _io_pool(self):
        """Threads for reads that wait on the database or Chroma while this thread embeds or searches."""
        from concurrent.futures import ThreadPoolExecutor

        if self._io_threads is None:
            with self._lock:
                if self._io_threads is None:
                    self._io_threads = ThreadPoolExecutor(4, "citewise-retrieval")
        return self._io_threads

    def _document_list(self, query: str, candidates: int, hits, ranked_lists, weight: float) -> list[RankedList]:
        """Whole documents ranked by BM25 (`hits`), each as its best chunk: the best one the other lists found, or
        else its chunk that BM25 ranks first."""
        if not hits:
            return []
        best_chunk: dict[str, str] = {}
        for chunk_id_ in sorted(rrf(ranked_lists, self.settings.retrieval.rrf_k).items(), key=lambda item: -item[1]):
            best_chunk.setdefault(doc_of(chunk_id_[0]), chunk_id_[0])
        missing = [h.chunk_id for h in hits if h.chunk_id not in best_chunk]
        if missing:
            for hit in self.library.keyword.search(query, candidates, missing):
                best_chunk.setdefault(doc_of(hit.chunk_id), hit.chunk_id)
        ranked = [best_chunk.get(h.chunk_id, chunk_id(h.chunk_id, 0)) for h in hits]
        return [RankedList(tuple(ranked), weight)]

    def _named_list(self, query: str, ranked_lists) -> list[RankedList]:
        """The candidates from documents whose publisher or author the question names, as a list of their own
        (a boost, not a filter: the name may be there for another reason); nothing when it names most of them."""
        records = self.records()
        named = self.names().named_documents(query)
        dates = question_dates(query) if self.settings.retrieval.question_dates else None
        if dates:
            named |= {r.doc_id for r in records if r.date and dates[0] <= r.date <= dates[1]}
        if not named or len(named) > len(records) / 2:
            return []
        order = sorted(rrf(ranked_lists, self.settings.retrieval.rrf_k).items(), key=lambda item: -item[1])
        boosted = [chunk for chunk, _ in order if doc_of(chunk) in named]
        return [RankedList(tuple(boosted), self.settings.retrieval.named_source_weight)] if boosted else []

    def _first_chunk_vectors(self, doc_ids: list[str]) -> dict[str, np.ndarray]:
        firsts = list(dict.fromkeys(chunk_id(d, 0) for d in doc_ids))
        if not firsts:
            return {}
        return dict(zip(firsts, self.library.vectors.vectors(firsts), strict=True))

    def _second_hop(self, vector, fused, doc_ids, candidates, dense_vectors):
        """Follow the names in the best documents to the documents about them.

        A bridge question ("the director of the film that ...") names the film, not the director; the
        film's passage names the director. Two signals: documents whose title is a name written in a
        top passage (ranked by similarity to question + passage), and a dense search with the question's
        vector moved towards the passage's.
        """
        seeds: list[str] = []
        seen_docs: set[str] = set()
        for chunk_id_ in sorted(fused, key=fused.get, reverse=True):
            chunk = self.chunk(chunk_id_)
            if chunk.doc_id not in seen_docs:
                seen_docs.add(chunk.doc_id)
                seeds.append(chunk_id_)
            if len(seeds) == HOP_SEEDS:
                break
        lists = []
        known = dense_vectors
        missing = [s for s in seeds if s not in known]
        if missing:  # seeds found by BM25 only: their stored vectors (never the encoder)
            known = {**known, **dict(zip(missing, self.library.vectors.vectors(missing), strict=True))}
        seed_vectors = np.stack([known[s] for s in seeds])
        mixed = np.asarray(vector, dtype=np.float32)[None, :] + seed_vectors
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True).clip(min=1e-9)
        allowed_docs = set(doc_ids) if doc_ids else None
        linked_by_seed = []
        for seed in seeds:
            seed_chunk = self.chunk(seed)
            linked = (
                self.linked_documents(seed_chunk.text, {seed_chunk.doc_id})
                if self.settings.retrieval.title_links
                else []
            )
            linked_by_seed.append([d for d in linked if allowed_docs is None or d in allowed_docs])
        # Two reads from Chroma at once: the linked documents' vectors while the moved vectors are searched.
        first_chunks = self._io_pool().submit(
            self._first_chunk_vectors, [d for linked in linked_by_seed for d in linked]
        )
        hop_hits = self.library.vectors.query_many(mixed, candidates, doc_ids)
        first_chunks = first_chunks.result()
        first_docs = {doc_of(c) for c in fused}
        for rank, (hits, linked, seed_mixed) in enumerate(zip(hop_hits, linked_by_seed, mixed, strict=True)):
            weight = HOP_WEIGHT / (1 + rank)
            if self.settings.retrieval.hop_new_only:  # documents the question found itself keep their own ranks
                hits = [h for h in hits if doc_of(h.chunk_id) not in first_docs]
            lists.append(RankedList(tuple(h.chunk_id for h in hits), weight * DENSE_HOP_SHARE))
            if linked:
                ranked = by_similarity([chunk_id(d, 0) for d in linked], first_chunks, seed_mixed)
                lists.append(RankedList(tuple(ranked), weight))
        return lists


def _as_set(items: Sequence[str] | None) -> set[str] | None:
    return set(items) if items else None
