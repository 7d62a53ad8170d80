"""The catalog's values, and how they are written to and read from the database's rows (`index.catalog`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from . import keyword
from .types import Chunk, LoadedDocument, document_metadata


@dataclass(frozen=True)
class SourceState:
    doc_id: str
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class NewDocument:
    """A document to commit: what was read of its file and the chunks whose vectors are stored."""

    doc_id: str
    content_hash: str
    size: int
    loaded: LoadedDocument
    chunks: list[Chunk]
    path: str
    mtime_ns: int
    data: bytes | None = None
    """The original bytes, kept in the database (None: not kept)."""


@dataclass(frozen=True)
class StoredFile:
    """A document's original bytes, as received."""

    sha256: str
    name: str
    data: bytes


@dataclass(frozen=True)
class StoredDocument:
    """What a citation needs to be shown and checked: the text and where its pages start."""

    doc_id: str
    title: str
    source: str
    text: str
    page_starts: tuple[int, ...]
    date: str | None
    author: str | None = None
    publisher: str | None = None
    char_boxes: bytes | None = None
    """PDFs: each character's box on its page, packed (`index.pdf`)."""
    file_sha256: str | None = None
    """The original file's bytes in the database (`Catalog.file`), None for a document imported without them."""

    @property
    def metadata(self) -> dict:
        return document_metadata(self.title, self.source, self.publisher, self.author, self.date)

    @cached_property
    def _boxes(self):
        from .boxes import unpack_boxes

        return unpack_boxes(self.char_boxes) if self.char_boxes else None

    def boxes(self, start: int, end: int) -> list[list[float]]:
        """`[page, x0, y0, x1, y1]` rectangles (PDF points, origin top left) covering `text[start:end]` on the
        rendered pages; empty for documents without pages."""
        from .boxes import span_boxes

        return [] if self._boxes is None else span_boxes(self._boxes, self.page_starts, start, end)


def chunk_from_row(row) -> Chunk:
    return Chunk(
        row.chunk_id,
        row.doc_id,
        row.idx,
        row.start,
        row.end,
        row.text,
        row.page,
        tuple(tuple(s) for s in json.loads(row.sentences)),
    )


def stored_from_row(row) -> StoredDocument:
    return StoredDocument(
        row.doc_id,
        row.title,
        row.source or "",
        row.text,
        tuple(json.loads(row.page_starts)),
        row.date,
        row.author,
        row.publisher,
        bytes(row.data) if row.data is not None else None,
        row.file_sha256,
    )


def document_row(new: NewDocument, terms: keyword.DocumentTerms, now: str) -> dict:
    loaded = new.loaded
    return {
        "doc_id": new.doc_id,
        "content_hash": new.content_hash,
        "file_sha256": new.content_hash if new.data is not None else None,
        "title": loaded.title,
        "date": loaded.date,
        "author": loaded.author,
        "publisher": loaded.publisher,
        "size": new.size,
        "chunk_count": len(new.chunks),
        "ingested_at": now,
        "page_starts": json.dumps(list(loaded.page_starts)),
        "terms_len": terms.length,
    }


def chunk_rows(new: NewDocument, terms: keyword.DocumentTerms) -> list[dict]:
    return [
        {
            "chunk_id": c.chunk_id,
            "doc_id": new.doc_id,
            "idx": c.index,
            "start": c.start,
            "end": c.end,
            "page": c.page,
            "sentences": json.dumps(c.sentences),
            "text": c.text,
            "terms_len": length,
        }
        for c, length in zip(new.chunks, terms.chunk_lengths, strict=True)
    ]
