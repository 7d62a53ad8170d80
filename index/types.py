"""Plain data passed between the index modules and up to `rag` and `ui`."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class LoadedDocument:
    """The text of one file as it will be stored, with what the file says about itself.

    `page_starts[i]` is the offset in `text` where page `i + 1` begins (PDFs only).
    """

    text: str
    title: str
    date: str | None = None
    page_starts: tuple[int, ...] = ()
    author: str | None = None
    publisher: str | None = None
    """Who published it (a site, outlet or organisation), when the document says so."""
    char_boxes: bytes | None = None
    """PDFs and images: where each character of `text` sits on its page (`index.boxes.pack_boxes`)."""
    ocr_pages: int = 0
    """Pages read by OCR (scanned PDF pages, images)."""
    note: str | None = None
    """What the ingest report should tell about this file beyond success (pages left out, and why)."""

    def page_at(self, offset: int) -> int | None:
        return page_at(self.page_starts, offset)


def page_at(page_starts: tuple[int, ...] | list[int], offset: int) -> int | None:
    """1-based page holding character `offset`, or None for documents without pages."""
    if not page_starts:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))


def document_metadata(title: str, path: str, publisher: str | None, author: str | None, date: str | None) -> dict:
    """The metadata contract (DESIGN.md): source is the publisher when the document names one, else the file."""
    return {
        "title": title,
        "source": publisher or (path.rsplit("/", 1)[-1] if path else None),
        "author": author,
        "date": date,
    }


@dataclass(frozen=True)
class Chunk:
    """A span of a document's stored text: `text == stored_text[start:end]`."""

    chunk_id: str
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    page: int | None
    sentences: tuple[tuple[int, int], ...]
    """Absolute (start, end) offsets of the sentences inside the chunk."""


@dataclass(frozen=True)
class DocumentRecord:
    """One row of the catalog."""

    doc_id: str
    source: str
    title: str
    chunks: int
    size: int
    ingested_at: str
    content_hash: str
    date: str | None = None
    sources: tuple[str, ...] = ()
    author: str | None = None
    publisher: str | None = None

    @property
    def metadata(self) -> dict:
        return document_metadata(self.title, self.source, self.publisher, self.author, self.date)

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "chunks": self.chunks,
            "size": self.size,
            "ingested_at": self.ingested_at,
            "date": self.date,
            "sources": list(self.sources),
            "metadata": self.metadata,
        }


@dataclass(frozen=True)
class FileOutcome:
    path: str
    doc_id: str | None = None
    chunks: int | None = None
    reason: str | None = None
    ocr_pages: int | None = None
    note: str | None = None

    @property
    def remarks(self) -> str:
        """Pages read by OCR and pages left out, for people ("" when there is nothing to say)."""
        parts = [f"{self.ocr_pages} page(s) read by OCR"] if self.ocr_pages else []
        return "; ".join(parts + ([self.note] if self.note else []))

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class IngestReport:
    """What one ingestion did to every file it was given."""

    added: list[FileOutcome] = field(default_factory=list)
    updated: list[FileOutcome] = field(default_factory=list)
    unchanged: list[FileOutcome] = field(default_factory=list)
    removed: list[FileOutcome] = field(default_factory=list)
    failed: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0
    encoder: dict | None = None  # the encoder that made the vectors (LocalEmbeddings.describe)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        groups = ("added", "updated", "unchanged", "removed", "failed")
        result: dict = {name: [o.to_dict() for o in getattr(self, name)] for name in groups}
        result["seconds"] = round(self.seconds, 3)
        if self.encoder is not None:
            result["encoder"] = self.encoder
        return result
