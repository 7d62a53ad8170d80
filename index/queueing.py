"""Ingestion through the job queue (a shared database): the files given are read here and stored in the database
with one job each; workers anywhere (`citewise worker`, `serve --workers`) index them. What needs no job is settled
here at once, as a direct ingestion would: unchanged files, files whose content is indexed already (a new source of
it), files that cannot be read, and with `sync` the removal of files gone from their folders."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .ingestion import IngestProgress, ProgressCallback
from .jobs import JobQueue, NewJob
from .library import Library
from .types import FileOutcome, IngestReport

ENQUEUE_FILES = 32
"""Files stored per transaction while queueing (their bytes are held in memory until then)."""
STALLED_SECONDS = 60.0
OUTCOMES = ("added", "updated", "unchanged", "failed")


@dataclass
class Enqueued:
    batch: str
    job_ids: list[int] = field(default_factory=list)
    settled: IngestReport = field(default_factory=IngestReport)
    """What was decided without a job."""
    started: float = field(default_factory=time.perf_counter)


def enqueue(library: Library, paths: list, sync: bool = False) -> Enqueued:
    queue = JobQueue(library.database)
    enqueued = Enqueued(batch=uuid.uuid4().hex[:16])
    report = enqueued.settled
    found = library.files_to_index(paths, sync, report)
    waiting: dict[str, object] = {}
    for path in found.files:
        examined = library.examine(path, report)
        if examined is not None:
            waiting[path] = examined
        if len(waiting) >= ENQUEUE_FILES:
            enqueued.job_ids += _store(queue, enqueued.batch, waiting, library.collection.id)
    enqueued.job_ids += _store(queue, enqueued.batch, waiting, library.collection.id)
    return enqueued


def _store(queue: JobQueue, batch: str, waiting: dict, collection_id: int) -> list[int]:
    if not waiting:
        return []
    from pathlib import Path

    files = {e.content_hash: (e.content_hash, Path(e.path).name, e.data) for e in waiting.values()}
    jobs = [NewJob(e.path, e.content_hash, e.mtime_ns, collection_id) for e in waiting.values()]
    ids = queue.enqueue(batch, jobs, files.values())
    waiting.clear()
    return ids


def wait(
    library: Library,
    enqueued: Enqueued,
    progress: ProgressCallback | None = None,
    on_stall: Callable[[str], None] | None = None,
    poll_seconds: float = 0.5,
) -> IngestReport:
    """Wait for a batch's jobs and report them as one ingestion; `on_stall` hears once when no worker has claimed
    any of them for a minute."""
    queue = JobQueue(library.database)
    total = len(enqueued.job_ids)
    last_change, stalled_told, seen = time.monotonic(), False, None
    while True:
        jobs = queue.jobs(batch=enqueued.batch, limit=None) if total else []
        state = [(j.state, round(j.progress, 2)) for j in jobs]
        if state != seen:
            seen, last_change = state, time.monotonic()
        done = sum(j.finished for j in jobs)
        if progress and total:
            running = next((j.path for j in jobs if j.state == "running"), None)
            progress(IngestProgress(done, total, 0, running))
        if done == total:
            break
        claimed = any(j.attempts for j in jobs)
        if on_stall and not stalled_told and not claimed and time.monotonic() - last_change > STALLED_SECONDS:
            on_stall(
                f"no worker has claimed any of these {total} jobs for {STALLED_SECONDS:.0f} s: start one with "
                "`citewise worker` (same --database-url and --chroma-url), or `citewise serve --workers 1`"
            )
            stalled_told = True
        time.sleep(poll_seconds)
    return _report(enqueued, jobs)


def _report(enqueued: Enqueued, jobs) -> IngestReport:
    report = IngestReport(**{name: list(getattr(enqueued.settled, name)) for name in (*OUTCOMES, "removed")})
    for job in jobs:
        result = job.result or {}
        outcome = result.get("outcome")
        if outcome in OUTCOMES:
            getattr(report, outcome).append(FileOutcome(**result["file"]))
        else:
            report.failed.append(FileOutcome(path=job.path, reason=job.error or "the job failed"))
    report.seconds = time.perf_counter() - enqueued.started
    return report


def job_result(report: IngestReport) -> tuple[dict, str | None]:
    """A job's one file as (result, error): what `wait` turns back into the report."""
    for outcome in OUTCOMES:
        items = getattr(report, outcome)
        if items:
            item = items[0]
            return {"outcome": outcome, "file": item.to_dict()}, item.reason if outcome == "failed" else None
    return {"outcome": "unchanged", "file": {"path": ""}}, None
