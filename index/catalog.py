"""The catalog: documents with their stored text, sources, original files and chunks, in the store's database.

A document becomes visible here only after all its chunks are in the vector store, and `pending` records
documents whose vectors may exist without a document row (an ingestion or removal that was interrupted), so
that the next run can delete those orphans. The keyword index is written in the same transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, bindparam, delete, func, select, update

from . import keyword
from .catalog_rows import (
    NewDocument,
    SourceState,
    StoredDocument,
    StoredFile,
    chunk_from_row,
    chunk_rows,
    document_row,
    stored_from_row,
)
from .db import schema
from .db.database import Database
from .db.upsert import insert_or_ignore, insert_or_update, store_files
from .errors import UnknownDocumentError
from .types import Chunk, DocumentRecord, LoadedDocument

D, C, S = schema.documents, schema.chunks, schema.sources


_CHUNK_COLUMNS = (C.c.chunk_id, C.c.doc_id, C.c.idx, C.c.start, C.c.end, C.c.text, C.c.page, C.c.sentences)
_IN_COLLECTION = D.c.collection_id == bindparam("collection")
# Statements of the question path, built once (building one costs more than running it on SQLite). A chunk is
# read through its document's row: one of another collection is not there.
_CHUNK_ROWS = select(*_CHUNK_COLUMNS).join(D, D.c.doc_id == C.c.doc_id).where(_IN_COLLECTION)
_CHUNK = _CHUNK_ROWS.where(C.c.chunk_id == bindparam("chunk_id"))
_CHUNKS = _CHUNK_ROWS.where(C.c.chunk_id.in_(bindparam("chunk_ids", expanding=True)))
_SOURCE = select(S.c.doc_id, S.c.mtime_ns, S.c.size).where(
    S.c.collection_id == bindparam("collection"), S.c.path == bindparam("path")
)
_DOCUMENT_ROWS = (
    select(
        D.c.doc_id,
        D.c.title,
        schema.texts.c.text,
        D.c.page_starts,
        D.c.date,
        D.c.author,
        D.c.publisher,
        schema.boxes.c.data,
        D.c.file_sha256,
        select(func.min(S.c.path)).where(S.c.doc_id == D.c.doc_id).scalar_subquery().label("source"),
    )
    .join(schema.texts, schema.texts.c.doc_id == D.c.doc_id)
    .outerjoin(schema.boxes, schema.boxes.c.doc_id == D.c.doc_id)
    .where(_IN_COLLECTION)
)
_DOCUMENT = _DOCUMENT_ROWS.where(D.c.doc_id == bindparam("doc_id"))
_DOCUMENTS = _DOCUMENT_ROWS.where(D.c.doc_id.in_(bindparam("doc_ids", expanding=True)))


class Catalog:
    """One collection's documents (`collection_id`; a store's only one before collections is `default`, id 1).
    Reads run on pooled connections and never wait for a write; each write is one short transaction."""

    def __init__(self, database: Database, collection_id: int = schema.DEFAULT_COLLECTION_ID):
        self.database = database
        self.collection_id = collection_id
        self._mine = {"collection": collection_id}
        self._owner = {"collection_id": collection_id}

    def close(self) -> None:
        self.database.dispose()

    def generation(self) -> int:
        """The change counter: bumped by every change, so caches know when they are stale."""
        return self.database.generation()

    # -- settings the store was built with, checked when it is opened again
    def setting(self, key: str) -> str | None:
        with self.database.read() as db:
            return db.execute(select(schema.settings.c.value).where(schema.settings.c.key == key)).scalar()

    def set_setting(self, key: str, value: str) -> None:
        with self.database.write() as db:
            insert_or_update(db, schema.settings, [{"key": key, "value": value}], ["key"])
            self.database.bump(db)

    def update_metadata(self, doc_id: str, loaded: LoadedDocument) -> None:
        """Refresh what a document says about itself (title, date, author, publisher); text and chunks stay."""
        with self.database.write() as db:
            db.execute(
                update(D)
                .where(D.c.doc_id == doc_id)
                .values(title=loaded.title, date=loaded.date, author=loaded.author, publisher=loaded.publisher)
            )
            self.database.bump(db)

    def has_chunks(self) -> bool:
        with self.database.read() as db:
            return db.execute(select(D.c.doc_id).where(_IN_COLLECTION).limit(1), self._mine).first() is not None

    # -- pending: vectors that may exist without a document row
    def mark_pending(self, doc_ids: Iterable[str], job_id: int | None = None) -> None:
        with self.database.write() as db:
            rows = [{"doc_id": d, "job_id": job_id, "collection_id": self.collection_id} for d in doc_ids]
            insert_or_ignore(db, schema.pending, rows)

    def pending(self) -> dict[str, int | None]:
        """Each pending document with the job that marked it (None: an in-process ingestion or a removal)."""
        with self.database.read() as db:
            pending = schema.pending
            mine = pending.c.collection_id == self.collection_id
            return dict(db.execute(select(pending.c.doc_id, pending.c.job_id).where(mine)).all())

    def clear_pending(self, doc_ids: Iterable[str]) -> None:
        doc_ids = list(doc_ids)
        if doc_ids:
            with self.database.write() as db:
                db.execute(delete(schema.pending).where(schema.pending.c.doc_id.in_(doc_ids)))

    # -- original files
    def file(self, sha256: str) -> StoredFile | None:
        files = schema.files
        with self.database.read() as db:
            row = db.execute(select(files.c.name, files.c.data).where(files.c.sha256 == sha256)).first()
        return StoredFile(sha256, row.name, bytes(row.data)) if row else None

    # -- sources and documents
    def source(self, path: str) -> SourceState | None:
        with self.database.read() as db:
            row = db.execute(_SOURCE, {"path": path, **self._mine}).first()
        return SourceState(*row) if row else None

    def sources(self) -> dict[str, str]:
        with self.database.read() as db:
            return dict(db.execute(select(S.c.path, S.c.doc_id).where(S.c.collection_id == self.collection_id)).all())

    def has_document(self, doc_id: str) -> bool:
        with self.database.read() as db:
            found = db.execute(select(D.c.doc_id).where(D.c.doc_id == doc_id, _IN_COLLECTION), self._mine).first()
        return found is not None

    def commit_document(
        self,
        doc_id: str,
        content_hash: str,
        size: int,
        loaded: LoadedDocument,
        chunks: list[Chunk],
        path: str,
        mtime_ns: int,
        data: bytes | None = None,
    ) -> list[str]:
        """`commit_documents` of one document."""
        return self.commit_documents([NewDocument(doc_id, content_hash, size, loaded, chunks, path, mtime_ns, data)])

    def commit_documents(self, new: Sequence[NewDocument]) -> list[str]:
        """Make documents, their chunks, keyword postings, sources and (given `data`) original bytes visible at
        once, in one transaction. Returns the documents this left without a source (updated files' old versions)."""
        new = list({document.doc_id: document for document in new}.values())
        if not new:
            return []
        terms = [  # tokenized before the write lock is taken
            keyword.DocumentTerms.of(d.loaded.title, d.loaded.text, [c.text for c in d.chunks]) for d in new
        ]
        now = datetime.now(UTC).isoformat(timespec="seconds")
        doc_ids = [d.doc_id for d in new]
        with self.database.write() as db:
            mine = S.c.collection_id == self.collection_id
            paths = [d.path for d in new]
            previous = dict(db.execute(select(S.c.path, S.c.doc_id).where(mine, S.c.path.in_(paths))).all())
            again = list(db.execute(select(D.c.doc_id).where(D.c.doc_id.in_(doc_ids))).scalars())
            # Written again (a job run twice): replaced, never doubled, its other sources kept.
            kept = [dict(row._mapping) for row in db.execute(select(S).where(S.c.doc_id.in_(again)))] if again else []
            _delete_documents(db, self.collection_id, again)
            store_files(db, [(d.content_hash, Path(d.path).name, d.data) for d in new if d.data is not None])
            rows = [document_row(d, t, now) | self._owner for d, t in zip(new, terms, strict=True)]
            db.execute(D.insert(), rows)
            db.execute(schema.texts.insert(), [{"doc_id": d.doc_id, "text": d.loaded.text} for d in new])
            boxes = [{"doc_id": d.doc_id, "data": d.loaded.char_boxes} for d in new if d.loaded.char_boxes is not None]
            if boxes:
                db.execute(schema.boxes.insert(), boxes)
            new_chunks = [row for d, t in zip(new, terms, strict=True) for row in chunk_rows(d, t)]
            if new_chunks:
                db.execute(C.insert(), new_chunks)
            ids: dict[str, dict[int, int]] = {}
            for doc_id, idx, row_id in db.execute(select(C.c.doc_id, C.c.idx, C.c.id).where(C.c.doc_id.in_(doc_ids))):
                ids.setdefault(doc_id, {})[idx] = row_id
            keyword.add_documents(
                db,
                self.collection_id,
                [
                    keyword.NewDocument(d.doc_id, {i: ids[d.doc_id][c.index] for i, c in enumerate(d.chunks)}, t)
                    for d, t in zip(new, terms, strict=True)
                ],
            )
            sources = [
                {"path": d.path, "doc_id": d.doc_id, "mtime_ns": d.mtime_ns, "size": d.size} | self._owner for d in new
            ]
            rows = list({row["path"]: row for row in kept + sources}.values())
            insert_or_update(db, S, rows, ["collection_id", "path"])
            db.execute(delete(schema.pending).where(schema.pending.c.doc_id.in_(doc_ids)))
            replaced = sorted({old for path, old in previous.items() if old not in doc_ids})
            orphaned = _drop_if_orphaned(db, self.collection_id, replaced)
            self.database.bump(db)
        return orphaned

    def set_source(self, path: str, doc_id: str, mtime_ns: int, size: int) -> list[str]:
        """Point a path at an existing document (an alias, or a touched but unchanged file).

        Returns the documents this left without a source (removed, pending vector deletion)."""
        with self.database.write() as db:
            mine = S.c.collection_id == self.collection_id
            previous = db.execute(select(S.c.doc_id).where(mine, S.c.path == path)).scalar()
            row = {"path": path, "doc_id": doc_id, "mtime_ns": mtime_ns, "size": size} | self._owner
            insert_or_update(db, S, [row], ["collection_id", "path"])
            orphaned = _drop_if_orphaned(db, self.collection_id, [previous]) if previous and previous != doc_id else []
            self.database.bump(db)
        return orphaned

    def remove_sources(self, paths: Iterable[str]) -> list[str]:
        """Forget paths; documents left without any source are removed and returned as pending."""
        paths = list(paths)
        with self.database.write() as db:
            mine = S.c.collection_id == self.collection_id
            doc_ids = set(db.execute(select(S.c.doc_id).where(mine, S.c.path.in_(paths))).scalars())
            db.execute(delete(S).where(mine, S.c.path.in_(paths)))
            orphaned = _drop_if_orphaned(db, self.collection_id, sorted(doc_ids))
            self.database.bump(db)
        return orphaned

    def remove_documents(self, doc_ids: Iterable[str]) -> list[str]:
        """Remove documents of this collection (ids of another are left alone); returns those asked for."""
        doc_ids = list(doc_ids)
        with self.database.write() as db:
            mine = list(
                db.execute(select(D.c.doc_id).where(D.c.doc_id.in_(doc_ids), _IN_COLLECTION), self._mine).scalars()
            )
            _delete_documents(db, self.collection_id, mine, pending=True)
            self.database.bump(db)
        return doc_ids

    def resolve(self, key: str) -> str:
        """A document id from an id, an id prefix, or a source path."""
        if self.has_document(key):
            return key
        path = str(Path(key).expanduser().resolve()) if key else key
        with self.database.read() as db:
            mine = S.c.collection_id == self.collection_id
            found = db.execute(select(S.c.doc_id).where(mine, S.c.path.in_([key, path])).limit(1)).scalar()
            if found:
                return found
            if len(key) >= 6:
                matches = db.execute(
                    select(D.c.doc_id).where(D.c.doc_id.startswith(key, autoescape=True), _IN_COLLECTION).limit(2),
                    self._mine,
                ).scalars()
                matches = list(matches)
                if len(matches) == 1:
                    return matches[0]
        raise UnknownDocumentError(f"no indexed document has the id or path {key!r}")

    def documents(self) -> list[DocumentRecord]:
        with self.database.read() as db:
            rows = db.execute(
                select(
                    D.c.doc_id,
                    D.c.title,
                    D.c.chunk_count,
                    D.c.size,
                    D.c.ingested_at,
                    D.c.content_hash,
                    D.c.date,
                    D.c.author,
                    D.c.publisher,
                )
                .where(_IN_COLLECTION)
                .order_by(D.c.ingested_at, D.c.doc_id),
                self._mine,
            ).all()
            paths: dict[str, list[str]] = {}
            for path, doc_id in db.execute(select(S.c.path, S.c.doc_id).where(S.c.collection_id == self.collection_id)):
                paths.setdefault(doc_id, []).append(path)
        records = []
        for row in rows:
            sources = tuple(sorted(paths.get(row.doc_id, ())))
            records.append(
                DocumentRecord(
                    doc_id=row.doc_id,
                    source=sources[0] if sources else "",
                    title=row.title,
                    chunks=row.chunk_count,
                    size=row.size,
                    ingested_at=row.ingested_at,
                    content_hash=row.content_hash,
                    date=row.date,
                    sources=sources,
                    author=row.author,
                    publisher=row.publisher,
                )
            )
        return records

    def document(self, doc_id: str) -> StoredDocument:
        with self.database.read() as db:
            row = db.execute(_DOCUMENT, {"doc_id": doc_id, **self._mine}).first()
        if row is None:
            raise UnknownDocumentError(f"no indexed document has the id {doc_id!r}")
        return stored_from_row(row)

    def documents_by_id(self, doc_ids: Iterable[str]) -> dict[str, StoredDocument]:
        """Those of the documents that exist, in one query."""
        doc_ids = list(doc_ids)
        if not doc_ids:
            return {}
        with self.database.read() as db:
            rows = db.execute(_DOCUMENTS, {"doc_ids": doc_ids, **self._mine})
            return {row.doc_id: stored_from_row(row) for row in rows}

    def document_count(self) -> int:
        with self.database.read() as db:
            return db.execute(select(func.count()).select_from(D).where(_IN_COLLECTION), self._mine).scalar_one()

    def chunk_count(self) -> int:
        with self.database.read() as db:
            return db.execute(
                select(func.count()).select_from(C.join(D, D.c.doc_id == C.c.doc_id)).where(_IN_COLLECTION), self._mine
            ).scalar_one()

    def sample_chunk_ids(self, n: int) -> list[str]:
        """Up to `n` chunk ids spread evenly over the catalog (first, ..., last), the same each time."""
        count = self.chunk_count()
        offsets = sorted({round(i * (count - 1) / max(1, n - 1)) for i in range(n)}) if count else []
        with self.database.read() as db:
            ids = select(C.c.chunk_id).join(D, D.c.doc_id == C.c.doc_id).where(_IN_COLLECTION).order_by(C.c.chunk_id)
            return [db.execute(ids.limit(1).offset(o), self._mine).scalar_one() for o in offsets]

    def chunk_ids(self) -> list[str]:
        with self.database.read() as db:
            ids = select(C.c.chunk_id).join(D, D.c.doc_id == C.c.doc_id).where(_IN_COLLECTION).order_by(C.c.chunk_id)
            return list(db.execute(ids, self._mine).scalars())

    def chunk(self, chunk_id: str) -> Chunk:
        """One chunk, its text stored with it."""
        with self.database.read() as db:
            row = db.execute(_CHUNK, {"chunk_id": chunk_id, **self._mine}).first()
        if row is None:
            raise UnknownDocumentError(f"no chunk has the id {chunk_id!r}")
        return chunk_from_row(row)

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
        """The chunks of those ids that exist, in one query."""
        chunk_ids = list(chunk_ids)
        if not chunk_ids:
            return {}
        with self.database.read() as db:
            rows = db.execute(_CHUNKS, {"chunk_ids": chunk_ids, **self._mine})
            return {row.chunk_id: chunk_from_row(row) for row in rows}

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        with self.database.read() as db:
            rows = db.execute(_CHUNK_ROWS.where(C.c.doc_id == doc_id).order_by(C.c.idx), self._mine).all()
        return [chunk_from_row(row) for row in rows]


def _drop_if_orphaned(db: Connection, collection_id: int, doc_ids: Iterable[str]) -> list[str]:
    doc_ids = list(doc_ids)
    if not doc_ids:
        return []
    kept = set(db.execute(select(S.c.doc_id).where(S.c.doc_id.in_(doc_ids))).scalars())
    orphaned = [d for d in doc_ids if d not in kept]
    _delete_documents(db, collection_id, orphaned, pending=True)
    return orphaned


def _delete_documents(db: Connection, collection_id: int, doc_ids: list[str], pending: bool = False) -> None:
    if not doc_ids:
        return
    if pending:  # recorded in the same transaction: the vectors go after the commit
        rows = [{"doc_id": d, "job_id": None, "collection_id": collection_id} for d in doc_ids]
        insert_or_ignore(db, schema.pending, rows)
    hashes = set(db.execute(select(D.c.file_sha256).where(D.c.doc_id.in_(doc_ids))).scalars()) - {None}
    keyword.remove_documents(db, collection_id, doc_ids)
    db.execute(delete(C).where(C.c.doc_id.in_(doc_ids)))
    db.execute(delete(D).where(D.c.doc_id.in_(doc_ids)))
    if hashes:  # their files go too, unless another document or an unfinished job still needs them
        files, jobs = schema.files, schema.jobs
        used = (
            select(D.c.file_sha256)
            .where(D.c.file_sha256.in_(hashes))
            .union(
                select(jobs.c.file_sha256).where(
                    jobs.c.file_sha256.in_(hashes), jobs.c.state.in_(("queued", "running"))
                )
            )
        )
        db.execute(delete(files).where(files.c.sha256.in_(hashes), files.c.sha256.notin_(used.scalar_subquery())))
