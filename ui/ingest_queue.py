"""Changes to the library made by the server (uploads, deletions, re-indexing) run one at a time in one thread
of their own. A request waiting for its turn holds no worker thread (questions are never starved by a queue of
uploads), a request whose client has gone is dropped before it starts, and the queue has a bound."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from index.errors import CitewiseError
from index.queueing import Enqueued
from index.types import IngestReport
from rag import Assistant

from .pages import forget_pages
from .uploads import accept_all, discard_upload, uploads_folder

T = TypeVar("T")
MAX_WAITING = 16


@dataclass(frozen=True)
class Accepted:
    """What became of uploaded files: indexed (`report`), refused, or (a shared database) queued as jobs."""

    report: IngestReport | None
    refused: list
    enqueued: Enqueued | None = None


class QueueFull(CitewiseError):
    """Too many library changes are waiting; the client should try again later."""

    http_status = 503


class IngestQueue:
    def __init__(self, assistant: Assistant, max_waiting: int = MAX_WAITING):
        self.assistant = assistant
        self.max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citewise-ingest")
        self._waiting = 0
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        return self._waiting

    def submit(self, job: Callable[[], T]) -> Future[T]:
        with self._lock:
            if self._waiting >= self.max_waiting:
                raise QueueFull(f"{self._waiting} changes to the library are waiting; try again in a minute")
            self._waiting += 1

        def run() -> T:
            with self._lock:
                self._waiting -= 1
            return job()

        future = self._executor.submit(run)
        future.add_done_callback(self._uncount_if_cancelled)
        return future

    def _uncount_if_cancelled(self, future: Future) -> None:
        if future.cancelled():
            with self._lock:
                self._waiting -= 1

    async def wait(self, future: Future[T], client_gone: Callable[[], object]) -> T | None:
        """The job's result; None when the client left while the job was still waiting (it is then dropped).
        A job already running is finished: stopping an ingestion halfway would only waste its work."""
        wrapped = asyncio.wrap_future(future)
        while True:
            done, _ = await asyncio.wait({wrapped}, timeout=0.25)
            if done:
                return wrapped.result()
            if await client_gone() and future.cancel():
                return None

    # -- the jobs
    def add_files(
        self, named: list[tuple[Path, str]], progress=None, assistant: Assistant | None = None
    ) -> Callable[[], Accepted]:
        """A job that accepts uploaded files (staged at `path`, uploaded under `name`) into the uploads folder
        and indexes them into `assistant`'s collection (the queue's own by default), or with a shared database
        queues them for the workers. Files that fail to index are not kept."""
        assistant = assistant or self.assistant
        settings = assistant.settings

        def job():
            uploads = uploads_folder(settings.storage.path, assistant.library.collection.name)
            accepted, refused = accept_all(named, uploads, settings.ingest.max_file_bytes)
            if not accepted:
                return Accepted(None, refused)
            if assistant.library.queued:  # the workers index them; the bytes are in the database now
                enqueued = assistant.enqueue([str(p) for p in accepted])
                for failure in enqueued.settled.failed:
                    discard_upload(Path(failure.path), uploads)
                return Accepted(enqueued.settled, refused, enqueued)
            report = assistant.ingest([str(p) for p in accepted], progress=progress)
            for failure in report.failed:
                discard_upload(Path(failure.path), uploads)
            return Accepted(report, refused)

        return job

    def remove(self, doc_ids: list[str], assistant: Assistant | None = None) -> Callable[[], list[str]]:
        """A job that removes documents of `assistant`'s collection with their vectors, cached page images and
        uploaded files."""
        assistant = assistant or self.assistant

        def job():
            records = {r.doc_id: r for r in assistant.documents()}
            removed = assistant.remove(doc_ids)
            forget_pages(assistant.settings.storage.path, removed)
            uploads = uploads_folder(assistant.settings.storage.path, assistant.library.collection.name)
            still_used = {s for r in assistant.documents() for s in r.sources}
            for doc_id in removed:
                for source in records[doc_id].sources if doc_id in records else ():
                    if source not in still_used:
                        discard_upload(Path(source), uploads)
            return removed

        return job


def remove_collection(assistant: Assistant) -> list[str]:
    """Remove `assistant`'s collection (never `default`) with its documents, vectors, cached page images and
    uploaded files; the documents removed."""
    import shutil

    removed = assistant.library.remove_collection()
    forget_pages(assistant.settings.storage.path, removed)
    shutil.rmtree(uploads_folder(assistant.settings.storage.path, assistant.library.collection.name), True)
    return removed
