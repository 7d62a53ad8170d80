"""A store made before the database layer (a SQLite `catalog.sqlite3`, a `bm25/` keyword index, Chroma) brought
into the database once, without embedding anything again: documents, text, sources, chunks, boxes, pending
vectors and settings are copied, the keyword postings are computed from the text, and each document's original
bytes are read from its source file when that file still holds the same content. Chroma is not touched: same
folder or server, same collection, same chunk ids.

The import runs in the migration's locked transaction; after its commit the old catalog is renamed
`catalog.sqlite3.pre-23` (kept as a backup) and the derived `bm25/` folder deleted. A crash before the commit
leaves the old store as it was; a crash after it is finished by the next open (the marker setting says so).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, select

from .. import keyword
from ..errors import StoreError
from ..terms import VERSION
from . import schema
from .database import Database
from .upsert import insert_or_update, store_files

LEGACY_CATALOG = "catalog.sqlite3"
BACKUP_SUFFIX = ".pre-23"
LEGACY_KEYWORD_DIR = "bm25"
MARKER = "legacy_import"
log = logging.getLogger(__name__)


def legacy_catalog(store: Path) -> Path | None:
    path = Path(store) / LEGACY_CATALOG
    return path if path.is_file() else None


def import_store(connection: Connection, store: Path, database: Database) -> bool:
    """Copy the old catalog of `store` into the database (the caller commits). False when there is nothing to do."""
    path = legacy_catalog(store)
    if path is None:
        return False
    done = connection.execute(select(schema.settings.c.value).where(schema.settings.c.key == MARKER)).scalar()
    if done is None:
        if connection.execute(select(schema.documents.c.doc_id).limit(1)).first() is not None:
            raise StoreError(
                f"store {store} has an old catalog ({path.name}) and database {database.masked} already holds "
                "documents: import it into an empty database (citewise db upgrade --from-store DIR)"
            )
        started = time.perf_counter()
        copied = _copy(connection, path)
        insert_or_update(
            connection,
            schema.settings,
            [
                {"key": MARKER, "value": json.dumps({"at": datetime.now(UTC).isoformat(), "from": str(path)})},
                {"key": keyword.TOKENIZER_SETTING, "value": str(VERSION)},
            ],
            ["key"],
        )
        database.bump(connection)
        log.warning(
            "imported %d documents of %s into %s in %.1f s (nothing re-embedded)",
            copied,
            path,
            database.masked,
            time.perf_counter() - started,
        )
    return True


def finish(store: Path) -> None:
    """After the import's commit: keep the old catalog as a backup, drop the derived keyword index."""
    path = legacy_catalog(store)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            old = path.with_name(path.name + suffix)
            if old.exists():
                old.rename(old.with_name(old.name + BACKUP_SUFFIX))
    shutil.rmtree(Path(store) / LEGACY_KEYWORD_DIR, ignore_errors=True)


def _open(path: Path) -> sqlite3.Connection:
    if path.stat().st_size == 0:
        raise StoreError(
            f"catalog {path} is empty (0 bytes): it was truncated or damaged. Restore it from a backup, "
            "or move the store aside and index the files again"
        )
    try:
        old = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        old.execute("SELECT count(*) FROM documents").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot read the old catalog {path}: {exc}") from exc
    return old


def _copy(connection: Connection, path: Path) -> int:
    old = _open(path)
    try:
        columns = {row[1] for row in old.execute("PRAGMA table_info(documents)")}
        author = "author" if "author" in columns else "NULL"
        publisher = "publisher" if "publisher" in columns else "NULL"
        for key, value in old.execute("SELECT key, value FROM meta WHERE key LIKE 'setting:%'"):
            insert_or_update(
                connection, schema.settings, [{"key": key.removeprefix("setting:"), "value": value}], ["key"]
            )
        pending = [{"doc_id": d, "job_id": None} for (d,) in old.execute("SELECT doc_id FROM pending")]
        if pending:
            connection.execute(schema.pending.insert(), pending)
        doc_ids = [d for (d,) in old.execute("SELECT doc_id FROM documents ORDER BY doc_id")]
        for doc_id in doc_ids:
            _copy_document(connection, old, doc_id, author, publisher)
        return len(doc_ids)
    finally:
        old.close()


def _copy_document(connection: Connection, old: sqlite3.Connection, doc_id: str, author: str, publisher: str) -> None:
    (content_hash, title, date, size, chunk_count, ingested_at, text, page_starts, author_, publisher_) = old.execute(
        f"SELECT content_hash, title, date, size, chunk_count, ingested_at, text, page_starts, {author}, {publisher} "
        "FROM documents WHERE doc_id = ?",
        (doc_id,),
    ).fetchone()
    chunk_rows = old.execute(
        'SELECT chunk_id, idx, start, "end", page, sentences FROM chunks WHERE doc_id = ? ORDER BY idx', (doc_id,)
    ).fetchall()
    sources = old.execute("SELECT path, mtime_ns, size FROM sources WHERE doc_id = ?", (doc_id,)).fetchall()
    boxes = old.execute("SELECT boxes FROM char_boxes WHERE doc_id = ?", (doc_id,)).fetchone()
    pieces = [text[start:end] for _, _, start, end, _, _ in chunk_rows]
    terms = keyword.DocumentTerms.of(title, text, pieces)
    file_sha = _store_original(connection, sources, content_hash)
    connection.execute(
        schema.documents.insert().values(
            doc_id=doc_id,
            content_hash=content_hash,
            file_sha256=file_sha,
            title=title,
            date=date,
            author=author_,
            publisher=publisher_,
            size=size,
            chunk_count=chunk_count,
            ingested_at=ingested_at,
            page_starts=page_starts or "[]",
            terms_len=terms.length,
        )
    )
    connection.execute(schema.texts.insert().values(doc_id=doc_id, text=text))
    if boxes is not None:
        connection.execute(schema.boxes.insert().values(doc_id=doc_id, data=boxes[0]))
    if chunk_rows:
        connection.execute(
            schema.chunks.insert(),
            [
                {
                    "chunk_id": chunk_id,
                    "doc_id": doc_id,
                    "idx": idx,
                    "start": start,
                    "end": end,
                    "page": page,
                    "sentences": sentences,
                    "text": piece,
                    "terms_len": length,
                }
                for (chunk_id, idx, start, end, page, sentences), piece, length in zip(
                    chunk_rows, pieces, terms.chunk_lengths, strict=True
                )
            ],
        )
    ids = dict(
        connection.execute(
            select(schema.chunks.c.idx, schema.chunks.c.id).where(schema.chunks.c.doc_id == doc_id)
        ).all()
    )
    keyword.add_documents(
        connection,
        schema.DEFAULT_COLLECTION_ID,
        [keyword.NewDocument(doc_id, {i: ids[row[1]] for i, row in enumerate(chunk_rows)}, terms)],
    )
    if sources:
        connection.execute(
            schema.sources.insert(),
            [{"path": p, "doc_id": doc_id, "mtime_ns": m, "size": s} for p, m, s in sources],
        )


def _store_original(connection: Connection, sources, content_hash: str) -> str | None:
    """The document's bytes from the first source that still holds them (hash checked), or None."""
    for path, _, _ in sources:
        try:
            data = Path(path).read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == content_hash:
            store_files(connection, [(content_hash, Path(path).name, data)])
            return content_hash
    return None
