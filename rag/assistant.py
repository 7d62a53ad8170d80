"""`Assistant`: the Python API of Citewise (DESIGN.md), and what the CLI and web UI call."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from index.catalog import StoredDocument
from index.embedding import LocalEmbeddings
from index.library import Library, ProgressCallback
from index.types import DocumentRecord, IngestReport

from .settings import Settings


class Assistant:
    """Answers questions about one store of documents, with exact, checked citations."""

    def __init__(self, settings: Settings, embeddings=None):
        self.settings = settings
        self.embeddings = embeddings or LocalEmbeddings(
            settings.embedding_model, settings.embedding_dtype, settings.embedding_batch_size
        )
        self.library = Library(settings, self.embeddings)

    @classmethod
    def open(cls, settings: Settings | str | Path | None = None, *, embeddings=None, **overrides: Any) -> Assistant:
        """Open a store: `Assistant.open(store="~/.citewise")`, `Assistant.open(settings)` or `Assistant.open()`."""
        if isinstance(settings, (str, Path)):
            overrides.setdefault("store", settings)
            settings = None
        if settings is None:
            settings = Settings(**overrides)
        elif overrides:
            settings = type(settings)(**{**settings.model_dump(), **overrides})
        return cls(settings, embeddings=embeddings)

    # -- documents
    def ingest(self, paths: Iterable[str | Path], sync: bool = False,
               progress: ProgressCallback | None = None) -> IngestReport:
        if isinstance(paths, (str, Path)):
            paths = [paths]
        return self.library.ingest(list(paths), sync=sync, progress=progress)

    def documents(self) -> list[DocumentRecord]:
        return self.library.documents()

    def document(self, doc_id: str) -> StoredDocument:
        return self.library.document(doc_id)

    def remove(self, keys: Iterable[str]) -> list[str]:
        if isinstance(keys, str):
            keys = [keys]
        return self.library.remove(keys)

    @cached_property
    def retriever(self):
        from .retrieval import HybridRetriever

        return HybridRetriever(assistant=self)
