"""Ingestion progress: a live bar on a terminal, plain log lines elsewhere (CI logs, pipes)."""

from __future__ import annotations

import sys
import time

from index.ingestion import IngestProgress

_LOG_EVERY_SECONDS = 5.0


class PlainProgress:
    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.started = time.perf_counter()
        self.last = 0.0

    def __call__(self, event: IngestProgress) -> None:
        now = time.perf_counter()
        finished = event.files_done >= event.files_total
        if not finished and now - self.last < _LOG_EVERY_SECONDS:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = event.chunks_done / elapsed
        remaining = (event.files_total - event.files_done) * elapsed / max(event.files_done, 1)
        print(
            f"ingest: {event.files_done}/{event.files_total} files, {event.chunks_done} chunks, "
            f"{rate:.1f} chunks/s, ETA {remaining:.0f}s",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        pass


class BarProgress:
    def __init__(self):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files"),
            TextColumn("{task.fields[chunks]} chunks, {task.fields[rate]:.1f}/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            transient=False,
        )
        self.task = None
        self.started = time.perf_counter()

    def __call__(self, event: IngestProgress) -> None:
        if self.task is None:
            self.progress.start()
            self.task = self.progress.add_task("ingest", total=event.files_total, chunks=0, rate=0.0)
        rate = event.chunks_done / max(time.perf_counter() - self.started, 1e-9)
        self.progress.update(self.task, completed=event.files_done, chunks=event.chunks_done, rate=rate)

    def close(self) -> None:
        if self.task is not None:
            self.progress.stop()


def make_progress(quiet: bool):
    if quiet:
        return None
    return BarProgress() if sys.stderr.isatty() else PlainProgress()
