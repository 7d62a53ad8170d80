"""A worker: claims ingestion jobs from the database, indexes each file, and keeps its lease alive meanwhile.

Any number of workers on any machines with the same database and Chroma share the queue. A worker that is
killed leaves its job running under a lease that runs out; another worker then claims it again, and because
document and chunk ids come from the content and every write is an upsert, the store ends as if nothing had
happened. SIGTERM (or `stop`) lets the worker finish its job before it exits."""

from __future__ import annotations

import logging
import os
import socket
import threading

from .collections import Collections
from .errors import failure_reason
from .jobs import Claim, JobQueue
from .library import Library
from .queueing import job_result

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, library: Library, name: str | None = None, poll_seconds: float = 1.0):
        self.library = library
        self.queue = JobQueue(library.database)
        self.name = name or self.default_name()
        self.lease = library.settings.ingest.lease_seconds
        self.poll_seconds = poll_seconds
        self.stop = threading.Event()

    @staticmethod
    def default_name() -> str:
        return f"{socket.gethostname()}:{os.getpid()}"

    def run(self, max_jobs: int | None = None, idle_exit: float | None = None) -> int:
        """Process jobs until stopped (or `max_jobs` done, or `idle_exit` seconds after the last job when no job is
        left unfinished); returns how many."""
        import time

        done, idle_since = 0, time.monotonic()
        while not self.stop.is_set() and (max_jobs is None or done < max_jobs):
            claims = self.queue.claim(self.name, self.lease)
            if not claims:
                if idle_exit is not None and time.monotonic() - idle_since > idle_exit and not self._unfinished():
                    break
                self.stop.wait(self.poll_seconds)
                continue
            for claim in claims:
                self.process(claim)
                done += 1
            idle_since = time.monotonic()
        return done

    def _unfinished(self) -> int:
        """Jobs queued or running (a running one may be a dead worker's, to be claimed again after its lease)."""
        counts = self.queue.counts()
        return counts["queued"] + counts["running"]

    def process(self, claim: Claim) -> None:
        progress = [0.0]
        lost = threading.Event()
        finished = threading.Event()

        def beat() -> None:
            while not finished.wait(self.lease / 3):
                try:
                    if not self.queue.heartbeat(claim, self.lease, progress[0]):
                        lost.set()
                        return
                except Exception:  # a database hiccup: the next beat tries again, the lease allows two misses
                    log.warning("heartbeat of job %d failed", claim.job_id, exc_info=True)

        heart = threading.Thread(target=beat, name=f"citewise-heartbeat-{claim.job_id}", daemon=True)
        heart.start()
        try:
            stored = self.library.catalog.file(claim.file_sha256) if claim.file_sha256 else None
            if stored is None:
                self.queue.finish(claim, None, error="the file of this job is no longer in the database")
                return
            collection = Collections(self.library.database).by_id(claim.collection_id)
            if collection is None:
                self.queue.finish(claim, None, error="the collection of this job was removed")
                return
            report = self.library.sibling(collection).ingest_file(
                claim.path,
                stored.data,
                claim.mtime_ns or 0,
                job_id=claim.job_id,
                progress=lambda fraction: progress.__setitem__(0, fraction),
            )
            result, error = job_result(report)
            if lost.is_set() or not self.queue.finish(claim, result, error):
                log.warning("job %d was taken over by another worker; its result is theirs", claim.job_id)
        except Exception as exc:  # one file's surprise must not stop the worker
            log.debug("job %d failed", claim.job_id, exc_info=exc)
            self.queue.finish(claim, None, error=failure_reason(exc, "indexing the file"))
        finally:
            finished.set()
            heart.join()
