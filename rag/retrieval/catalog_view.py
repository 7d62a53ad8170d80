"""A collection as retrieval and answering see it: the catalog's chunks, documents and records, read once and
cached until the catalog changes, and the settings that apply to it (an 'auto' profile resolved from them)."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence

from index.catalog_rows import StoredDocument
from index.library import Library
from index.types import Chunk
from rag.retrieval.filters import NameIndex
from rag.retrieval.profile import collection_profile
from rag.settings import Settings
from rag.stages import TermStatistics
from rag.text.names import PAREN, normalise_title


class CatalogView:
    """Cached reads of one collection; every cache is dropped when the catalog's generation changes."""

    def __init__(self, library: Library, settings: Settings):
        self.library = library
        self.requested = settings
        """The settings as given; `settings` is what applies to this collection (an 'auto' profile resolved)."""
        self._settings: Settings | None = None
        self._chunks: OrderedDict[str, Chunk] = OrderedDict()
        self._documents: OrderedDict[str, StoredDocument] = OrderedDict()
        self._titles: dict[str, list[str]] | None = None
        self._records = None
        self._by_id: dict | None = None
        self._counts: dict[str, int] | None = None
        self._names: NameIndex | None = None
        self._vector_count: int | None = None
        self._frequencies: dict[str, int] = {}
        self._indexed: int | None = None
        self._generation = -1
        self._lock = threading.Lock()
        self._io_threads = None
        """Threads for reads that wait on the database or Chroma (`Retrieval._io_pool`), started on first use."""

    def _fresh(self) -> None:
        generation = self.library.catalog.generation()
        if generation != self._generation:
            with self._lock:
                self._chunks.clear()
                self._documents.clear()
                self._titles = None
                self._records = None
                self._by_id = None
                self._counts = None
                self._names = None
                self._vector_count = None
                self._frequencies = {}
                self._indexed = None
                self._settings = None
                self._generation = generation

    @property
    def settings(self) -> Settings:
        """The settings for this collection: an 'auto' profile becomes the kind the documents show
        (rag/collection.py), decided again once the catalog has changed (every search starts by checking;
        reading settings does not query the catalog, it is done many times per question)."""
        settings = self._settings
        if settings is None:
            self._fresh()
            if self.requested.profile == "auto":
                records = self.records()
                kind = collection_profile(
                    [r.doc_id for r in records], self.titles(), lambda doc_id: self.document(doc_id).text
                )
                settings = self.requested.for_collection(kind)
            else:
                settings = self.requested
            self._settings = settings
        return settings

    def chunk(self, chunk_id: str) -> Chunk:
        chunk = self._chunks.get(chunk_id)
        if chunk is None:
            chunk = self.library.catalog.chunk(chunk_id)
            with self._lock:
                self._chunks[chunk_id] = chunk
                while len(self._chunks) > 20_000:
                    self._chunks.popitem(last=False)
        return chunk

    def prefetch(self, chunk_ids: Sequence[str]) -> None:
        """Read the chunks and their documents not cached yet, each in one query (passage assembly then finds them
        all here; with a database server, a round trip each would cost more than assembling)."""
        missing = [c for c in chunk_ids if c not in self._chunks]
        if missing:
            found = self.library.catalog.chunks(missing)
            with self._lock:
                self._chunks.update(found)
                while len(self._chunks) > 20_000:
                    self._chunks.popitem(last=False)
        doc_ids = {chunk.doc_id for c in chunk_ids if (chunk := self._chunks.get(c)) is not None}
        absent = [d for d in doc_ids if d not in self._documents]
        if absent:
            found_documents = self.library.catalog.documents_by_id(absent)
            with self._lock:
                self._documents.update(found_documents)
                while len(self._documents) > 512:
                    self._documents.popitem(last=False)

    def document(self, doc_id: str) -> StoredDocument:
        stored = self._documents.get(doc_id)
        if stored is None:
            stored = self.library.document(doc_id)
            with self._lock:
                self._documents[doc_id] = stored
                while len(self._documents) > 512:
                    self._documents.popitem(last=False)
        return stored

    def _has_vectors(self) -> bool:
        if self._vector_count is None:  # reset by _fresh() whenever the catalog changes
            self._vector_count = self.library.vectors.count() if self.library.catalog.generation() else 0
        return self._vector_count > 0

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
            for record in self.records():
                for key in {normalise_title(record.title), normalise_title(PAREN.sub("", record.title))}:
                    if key:
                        index[key].append(record.doc_id)
            self._titles = dict(index)
        return self._titles

    def records(self):
        """The catalog's document records (metadata), cached until the catalog changes."""
        self._fresh()
        if self._records is None:
            self._records = self.library.documents()
        return self._records

    def record(self, doc_id: str):
        """The catalog record (metadata) of one document, None if it is gone."""
        self._fresh()
        if self._by_id is None:
            self._by_id = {record.doc_id: record for record in self.records()}
        return self._by_id.get(doc_id)

    def term_statistics(self, terms: Sequence[str]) -> TermStatistics:
        """How many chunks hold each (stemmed) term, out of how many: the keyword index's statistics (each term
        looked up once until the collection changes; answering asks for the same terms many times)."""
        self._fresh()
        known = self._frequencies
        missing = [t for t in terms if t not in known]
        if missing or self._indexed is None:
            found, chunks = self.library.keyword.document_frequencies(missing)
            with self._lock:
                known.update({t: found.get(t, 0) for t in missing})
                self._indexed = chunks
                if len(known) > 100_000:
                    known.clear()
        return TermStatistics({t: known[t] for t in terms if known.get(t)}, self._indexed)

    def names(self) -> NameIndex:
        """Publisher words and author names of the documents, for questions that name them."""
        self._fresh()
        if self._names is None:
            self._names = NameIndex(self.records())
        return self._names
