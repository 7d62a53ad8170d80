"""Ingestion, the write path of a library (`Ingestion`, mixed into `index.library.Library`).

Documents are embedded in groups (the encoder is the cost of ingestion) and each is committed to the catalog only
after all its vectors are stored, so a killed run loses nothing and the next run neither duplicates nor orphans a
chunk.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .catalog_rows import NewDocument
from .chunking import pack_chunks
from .collections import DEFAULT_ID
from .errors import LoadError, failure_reason
from .files import discover, is_under
from .loaders import load
from .types import (
    Chunk,
    FileOutcome,
    IngestReport,
    LoadedDocument,
    page_at,
)


@dataclass(frozen=True)
class IngestProgress:
    files_done: int
    files_total: int
    chunks_done: int
    path: str | None


ProgressCallback = Callable[[IngestProgress], None]
log = logging.getLogger(__name__)
METADATA_VERSION = 3
"""Bumped when loaders read more metadata: unchanged files of an older store are read again for it."""


@dataclass(frozen=True)
class Examined:
    """A file's bytes whose content is not indexed yet."""

    path: str
    doc_id: str
    content_hash: str
    mtime_ns: int
    data: bytes
    replaces: str | None
    """The document this path was a source of until now, if any."""


@dataclass(frozen=True)
class _Prepared:
    file: Examined
    loaded: LoadedDocument
    chunks: list[Chunk]

    @property
    def doc_id(self) -> str:
        return self.file.doc_id

    @property
    def path(self) -> str:
        return self.file.path


def _unreadable(exc: LoadError | OSError) -> str:
    """Why a file could not be read, for its line in the report."""
    if isinstance(exc, LoadError):
        return exc.reason
    return "permission denied" if isinstance(exc, PermissionError) else f"cannot read file: {exc.strerror}"


def content_id(data: bytes, collection_id: int = DEFAULT_ID) -> tuple[str, str]:
    """(doc_id, content hash): the same bytes under any name are one document of a collection. Outside `default`
    the id also derives from the collection, so the same file in two collections is two documents (ids, chunks and
    vectors of their own); in `default` ids are as they were before collections."""
    digest = hashlib.sha256(data).hexdigest()
    if collection_id == DEFAULT_ID:
        return digest[:16], digest
    return hashlib.sha256(f"collection {collection_id}\n{digest}".encode()).hexdigest()[:16], digest


class Ingestion:
    """Adding, updating and forgetting files of a library; the attributes it uses (`settings`, `embeddings`,
    `catalog`, `keyword`, `vectors`, `collection`, `recover`, `encoder`, `_drop_vectors`) are the Library's."""

    def ingest(
        self,
        paths: list[str | Path],
        sync: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        found = self.files_to_index(paths, sync, report)
        total = len(found.files)
        stored = [0]  # chunks stored so far, shared with the progress reports of _groups
        # Sequential on purpose: encoding in a worker thread while the next group is chunked was measured
        # slower (0.75x vs 0.85x of the raw encoder), as the extra thread stalls torch's OpenMP workers.
        for group in self._groups(found.files, report, progress, stored):
            stored[0] += self._encode_and_store(group, report)
        if progress and total:
            progress(IngestProgress(total, total, stored[0], None))
        if self._stale_metadata:
            self.catalog.set_setting("metadata_version", str(METADATA_VERSION))
            del self._stale_metadata
        report.seconds = time.perf_counter() - started
        report.encoder = self.encoder()
        return report

    def _groups(
        self,
        files: list[str],
        report: IngestReport,
        progress: ProgressCallback | None,
        stored: list[int],
    ):
        """Prepared files in groups of about `ingest.group_chunks` chunks."""
        group: list[_Prepared] = []
        group_chunks = 0
        for number, path in enumerate(files, start=1):
            prepared = self._prepare(path, report)
            if prepared is not None:
                group.append(prepared)
                group_chunks += len(prepared.chunks)
            if group_chunks >= self.settings.ingest.group_chunks:
                yield group
                group, group_chunks = [], 0
            if progress and number < len(files):
                progress(IngestProgress(number, len(files), stored[0], path))
        yield group

    def files_to_index(self, paths: list[str | Path], sync: bool, report: IngestReport):
        """The files under `paths` (`index.files.discover`), after finishing an interrupted run: a missing path is
        reported failed; with `sync`, files gone from the given folders are forgotten first."""
        self.recover()
        found = discover(paths)
        for path in found.missing:
            report.failed.append(FileOutcome(path=path, reason="no such file or folder"))
        if sync:
            self.sync_removals(found.folders, set(found.files), report)
        return found

    def sync_removals(self, folders: list[str], present: set[str], report: IngestReport) -> None:
        """Forget the files of `folders` that are gone from them (not in `present`), and documents left without one."""
        gone = [
            path
            for path in self.catalog.sources()
            if any(is_under(path, folder) for folder in folders) and path not in present
        ]
        if not gone:
            return
        known = self.catalog.sources()
        orphaned = self.catalog.remove_sources(gone)
        self._drop_vectors(orphaned)
        report.removed.extend(FileOutcome(path=p, doc_id=known[p]) for p in sorted(gone))

    def _prepare(self, path: str, report: IngestReport) -> _Prepared | None:
        """Decide what a file needs; load and chunk it when it is new or changed."""
        examined = self.examine(path, report)
        return self._load_and_chunk(examined, Path(path), report) if examined else None

    def examine(self, path: str, report: IngestReport) -> Examined | None:
        """Read a file given by path unless it is unchanged since it was indexed (reported then). Its content may be
        a document already (an alias, a touched file): then it only becomes a source of it. None when done."""
        try:
            stat = os.stat(path)
        except OSError:
            reason = "broken symbolic link" if os.path.islink(path) else "cannot read file"
            report.failed.append(FileOutcome(path=path, reason=reason))
            return None
        known = self.catalog.source(path)  # a source's document exists: the foreign key deletes the one with the other
        if known and known.mtime_ns == stat.st_mtime_ns and known.size == stat.st_size:
            if self._stale_metadata:
                self._refresh_metadata(path, known.doc_id)
            report.unchanged.append(FileOutcome(path=path, doc_id=known.doc_id))
            return None
        try:
            if stat.st_size > self.settings.ingest.max_file_bytes:
                load(Path(path), budget=self.settings.ingest.load_budget)  # raises the size error with its numbers
            with open(path, "rb") as handle:
                data = handle.read()
        except (LoadError, OSError) as exc:
            report.failed.append(FileOutcome(path=path, reason=_unreadable(exc)))
            return None
        return self._new_content(path, data, stat.st_mtime_ns, known.doc_id if known else None, report)

    def _new_content(
        self,
        path: str,
        data: bytes,
        mtime_ns: int,
        known: str | None,
        report: IngestReport,
    ) -> Examined | None:
        doc_id, digest = content_id(data, self.collection.id)
        if not self.catalog.has_document(doc_id):
            return Examined(path, doc_id, digest, mtime_ns, data, known)
        self._drop_vectors(self.catalog.set_source(path, doc_id, mtime_ns, len(data)))
        outcome = FileOutcome(path=path, doc_id=doc_id)
        if known is None:
            report.added.append(outcome)
        elif known == doc_id:
            report.unchanged.append(outcome)
        else:
            report.updated.append(outcome)
        return None

    def _load_and_chunk(self, examined: Examined, file: Path, report: IngestReport) -> _Prepared | None:
        """Load the file (its bytes, at `file`) and cut it into chunks."""
        path = examined.path
        try:
            loaded = load(file, budget=self.settings.ingest.load_budget)
            chunks = self.chunk(loaded, examined.doc_id)
        except (LoadError, OSError) as exc:
            report.failed.append(FileOutcome(path=path, reason=_unreadable(exc)))
            return None
        except Exception as exc:  # one file's surprise must not stop the others
            self._fail(report, path, exc, "splitting the text into chunks")
            return None
        return _Prepared(examined, loaded, chunks)

    def ingest_file(
        self,
        path: str,
        data: bytes,
        mtime_ns: int,
        job_id: int | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> IngestReport:
        """Index one file given as its bytes (a job: the file lives in the database, not on this machine), recorded
        under `path`. The bytes are loaded from a private temporary copy under the same name, so that the file's
        kind and title are read as from the original."""
        import tempfile

        started = time.perf_counter()
        report = IngestReport()
        known = self.catalog.source(path)
        examined = self._new_content(path, data, mtime_ns, known.doc_id if known else None, report)
        if examined is not None:
            with tempfile.TemporaryDirectory(prefix="citewise-job-") as folder:
                copy = Path(folder) / (Path(path).name or "file")
                copy.write_bytes(data)
                prepared = self._load_and_chunk(examined, copy, report)
            if progress:
                progress(0.1)
            if prepared is not None:
                self._encode_and_store([prepared], report, job_id, progress)
        report.seconds = time.perf_counter() - started
        report.encoder = self.encoder()
        return report

    @cached_property
    def _stale_metadata(self) -> bool:
        return self.catalog.setting("metadata_version") != str(METADATA_VERSION)

    def _refresh_metadata(self, path: str, doc_id: str) -> None:
        """A store made by an older loader: read what the unchanged file says about itself again (no re-embedding)."""
        try:
            self.catalog.update_metadata(doc_id, load(Path(path), budget=self.settings.ingest.load_budget))
        except Exception as exc:  # the file is indexed already; its old metadata stay
            log.debug("could not refresh the metadata of %s", path, exc_info=exc)

    @staticmethod
    def _fail(report: IngestReport, path: str, exc: BaseException, doing: str) -> None:
        log.debug("%s failed while %s", path, doing, exc_info=exc)
        report.failed.append(FileOutcome(path=path, reason=failure_reason(exc, doing)))

    def chunk(self, loaded: LoadedDocument, doc_id: str) -> list[Chunk]:
        return pack_chunks(
            loaded.text,
            doc_id,
            self.embeddings.count_tokens,
            chunk_tokens=self.settings.chunking.tokens,
            max_tokens=self.embeddings.max_tokens,
            overlap_sentences=self.settings.chunking.overlap_sentences,
            page_of=lambda offset: page_at(loaded.page_starts, offset),
        )

    def _encode_and_store(
        self,
        group: list[_Prepared],
        report: IngestReport,
        job_id: int | None = None,
        progress=None,
    ) -> int:
        """Encode and store a group; if the encoder fails on it, each file alone, so only the bad one fails."""
        if not group:
            return 0
        try:
            encoded = self._encode_group(group, progress)
        except Exception as exc:
            if len(group) == 1:
                self._fail(report, group[0].path, exc, "computing embeddings")
                return 0
            log.debug(
                "encoding a group of %d files failed; retrying one by one",
                len(group),
                exc_info=exc,
            )
            return sum(self._encode_and_store([item], report, job_id) for item in group)
        return self._store_group(*encoded, report, job_id)

    def _encode_group(self, group: list[_Prepared], progress=None):
        # Two files with the same new content in one group: the first stores it, the second is an alias.
        unique: dict[str, _Prepared] = {}
        aliases: list[_Prepared] = []
        for item in group:
            if item.doc_id in unique:
                aliases.append(item)
            else:
                unique[item.doc_id] = item
        items = list(unique.values())
        chunks = [chunk for item in items for chunk in item.chunks]
        texts = [chunk.text for chunk in chunks]
        if progress is None:
            return items, aliases, chunks, self.embeddings.encode(texts)
        import numpy as np

        # A job reports how far it got: encoded in slices (encoding is ~all of its time).
        step = self.settings.embedding.batch_size
        parts = []
        for lo in range(0, len(texts), step):
            parts.append(np.asarray(self.embeddings.encode(texts[lo : lo + step]), dtype=np.float32))
            progress(0.1 + 0.85 * min(len(texts), lo + step) / len(texts))
        return (
            items,
            aliases,
            chunks,
            np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32),
        )

    def _store_group(
        self,
        items: list[_Prepared],
        aliases: list[_Prepared],
        chunks: list[Chunk],
        vectors,
        report: IngestReport,
        job_id: int | None = None,
    ) -> int:
        self._record_encoder()
        self.catalog.mark_pending((item.doc_id for item in items), job_id)
        self.vectors.upsert(chunks, vectors)
        new = [
            NewDocument(f.doc_id, f.content_hash, len(f.data), item.loaded, item.chunks, f.path, f.mtime_ns, f.data)
            for item in items
            for f in [item.file]
        ]
        self._drop_vectors(self.catalog.commit_documents(new))  # the group at once: one transaction
        for item in items:
            file = item.file
            outcome = FileOutcome(
                path=file.path,
                doc_id=file.doc_id,
                chunks=len(item.chunks),
                ocr_pages=item.loaded.ocr_pages or None,
                note=item.loaded.note,
            )
            (report.updated if file.replaces else report.added).append(outcome)
        for item in aliases:
            file = item.file
            self._drop_vectors(self.catalog.set_source(file.path, file.doc_id, file.mtime_ns, len(file.data)))
            outcome = FileOutcome(path=file.path, doc_id=file.doc_id, chunks=len(item.chunks))
            (report.updated if file.replaces else report.added).append(outcome)
        return len(chunks)
