"""The catalog: one SQLite row per document with its stored text, its sources, and its chunks' offsets.

A document becomes visible here only after all its chunks are in the vector store, and `pending` records
documents whose vectors may exist without a catalog row (an ingestion or removal that was interrupted), so
that the next run can delete those orphans.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from .errors import StoreError, UnknownDocumentError
from .types import Chunk, DocumentRecord, LoadedDocument, document_metadata

CATALOG_FILE = "catalog.sqlite3"
LONG_DOCUMENT_BYTES = 1_000_000
"""Documents larger than this (file size) have their chunks sliced from the text read once, not by SQL."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    date TEXT,
    size INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    text TEXT NOT NULL,
    page_starts TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_doc ON sources(doc_id);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    page INTEGER,
    sentences TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS char_boxes (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    boxes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (doc_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Columns added after the first release, created on open in stores made before them.
_ADDED_COLUMNS = {"documents": (("author", "TEXT"), ("publisher", "TEXT"))}


@dataclass(frozen=True)
class SourceState:
    doc_id: str
    mtime_ns: int
    size: int


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


class Catalog:
    """Writes go through one connection under a lock; reads through a connection of the reading thread, which
    in WAL mode sees the last committed state without waiting for a write in progress (an ingestion never
    stalls a question)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_file() and self.path.stat().st_size == 0:
            # SQLite would take a 0-byte file for a new, empty database: the store would look empty and later
            # ingestions would leave the old vectors orphaned. A truncated catalog is damage, said as such.
            raise StoreError(
                f"catalog {self.path} is empty (0 bytes): it was truncated or damaged. Restore it from a backup, "
                "or move the store aside and index the files again"
            )
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._add_missing_columns()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open catalog {self.path}: {exc}") from exc
        self._lock = threading.RLock()
        self._readers = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()  # not the write lock: a reader must never wait for a write
        self._long_texts: OrderedDict[str, str] = OrderedDict()

    def _reader(self) -> sqlite3.Connection:
        connection = getattr(self._readers, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA query_only=ON")
            self._readers.connection = connection
            with self._readers_lock:
                self._reader_connections.append(connection)
        return connection

    def _add_missing_columns(self) -> None:
        for table, columns in _ADDED_COLUMNS.items():
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns:
                if name not in present:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def close(self) -> None:
        with self._lock, self._readers_lock:
            for connection in self._reader_connections:
                connection.close()
            self._reader_connections.clear()
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        try:
            return self._reader().execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot read catalog {self.path}: {exc}") from exc

    # -- generation: bumped by every change, so derived indexes know when they are stale
    def generation(self) -> int:
        rows = self._query("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0][0]) if rows else 0

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # -- settings the store was built with, checked when it is opened again
    def setting(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (f"setting:{key}",))
        return rows[0][0] if rows else None

    def set_setting(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (f"setting:{key}", value),
            )

    def update_metadata(self, doc_id: str, loaded: LoadedDocument) -> None:
        """Refresh what a document says about itself (title, date, author, publisher); text and chunks stay."""
        with self._transaction() as db:
            db.execute(
                "UPDATE documents SET title = ?, date = ?, author = ?, publisher = ? WHERE doc_id = ?",
                (loaded.title, loaded.date, loaded.author, loaded.publisher, doc_id),
            )
            self._bump(db)

    def has_chunks(self) -> bool:
        return bool(self._query("SELECT 1 FROM chunks LIMIT 1"))

    # -- pending: vectors that may exist without a catalog row
    def mark_pending(self, doc_ids: Iterable[str]) -> None:
        with self._transaction() as db:
            db.executemany("INSERT OR IGNORE INTO pending(doc_id) VALUES (?)", [(d,) for d in doc_ids])

    def pending(self) -> list[str]:
        return [row[0] for row in self._query("SELECT doc_id FROM pending")]

    def clear_pending(self, doc_ids: Iterable[str]) -> None:
        with self._transaction() as db:
            db.executemany("DELETE FROM pending WHERE doc_id = ?", [(d,) for d in doc_ids])

    # -- sources and documents
    def source(self, path: str) -> SourceState | None:
        rows = self._query("SELECT doc_id, mtime_ns, size FROM sources WHERE path = ?", (path,))
        return SourceState(*rows[0]) if rows else None

    def sources(self) -> dict[str, str]:
        return dict(self._query("SELECT path, doc_id FROM sources"))

    def has_document(self, doc_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)))

    def commit_document(
        self,
        doc_id: str,
        content_hash: str,
        size: int,
        loaded: LoadedDocument,
        chunks: list[Chunk],
        path: str,
        mtime_ns: int,
    ) -> list[str]:
        """Make a document, its chunks and its source visible at once.

        Returns the documents this left without a source (an updated file's old version)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction() as db:
            previous = db.execute("SELECT doc_id FROM sources WHERE path = ?", (path,)).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO documents(doc_id, content_hash, title, date, size, chunk_count, "
                "ingested_at, text, page_starts, author, publisher) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    content_hash,
                    loaded.title,
                    loaded.date,
                    size,
                    len(chunks),
                    now,
                    loaded.text,
                    json.dumps(list(loaded.page_starts)),
                    loaded.author,
                    loaded.publisher,
                ),
            )
            if loaded.char_boxes is not None:
                db.execute(
                    "INSERT OR REPLACE INTO char_boxes(doc_id, boxes) VALUES (?, ?)", (doc_id, loaded.char_boxes)
                )
            db.executemany(
                'INSERT OR REPLACE INTO chunks(chunk_id, doc_id, idx, start, "end", page, sentences) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(c.chunk_id, doc_id, c.index, c.start, c.end, c.page, json.dumps(c.sentences)) for c in chunks],
            )
            db.execute(
                "INSERT OR REPLACE INTO sources(path, doc_id, mtime_ns, size) VALUES (?, ?, ?, ?)",
                (path, doc_id, mtime_ns, size),
            )
            db.execute("DELETE FROM pending WHERE doc_id = ?", (doc_id,))
            self._bump(db)
            if previous and previous[0] != doc_id:
                return self._drop_if_orphaned(db, [previous[0]])
        return []

    def set_source(self, path: str, doc_id: str, mtime_ns: int, size: int) -> list[str]:
        """Point a path at an existing document (an alias, or a touched but unchanged file).

        Returns the documents this left without a source (removed, pending vector deletion)."""
        with self._transaction() as db:
            previous = db.execute("SELECT doc_id FROM sources WHERE path = ?", (path,)).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO sources(path, doc_id, mtime_ns, size) VALUES (?, ?, ?, ?)",
                (path, doc_id, mtime_ns, size),
            )
            if previous and previous[0] != doc_id:
                return self._drop_if_orphaned(db, [previous[0]])
        return []

    def remove_sources(self, paths: Iterable[str]) -> list[str]:
        """Forget paths; documents left without any source are removed and returned as pending."""
        paths = list(paths)
        with self._transaction() as db:
            doc_ids = {row[0] for p in paths for row in db.execute("SELECT doc_id FROM sources WHERE path = ?", (p,))}
            db.executemany("DELETE FROM sources WHERE path = ?", [(p,) for p in paths])
            return self._drop_if_orphaned(db, doc_ids)

    def _drop_if_orphaned(self, db: sqlite3.Connection, doc_ids: Iterable[str]) -> list[str]:
        orphaned = [d for d in doc_ids if not db.execute("SELECT 1 FROM sources WHERE doc_id = ?", (d,)).fetchone()]
        self._delete_documents(db, orphaned)
        return orphaned

    def remove_documents(self, doc_ids: Iterable[str]) -> list[str]:
        doc_ids = list(doc_ids)
        with self._transaction() as db:
            self._delete_documents(db, doc_ids)
        return doc_ids

    def _delete_documents(self, db: sqlite3.Connection, doc_ids: list[str]) -> None:
        if not doc_ids:
            return
        # Recorded as pending in the same transaction: the vectors go after the commit.
        db.executemany("INSERT OR IGNORE INTO pending(doc_id) VALUES (?)", [(d,) for d in doc_ids])
        db.executemany("DELETE FROM documents WHERE doc_id = ?", [(d,) for d in doc_ids])
        self._bump(db)

    def resolve(self, key: str) -> str:
        """A document id from an id, an id prefix, or a source path."""
        if self.has_document(key):
            return key
        path = str(Path(key).expanduser().resolve()) if key else key
        rows = self._query("SELECT doc_id FROM sources WHERE path = ? OR path = ?", (key, path))
        if rows:
            return rows[0][0]
        if len(key) >= 6:
            rows = self._query("SELECT doc_id FROM documents WHERE doc_id LIKE ?", (key + "%",))
            if len(rows) == 1:
                return rows[0][0]
        raise UnknownDocumentError(f"no indexed document has the id or path {key!r}")

    def documents(self) -> list[DocumentRecord]:
        rows = self._query(
            "SELECT d.doc_id, d.title, d.chunk_count, d.size, d.ingested_at, d.content_hash, d.date, "
            "group_concat(s.path, char(0)), d.author, d.publisher FROM documents d "
            "LEFT JOIN sources s ON s.doc_id = d.doc_id "
            "GROUP BY d.doc_id ORDER BY d.ingested_at, d.doc_id"
        )
        records = []
        for doc_id, title, chunks, size, at, content_hash, date, paths, author, publisher in rows:
            sources = tuple(sorted(paths.split("\0"))) if paths else ()
            records.append(
                DocumentRecord(
                    doc_id=doc_id,
                    source=sources[0] if sources else "",
                    title=title,
                    chunks=chunks,
                    size=size,
                    ingested_at=at,
                    content_hash=content_hash,
                    date=date,
                    sources=sources,
                    author=author,
                    publisher=publisher,
                )
            )
        return records

    def document(self, doc_id: str) -> StoredDocument:
        rows = self._query(
            "SELECT d.title, d.text, d.page_starts, d.date, min(s.path), d.author, d.publisher, b.boxes "
            "FROM documents d LEFT JOIN sources s ON s.doc_id = d.doc_id "
            "LEFT JOIN char_boxes b ON b.doc_id = d.doc_id WHERE d.doc_id = ? GROUP BY d.doc_id",
            (doc_id,),
        )
        if not rows:
            raise UnknownDocumentError(f"no indexed document has the id {doc_id!r}")
        title, text, page_starts, date, source, author, publisher, boxes = rows[0]
        return StoredDocument(
            doc_id, title, source or "", text, tuple(json.loads(page_starts)), date, author, publisher, boxes
        )

    def document_count(self) -> int:
        return self._query("SELECT count(*) FROM documents")[0][0]

    def chunk_count(self) -> int:
        return self._query("SELECT count(*) FROM chunks")[0][0]

    def sample_chunk_ids(self, n: int) -> list[str]:
        """Up to `n` chunk ids spread evenly over the catalog (first, ..., last), the same each time."""
        count = self.chunk_count()
        offsets = sorted({round(i * (count - 1) / max(1, n - 1)) for i in range(n)}) if count else []
        return [
            self._query("SELECT chunk_id FROM chunks ORDER BY chunk_id LIMIT 1 OFFSET ?", (o,))[0][0] for o in offsets
        ]

    def chunk_ids(self) -> list[str]:
        return [row[0] for row in self._query("SELECT chunk_id FROM chunks ORDER BY chunk_id")]

    def chunk_texts(self) -> Iterator[tuple[str, str]]:
        """Every chunk's id and text, in chunk id order (for the keyword index). Each document's text is read
        once and sliced here: linear in the text (SQL's substr per chunk copied the whole text each time)."""
        reader = self._reader()
        rows: list[tuple[str, str]] = []
        for doc_id, text in reader.execute("SELECT doc_id, text FROM documents"):
            spans = reader.execute('SELECT chunk_id, start, "end" FROM chunks WHERE doc_id = ?', (doc_id,))
            rows.extend((chunk_id, text[start:end]) for chunk_id, start, end in spans)
        rows.sort()
        yield from rows

    def document_texts(self) -> Iterator[tuple[str, str]]:
        """Every document's id and title + text, in a stable order (for the document-level keyword index)."""
        for doc_id, title, text in self._reader().execute("SELECT doc_id, title, text FROM documents ORDER BY doc_id"):
            yield doc_id, f"{title or ''}\n{text}"

    def chunk(self, chunk_id: str, text: str | None = None) -> Chunk:
        """One chunk; `text` is its document's stored text when the caller has it. A chunk of a short document is
        sliced by SQL in the same query; SQLite reads a whole TEXT value to slice it, so the text of a long one is
        read once and kept (a document's id is its content hash: its text never changes)."""
        rows = self._query(
            'SELECT c.doc_id, c.idx, c.start, c."end", c.page, c.sentences, '
            f'CASE WHEN d.size <= {LONG_DOCUMENT_BYTES} THEN substr(d.text, c.start + 1, c."end" - c.start) END '
            "FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE c.chunk_id = ?",
            (chunk_id,),
        )
        if not rows:
            raise UnknownDocumentError(f"no chunk has the id {chunk_id!r}")
        doc_id, idx, start, end, page, sentences, piece = rows[0]
        if text is None and piece is None:
            text = self._long_text(doc_id)
        piece = text[start:end] if text is not None else piece
        return Chunk(chunk_id, doc_id, idx, start, end, piece, page, tuple(tuple(s) for s in json.loads(sentences)))

    def _long_text(self, doc_id: str) -> str:
        with self._readers_lock:
            text = self._long_texts.get(doc_id)
        if text is None:
            found = self._query("SELECT text FROM documents WHERE doc_id = ?", (doc_id,))
            if not found:
                raise UnknownDocumentError(f"no indexed document has the id {doc_id!r}")
            text = found[0][0]
            with self._readers_lock:
                self._long_texts[doc_id] = text
                while len(self._long_texts) > 4:
                    self._long_texts.popitem(last=False)
        return text

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        text = self.document(doc_id).text
        ids = [row[0] for row in self._query("SELECT chunk_id FROM chunks WHERE doc_id = ? ORDER BY idx", (doc_id,))]
        return [self.chunk(i, text) for i in ids]
