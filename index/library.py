"""The library of indexed documents: catalog + Chroma vectors + BM25, kept in step, for one collection.

Its write path, `Library.ingest`, is in index/ingestion.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from .catalog import Catalog
from .catalog_rows import StoredDocument
from .chroma_client import SharedClient
from .collections import DEFAULT_ID, Collection, Collections
from .db import Database, open_database
from .encoder_protocols import StoreBoundEncoder
from .errors import CitewiseError, StoreError
from .health import check as check_health
from .health import repair as repair_vectors
from .ingestion import Ingestion
from .keyword import KeywordIndex
from .settings import IndexSettings
from .store import ChunkStore
from .types import DocumentRecord

log = logging.getLogger(__name__)
ENCODER_SETTING = "encoder_backend"  # catalog setting: the encoder backend that made the store's vectors
ENCODER_CACHE_DIR = "encoders"  # converted encoders, one folder per model state and backend


class Library(Ingestion):
    """One collection of a store: its catalog, keyword index and vectors (`settings.storage.collection` unless a
    `collection` is given). Libraries of one store share its database, encoder and Chroma client (`sibling`)."""

    def __init__(
        self,
        settings: IndexSettings,
        embeddings,
        store: ChunkStore | None = None,
        database: Database | None = None,
        collection: Collection | None = None,
        chroma: SharedClient | None = None,
    ):
        self.settings = settings
        self.embeddings = embeddings
        root = Path(settings.storage.path)
        root.mkdir(parents=True, exist_ok=True)
        if database is None:
            options = settings.database
            database = open_database(
                options.resolved_url(root), root, options.poll_seconds, options.pool_size, options.auto_upgrade
            )
        self.database = database
        self._chroma = chroma or SharedClient(root, settings.storage.chroma_url)
        self.collection = collection or Collections(database).get(settings.storage.collection)
        self.catalog = Catalog(self.database, self.collection.id)
        if store is not None:
            self.vectors = store
        self.keyword = KeywordIndex(self.database, self.collection.id)
        self._siblings: dict[Collection, Library] = {}
        self._bind_encoder(root)
        self.recover()

    def sibling(self, collection: Collection) -> Library:
        """The library of another collection of the same store, sharing this one's database, encoder and Chroma."""
        if collection.id == self.collection.id:
            return self
        found = self._siblings.get(collection)
        if found is None:
            found = Library(
                self.settings, self.embeddings, database=self.database, collection=collection, chroma=self._chroma
            )
            self._siblings[collection] = found
        return found

    @property
    def chroma(self):
        """The store's Chroma client, opened on first use."""
        return self._chroma.client

    @cached_property
    def vectors(self) -> ChunkStore:
        """Opened on first use: listing documents needs neither Chroma nor the model."""
        self._bind_vectors()
        store = ChunkStore(self.chroma, self.collection.vectors, self.embeddings)
        self._check_vectors(store)
        return store

    def _bind_vectors(self) -> None:
        """`default`'s vectors are in the Chroma collection named by `storage.chroma_collection`: taken as asked
        while it holds no document, refused once it does (it would answer from nothing)."""
        name, root = self.settings.storage.chroma_collection, self.settings.storage.path
        if self.collection.id != DEFAULT_ID:
            return
        # Read again: another process sharing the database (a worker, a second server) may have bound it since
        # this one opened, and then added documents.
        self.collection = Collections(self.database).by_id(DEFAULT_ID) or self.collection
        if self.collection.vectors == name:
            return
        if self.catalog.has_chunks():
            raise StoreError(
                f"store {root} indexes the Chroma collection {self.collection.vectors!r}, not {name!r}: "
                "open it with the same chroma_collection (CITEWISE_CHROMA_COLLECTION), or use another --store"
            )
        self.collection = Collections(self.database).set_vectors(self.collection, name)

    def _check_vectors(self, store: ChunkStore) -> None:
        if self.catalog.has_chunks() and store.count() == 0:
            where = self.settings.storage.chroma_url or "the embedded Chroma"
            raise StoreError(
                f"store {self.settings.storage.path} lists documents, but Chroma collection {store.name!r} in {where} "
                "holds no vectors: point at the Chroma that was used to build it, or index into a new --store"
            )

    def _bind_encoder(self, root: Path) -> None:
        """A store answers queries with the encoder backend that made its vectors (`_record_encoder`)."""
        if not isinstance(self.embeddings, StoreBoundEncoder):  # a caller's own Embeddings: nothing to pin
            return
        # An empty store takes whichever backend is asked for; stores made before backends existed were all
        # encoded by PyTorch.
        recorded = (self.catalog.setting(ENCODER_SETTING) or "torch") if self.catalog.has_chunks() else None
        try:
            self.embeddings.use_store_backend(recorded, root / ENCODER_CACHE_DIR)
        except CitewiseError as exc:
            raise StoreError(f"store {root}: {exc}") from exc

    def _record_encoder(self) -> None:
        """Recorded when vectors are written, not when the store opens: by then the encoder is loaded, and the
        backend is the one that really encoded (auto falls back to torch where its choice cannot run)."""
        if not isinstance(self.embeddings, StoreBoundEncoder):
            return
        if self.catalog.setting(ENCODER_SETTING) != self.embeddings.backend:
            self.catalog.set_setting(ENCODER_SETTING, self.embeddings.backend)

    # -- reading
    def documents(self) -> list[DocumentRecord]:
        return self.catalog.documents()

    def document(self, doc_id: str) -> StoredDocument:
        return self.catalog.document(doc_id)

    def health(self, full: bool = False):
        """`StoreHealth`: catalog and vector store compared (counts; with `full`, every id) and probed."""
        return check_health(self, full)

    # -- writing
    def repair(self):
        """Delete orphan vectors, embed chunks without a vector again, rebuild a vector index that fails probes."""
        return repair_vectors(self)

    def recover(self) -> list[str]:
        """Delete vectors of documents an interrupted run stored but never committed (not those of a job that a
        live worker is running: its vectors are on their way to being committed)."""
        from .jobs import live_jobs

        pending = self.catalog.pending()
        live = live_jobs(self.database, {job for job in pending.values() if job is not None})
        settled = [doc_id for doc_id, job in pending.items() if job is None or job not in live]
        stale = [doc_id for doc_id in settled if not self.catalog.has_document(doc_id)]
        if stale:
            self.vectors.delete_documents(stale)
        if settled:
            self.catalog.clear_pending(settled)
        return stale

    def remove(self, keys: Iterable[str]) -> list[str]:
        """Remove documents (by id, id prefix or source path) with all their chunks."""
        doc_ids = sorted({self.catalog.resolve(key) for key in keys})
        self.catalog.remove_documents(doc_ids)
        self._drop_vectors(doc_ids)
        return doc_ids

    def remove_collection(self) -> list[str]:
        """Remove this collection (never `default`) with its documents, keyword index and vectors; returns the
        documents removed."""
        from .collections import CollectionError

        if self.collection.id == DEFAULT_ID:
            raise CollectionError("the default collection cannot be removed (remove its documents instead)")
        doc_ids = [record.doc_id for record in self.catalog.documents()]
        self.catalog.remove_documents(doc_ids)
        try:
            self.chroma.delete_collection(self.collection.vectors)
        except Exception as exc:  # never made (no document was added), or already gone
            log.debug("deleting Chroma collection %s: %s", self.collection.vectors, exc)
        self.catalog.clear_pending(doc_ids)
        Collections(self.database).forget(self.collection)
        return doc_ids

    def _drop_vectors(self, doc_ids: list[str]) -> None:
        if doc_ids:
            self.vectors.delete_documents(doc_ids)
            self.catalog.clear_pending(doc_ids)

    @property
    def queued(self) -> bool:
        """Whether files are indexed by workers through the job queue (`ingest.mode`; 'auto': a PostgreSQL database,
        shared by several servers) rather than in the process that is given them."""
        mode = self.settings.ingest.mode
        return mode == "queue" or (mode == "auto" and not self.database.is_sqlite)

    def encoder(self) -> dict | None:
        """The encoder this store's vectors are made and queried with (None for a caller's own Embeddings)."""
        return self.embeddings.describe() if isinstance(self.embeddings, StoreBoundEncoder) else None
