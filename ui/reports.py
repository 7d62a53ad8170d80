"""Text rendering of reports for the terminal (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from index.types import DocumentRecord, IngestReport

_STATUS_STYLE = {"added": "green", "updated": "cyan", "unchanged": "dim", "removed": "yellow", "failed": "red"}


def print_ingest_report(report: IngestReport, console: Console | None = None) -> None:
    console = console or Console(soft_wrap=True)
    table = Table(title="Ingestion report", show_lines=False)
    table.add_column("status")
    table.add_column("file", overflow="fold")
    table.add_column("detail", overflow="fold")
    for status in ("failed", "added", "updated", "removed"):
        for outcome in getattr(report, status):
            detail = (
                outcome.reason
                if status == "failed"
                else (f"{outcome.doc_id}" + (f", {outcome.chunks} chunks" if outcome.chunks is not None else ""))
            )
            detail = "; ".join(part for part in (detail, outcome.remarks) if part)
            table.add_row(f"[{_STATUS_STYLE[status]}]{status}", outcome.path, detail)
    if report.unchanged:
        table.add_row("[dim]unchanged", f"{len(report.unchanged)} files", "")
    console.print(table)
    console.print(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.failed)} failed in {report.seconds:.1f}s"
    )
    if report.encoder:
        console.print(encoder_line(report.encoder))


_CHOSEN_BY = {
    "auto": "chosen by auto for this machine",
    "setting": "set by CITEWISE_EMBEDDING_BACKEND",
    "store": "the backend this store was built with",
}


def encoder_line(encoder: dict) -> str:
    line = f"Encoder: {encoder['backend']} ({_CHOSEN_BY.get(encoder['chosen_by'], encoder['chosen_by'])})"
    if encoder.get("fallback"):
        line += f"; {encoder['fallback']}"
    return line


def print_documents(
    documents: list[DocumentRecord], console: Console | None = None, encoder: dict | None = None
) -> None:
    console = console or Console(soft_wrap=True)
    if not documents:
        console.print("No documents indexed yet: run `citewise ingest PATH`.")
        return
    table = Table(title=f"{len(documents)} documents")
    for column in ("id", "title", "author", "date", "source", "chunks", "size", "ingested at"):
        table.add_column(column, overflow="fold")
    for d in documents:
        source = f"{d.publisher} ({d.source})" if d.publisher else d.source
        table.add_row(
            d.doc_id, d.title, d.author or "", d.date or "", source, str(d.chunks), f"{d.size:,}", d.ingested_at
        )
    console.print(table)
    if encoder:
        console.print(encoder_line(encoder))


def print_queued(enqueued, jobs, as_json: bool) -> None:
    """`ingest` with a shared database, not waiting: what was settled at once, and the jobs queued for workers."""
    import json

    settled = enqueued.settled
    if as_json:
        data = settled.to_dict() | {"jobs": [job.to_dict() for job in jobs], "batch": enqueued.batch}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = Console(soft_wrap=True)
    if any(getattr(settled, status) for status in ("added", "updated", "removed", "failed", "unchanged")):
        print_ingest_report(settled, console)
    console.print(
        f"{len(jobs)} files queued for the workers (batch {enqueued.batch}); follow them with `citewise jobs`, "
        "or give `--wait` to wait for them"
    )


def print_jobs(jobs, console: Console | None = None) -> None:
    console = console or Console(soft_wrap=True)
    table = Table(title="Ingestion jobs")
    for column in ("id", "state", "progress", "file", "detail"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        detail = job.error or ((job.result or {}).get("file", {}).get("doc_id") or "")
        table.add_row(str(job.id), job.state, f"{job.progress:.0%}", job.path, detail)
    console.print(table)
