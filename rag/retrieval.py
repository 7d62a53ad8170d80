"""Hybrid retrieval: dense (Chroma) and BM25 ranks fused by reciprocal rank, a second hop for multi-hop
questions, overlapping chunks of a document merged, optional MMR diversity and document filter."""

from __future__ import annotations

import re
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
from index.chunking import chunk_id, doc_of
from index.library import Library
from index.types import Chunk

from .filters import NameIndex
from .settings import Settings
from .text import STOPWORDS
from .types import Passage

HOP_SEEDS = 2
"""First-round documents whose text seeds the second hop."""
HOP_WEIGHT = 1.5
"""Weight of the best seed's second-hop lists in the fusion (the question's own lists weigh 1.0).
On hotpotqa100 (open retrieval, 994 documents) 0.6 / 1.0 / 1.5 / 2.0 gave recall@5 0.875 / 0.89 / 0.91 / 0.93."""
TITLE_WEIGHT = 1.0
"""Weight of the list of documents the question names by their title."""
DENSE_HOP_SHARE = 0.5
"""Share of a seed's hop weight given to the dense search with the question moved towards the seed."""
"""Weight of second-hop ranks in the fusion, against 1.0 for the question's own ranks."""


@dataclass
class RetrievalRun:
    """Passages plus what the answerer may reuse (the query vector) and how long each part took."""

    passages: list[Passage]
    query_vector: list[float] | None = None
    dense_scores: dict[str, float] = field(default_factory=dict)
    dense_docs: list[str] = field(default_factory=list)
    """Documents in the order the dense search found them (first chunk of each)."""
    keyword_docs: list[str] = field(default_factory=list)
    """Documents in the order chunk BM25 found them."""
    timings_ms: dict[str, float] = field(default_factory=dict)


def interleave(runs: list[RetrievalRun], k: int) -> RetrievalRun:
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
    merged = RetrievalRun(passages=passages[: max(k, len(runs))])
    for run in runs:
        merged.dense_scores.update(run.dense_scores)
        for name, value in run.timings_ms.items():
            merged.timings_ms[name] = merged.timings_ms.get(name, 0.0) + value
    merged.dense_docs = _merge_orders([run.dense_docs for run in runs])
    merged.keyword_docs = _merge_orders([run.keyword_docs for run in runs])
    return merged


def _merge_orders(orders: list[list[str]]) -> list[str]:
    merged: list[str] = []
    for rank in range(max((len(o) for o in orders), default=0)):
        for order in orders:
            if rank < len(order) and order[rank] not in merged:
                merged.append(order[rank])
    return merged


class Retrieval:
    def __init__(self, library: Library, settings: Settings):
        self.library = library
        self.settings = settings
        self._chunks: OrderedDict[str, Chunk] = OrderedDict()
        self._documents: OrderedDict[str, StoredDocument] = OrderedDict()
        self._titles: dict[str, list[str]] | None = None
        self._records = None
        self._counts: dict[str, int] | None = None
        self._names: NameIndex | None = None
        self._vector_count: int | None = None
        self._generation = -1
        self._lock = threading.Lock()

    # -- cached catalog reads (invalidated whenever the catalog changes)
    def _fresh(self) -> None:
        generation = self.library.catalog.generation()
        if generation != self._generation:
            with self._lock:
                self._chunks.clear()
                self._documents.clear()
                self._titles = None
                self._records = None
                self._counts = None
                self._names = None
                self._vector_count = None
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
        k = k or self.settings.top_k
        second_hop = self.settings.second_hop if second_hop is None else second_hop
        mmr = self.settings.mmr if mmr is None else mmr
        candidates = max(self.settings.candidates, k * 4)
        started = time.perf_counter()
        vector = query_vector if query_vector is not None else self.library.embeddings.embed_query(query)
        embedded = time.perf_counter()
        allowed = self._allowed_chunks(doc_ids)
        dense = (
            self.library.vectors.query(vector, candidates, doc_ids, with_vectors=second_hop)
            if self._has_vectors()
            else []
        )
        dense_vectors = {h.chunk_id: h.vector for h in dense if h.vector is not None}
        keyword = self.library.keyword.search(query, candidates, allowed)
        share = self.settings.document_share
        ranked_lists = [
            ([h.chunk_id for h in dense], self.settings.dense_weight),
            ([h.chunk_id for h in keyword], 1.0 - share),
        ]
        dense_scores = {h.chunk_id: h.score for h in dense}
        if self.settings.title_links:
            ranked_lists += self._title_list(query, vector, doc_ids)
        if share > 0:
            ranked_lists += self._document_list(query, candidates, doc_ids, ranked_lists, share)
        if self.settings.named_source_weight > 0:
            ranked_lists += self._named_list(query, ranked_lists)
        fused = _rrf(ranked_lists, self.settings.rrf_k)
        if second_hop and fused:
            first_round = self._best_per_document(fused, self.settings.hop_keep_first)
            hop_lists = self._second_hop(vector, fused, doc_ids, candidates, dense_vectors)
            fused = _rrf(ranked_lists + hop_lists, self.settings.rrf_k)
            # The question's own best match stays first: the hop adds documents, it does not reorder the top.
            top = max(fused.values())
            for position, chunk_id_ in enumerate(first_round):
                fused[chunk_id_] = top * (2 - position * 0.01)
        searched = time.perf_counter()
        order = sorted(fused, key=fused.get, reverse=True)
        if mmr:
            order = self._mmr(vector, order[:candidates], k * 2)
        passages = self._passages(order, fused, k * 3)[:k]
        finished = time.perf_counter()
        return RetrievalRun(
            passages=passages,
            query_vector=vector,
            dense_scores=dense_scores,
            dense_docs=self._doc_order(h.chunk_id for h in dense),
            keyword_docs=self._doc_order(h.chunk_id for h in keyword),
            timings_ms={
                "embed": 1000 * (embedded - started),
                "search": 1000 * (searched - embedded),
                "assemble": 1000 * (finished - searched),
            },
        )

    @staticmethod
    def _best_per_document(scores: dict[str, float], documents: int) -> list[str]:
        """The best chunk of each of the `documents` best documents, best first."""
        best: dict[str, str] = {}
        for item in sorted(scores, key=scores.get, reverse=True):
            best.setdefault(doc_of(item), item)
            if len(best) == documents:
                break
        return list(best.values())

    def _doc_order(self, chunk_ids, limit: int = 10) -> list[str]:
        order: list[str] = []
        for item in chunk_ids:
            doc_id = doc_of(item)
            if doc_id not in order:
                order.append(doc_id)
                if len(order) == limit:
                    break
        return order

    def _has_vectors(self) -> bool:
        if self._vector_count is None:  # reset by _fresh() whenever the catalog changes
            self._vector_count = self.library.vectors.count() if self.library.catalog.generation() else 0
        return self._vector_count > 0

    def _allowed_chunks(self, doc_ids: Sequence[str] | None) -> set[str] | None:
        """Every chunk id of the documents (ids derive from document and position: no catalog read)."""
        if not doc_ids:
            return None
        counts = self._chunk_counts()
        return {chunk_id(d, i) for d in doc_ids for i in range(counts.get(d, 0))}

    def _chunk_counts(self) -> dict[str, int]:
        self._fresh()
        if self._counts is None:
            self._counts = {record.doc_id: record.chunks for record in self.records()}
        return self._counts

    def titles(self) -> dict[str, list[str]]:
        """Normalised document titles -> doc ids, for linking names in a text to documents about them."""
        self._fresh()
        if self._titles is None:
            index: dict[str, list[str]] = defaultdict(list)
            for record in self.library.documents():
                for key in {normalise_title(record.title), normalise_title(_PAREN.sub("", record.title))}:
                    if key:
                        index[key].append(record.doc_id)
            self._titles = dict(index)
        return self._titles

    def linked_documents(self, text: str, exclude: set[str]) -> list[str]:
        """Documents whose title is a name written in `text` (longest names first)."""
        titles = self.titles()
        found: list[str] = []
        for phrase in sorted(name_phrases(text), key=len, reverse=True):
            for doc_id in titles.get(phrase, ()):
                if doc_id not in exclude and doc_id not in found:
                    found.append(doc_id)
        return found

    def _title_list(self, query: str, vector, doc_ids) -> list[tuple[list[str], float]]:
        """Documents the question names by their title, most similar first."""
        linked = self.linked_documents(query, set())
        if doc_ids:
            linked = [d for d in linked if d in set(doc_ids)]
        return [(self._rank_documents(linked, vector), TITLE_WEIGHT)] if linked else []

    def _document_list(
        self, query: str, candidates: int, doc_ids, ranked_lists, weight: float
    ) -> list[tuple[list[str], float]]:
        """Whole documents ranked by BM25, each as its best chunk: the best one the other lists found, or else
        its chunk that BM25 ranks first."""
        hits = self.library.keyword.search_documents(query, self.settings.document_candidates, _as_set(doc_ids))
        if not hits:
            return []
        best_chunk: dict[str, str] = {}
        for chunk_id_ in sorted(_rrf(ranked_lists, self.settings.rrf_k).items(), key=lambda item: -item[1]):
            best_chunk.setdefault(doc_of(chunk_id_[0]), chunk_id_[0])
        missing = [h.chunk_id for h in hits if h.chunk_id not in best_chunk]
        if missing:
            for hit in self.library.keyword.search(query, candidates, self._allowed_chunks(missing)):
                best_chunk.setdefault(doc_of(hit.chunk_id), hit.chunk_id)
        ranked = [best_chunk.get(h.chunk_id, chunk_id(h.chunk_id, 0)) for h in hits]
        return [(ranked, weight)]

    def records(self):
        """The catalog's document records (metadata), cached until the catalog changes."""
        self._fresh()
        if self._records is None:
            self._records = self.library.documents()
        return self._records

    def _named_list(self, query: str, ranked_lists) -> list[tuple[list[str], float]]:
        """The candidates from documents whose publisher or author the question names, as a list of their own
        (a boost, not a filter: the name may be there for another reason); nothing when it names most of them."""
        records = self.records()
        if self._names is None:
            self._names = NameIndex(records)
        named = self._names.named_documents(query)
        if not named or len(named) > len(records) / 2:
            return []
        order = sorted(_rrf(ranked_lists, self.settings.rrf_k).items(), key=lambda item: -item[1])
        boosted = [chunk for chunk, _ in order if doc_of(chunk) in named]
        return [(boosted, self.settings.named_source_weight)] if boosted else []

    def _rank_documents(self, doc_ids: list[str], vector) -> list[str]:
        """First chunks of documents, ordered by cosine to the vector."""
        return _by_similarity([chunk_id(d, 0) for d in doc_ids], self._first_chunk_vectors(doc_ids), vector)

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
        hop_hits = self.library.vectors.query_many(mixed, candidates, doc_ids)
        allowed_docs = set(doc_ids) if doc_ids else None
        linked_by_seed = []
        for seed in seeds:
            seed_chunk = self.chunk(seed)
            linked = self.linked_documents(seed_chunk.text, {seed_chunk.doc_id}) if self.settings.title_links else []
            linked_by_seed.append([d for d in linked if allowed_docs is None or d in allowed_docs])
        first_chunks = self._first_chunk_vectors([d for linked in linked_by_seed for d in linked])
        first_docs = {doc_of(c) for c in fused}
        for rank, (hits, linked, seed_mixed) in enumerate(zip(hop_hits, linked_by_seed, mixed, strict=True)):
            weight = HOP_WEIGHT / (1 + rank)
            if self.settings.hop_new_only:  # documents the question found itself keep their own ranks
                hits = [h for h in hits if doc_of(h.chunk_id) not in first_docs]
            lists.append(([h.chunk_id for h in hits], weight * DENSE_HOP_SHARE))
            if linked:
                lists.append((_by_similarity([chunk_id(d, 0) for d in linked], first_chunks, seed_mixed), weight))
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
        for rank, item in enumerate(order[: limit * 2]):
            chunk = self.chunk(item)
            spans = merged[chunk.doc_id]
            for span in spans:
                if chunk.start <= span[1] and chunk.end >= span[0]:
                    span[0], span[1] = min(span[0], chunk.start), max(span[1], chunk.end)
                    span[2] = max(span[2], scores[item])
                    span[3] = sorted(set(span[3]) | set(chunk.sentences))
                    break
            else:
                spans.append([chunk.start, chunk.end, scores[item], list(chunk.sentences), rank, chunk.page])
        flat = [(doc_id, *span) for doc_id, spans in merged.items() for span in spans]
        flat.sort(key=lambda item: item[5])
        passages = []
        best = max((item[3] for item in flat), default=1.0) or 1.0
        for doc_id, start, end, score, sentences, _rank, page in flat[:limit]:
            text, title, source = self.document_text(doc_id)
            passages.append(
                Passage(
                    doc_id=doc_id,
                    source=source,
                    title=title,
                    start=start,
                    end=end,
                    text=text[start:end],
                    score=score / best,
                    page=page,
                    sentences=tuple(tuple(s) for s in sentences),
                    metadata=self.document(doc_id).metadata,
                )
            )
        return passages


_PAREN = re.compile(r"\s*\([^)]*\)")
_NAME_PHRASE = re.compile(
    r"(?:[A-Z0-9][\w'’.\-]*|(?<=\s)(?:of|the|and|de|du|la|le|von|van|der|in|for|on)(?=\s+[A-Z]))"
    r"(?:\s+(?:[A-Z0-9][\w'’.\-]*|(?:of|the|and|de|du|la|le|von|van|der|in|for|on)(?=\s+[A-Z])))*"
)
_QUOTED = re.compile(r"[\"“]([^\"”]{2,80})[\"”]")


def normalise_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.lower()).split())


def name_phrases(text: str) -> set[str]:
    """Normalised capitalised phrases and their sub-phrases, plus quoted strings: candidate titles."""
    phrases: set[str] = set()
    for match in [*_NAME_PHRASE.finditer(text), *_QUOTED.finditer(text)]:
        tokens = normalise_title(match.group(match.lastindex or 0)).split()
        for i in range(len(tokens)):
            for j in range(i + 1, min(len(tokens), i + 8) + 1):
                phrase = " ".join(tokens[i:j])
                if len(phrase) >= 3 and phrase not in STOPWORDS:
                    phrases.add(phrase)
    return phrases


def _as_set(items: Sequence[str] | None) -> set[str] | None:
    return set(items) if items else None


def _by_similarity(chunk_ids: list[str], vectors: dict[str, np.ndarray], target) -> list[str]:
    if not chunk_ids:
        return []
    target = np.asarray(target, dtype=np.float32)
    similarity = np.array([float(vectors[c] @ target) for c in chunk_ids])
    return [chunk_ids[i] for i in np.argsort(-similarity, kind="stable")]


def _rrf(ranked_lists: list[tuple[list[str], float]], k: int) -> dict[str, float]:
    fused: dict[str, float] = defaultdict(float)
    for ids, weight in ranked_lists:
        for rank, item in enumerate(ids):
            fused[item] += weight / (k + rank + 1)
    return dict(fused)


class HybridRetriever(BaseRetriever):
    """Citewise's retrieval as a LangChain retriever: each Document is a passage with its exact offsets."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retrieval: Retrieval
    k: int = 5
    doc_ids: list[str] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        run = self.retrieval.search(query, k=self.k, doc_ids=self.doc_ids)
        return [Document(page_content=p.text, metadata=p.to_dict() | {"citewise_passage": True}) for p in run.passages]
