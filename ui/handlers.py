"""The web UI's behaviour as plain functions of plain data, testable without a browser or Gradio."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

from index.errors import CitewiseError
from rag import Answer, Assistant

from .ingest_queue import IngestQueue
from .pages import PAGES_FOLDER, PageImages, page_view_html
from .render import conversation_html, conversation_markdown, error_html, pending_html, viewer_html
from .reports import encoder_line

DOCUMENT_COLUMNS = ["title", "author", "date", "source", "chunks", "ingested at", "id"]


@dataclass
class ChatView:
    conversation: str
    viewer: str | None
    """None: the viewer stays as it is."""
    turns: list[Answer]
    export_path: str | None


class Handlers:
    """What the web UI does in one collection (the assistant's); `in_collection` gives another's."""

    def __init__(self, assistant: Assistant, queue: IngestQueue | None = None):
        self.assistant = assistant
        self.collection = assistant.library.collection.name
        self.queue = queue or IngestQueue(assistant)
        """Library changes wait here with the API's, one at a time."""
        self.pages = PageImages(
            Path(assistant.settings.storage.path).expanduser() / PAGES_FOLDER, original=assistant.original_file
        )
        self._others: dict[Assistant, Handlers] = {assistant: self}

    def in_collection(self, name: str) -> Handlers:
        """The handlers of collection `name` (no access check: the caller has made it), sharing the queue; a
        collection removed and made again under its name gets new ones."""
        assistant = self.assistant.collection(name)
        if assistant not in self._others:
            self._others[assistant] = Handlers(assistant, self.queue)
        return self._others[assistant]

    # -- chat
    def respond(
        self,
        question: str,
        turns: list[Answer] | None,
        k: int | None = None,
        doc_ids: list[str] | None = None,
        mode: str = "extractive",
        filters: dict[str, str] | None = None,
        stale: dict[tuple[int, int], str] | None = None,
    ):
        """Stream one answer: ChatView updates while the text arrives, the final one with citations.
        `filters` restrict the documents by metadata ({"source", "author", "after", "before", "title"});
        `stale` marks the citations of saved earlier turns whose document changed or was removed since."""
        turns = list(turns or [])
        question = (question or "").strip()
        history = [(a.question, a.answer) for a in turns]

        texts: dict[str, str] = {}

        def viewer() -> str:
            return self.viewer(turns, stale, texts)

        def conversation(pending: str = "") -> str:
            return conversation_html(turns, pending, stale)

        # Shown at once, so the asker sees their question taken before retrieval starts.
        yield ChatView(conversation(pending_html(question, "")), viewer(), turns, None)
        try:
            stream = self.assistant.stream(
                question, history=history, doc_ids=doc_ids or None, k=k, mode=mode, filters=filters or None
            )
            partial = ""
            for event in stream:
                if isinstance(event, Answer):
                    turns.append(event)
                    break
                partial += event
                yield ChatView(conversation(pending_html(question, partial)), viewer(), turns, None)
        except CitewiseError as exc:
            yield ChatView(conversation() + error_html(str(exc)), viewer(), turns, self.export(turns, stale))
            return
        yield ChatView(conversation(), viewer(), turns, self.export(turns, stale))

    def viewer(
        self,
        turns: list[Answer],
        stale: dict[tuple[int, int], str] | None = None,
        texts: dict[str, str] | None = None,
    ) -> str:
        """The source viewer of every turn's citations; `texts` keeps documents' texts between calls."""
        texts = {} if texts is None else texts

        def document_text(doc_id: str) -> str:
            if doc_id not in texts:
                texts[doc_id] = self._document_text(doc_id)
            return texts[doc_id]

        return viewer_html(turns, document_text, self._page_view, stale)

    def _page_view(self, citation, mark: str) -> str:
        return page_view_html(citation, self.pages, mark, self.collection)

    def _document_text(self, doc_id: str) -> str:
        try:
            return self.assistant.retrieval.document(doc_id).text
        except CitewiseError:
            return ""  # the document was deleted since: its citation shows no context

    def export(
        self, turns: list[Answer], stale: dict[tuple[int, int], str] | None = None, title: str | None = None
    ) -> str | None:
        if not turns:
            return None
        folder = Path(tempfile.mkdtemp(prefix="citewise-export-"))
        path = folder / "citewise-conversation.md"
        path.write_text(conversation_markdown(turns, stale, title or "Citewise conversation"), encoding="utf-8")
        return str(path)

    # -- library
    def documents(self) -> list[list]:
        return [
            [
                d.title,
                d.author or "",
                d.date or "",
                d.metadata["source"] or Path(d.source).name,
                d.chunks,
                d.ingested_at.replace("T", " ")[:16],
                d.doc_id,
            ]
            for d in self.assistant.documents()
        ]

    def document_choices(self) -> list[tuple[str, str]]:
        return [(f"{d.title} ({Path(d.source).name})", d.doc_id) for d in self.assistant.documents()]

    def upload(self, files: list[str] | None, progress=None) -> str:
        """Ingest uploaded files; an HTML report with one line per file, failures with their reason."""
        named = [(Path(path), Path(path).name) for path in files or []]
        if not named:
            return ingest_report_html(None, [])
        callback = None
        if progress is not None:

            def callback(event):
                progress((event.files_done, event.files_total), desc=f"{event.chunks_done} chunks")

        try:
            accepted = self.queue.submit(self.queue.add_files(named, callback, assistant=self.assistant)).result()
        except CitewiseError as exc:
            return f"<p>{escape(str(exc))}</p>"
        html = ingest_report_html(accepted.report, [(exc.name, exc.reason) for exc in accepted.refused])
        if accepted.enqueued is not None and accepted.enqueued.job_ids:
            html += f"<p>{len(accepted.enqueued.job_ids)} file(s) queued for indexing: see Jobs below.</p>"
        return html

    def jobs_html(self, collection_ids: set[int] | None = None) -> str:
        """The ingestion jobs panel: unfinished first with their progress, failures with their reason; only the
        jobs of `collection_ids` when given."""
        jobs = self.assistant.jobs(limit=20, collection_ids=collection_ids)
        if not jobs:
            return "<p class='cw-jobs'>No ingestion jobs.</p>"
        rows = []
        for job in jobs:
            detail = job.error or (job.result or {}).get("file", {}).get("doc_id") or ""
            bar = f"<progress max='1' value='{job.progress:.3f}'></progress>" if job.state == "running" else ""
            rows.append(
                f"<tr><td>{job.id}</td><td>{escape(job.state)}</td><td>{bar}{job.progress:.0%}</td>"
                f"<td>{escape(Path(job.path).name)}</td><td>{escape(detail)}</td></tr>"
            )
        head = "<tr><th>job</th><th>state</th><th>progress</th><th>file</th><th>detail</th></tr>"
        return f"<table class='cw-jobs'>{head}{''.join(rows)}</table>"

    def delete(self, doc_ids: list[str] | None) -> str:
        if not doc_ids:
            return "<p>Select documents to delete first.</p>"
        try:
            removed = self.queue.submit(self.queue.remove(doc_ids, assistant=self.assistant)).result()
        except CitewiseError as exc:
            return f"<p>{escape(str(exc))}</p>"
        return f"<p>Deleted {len(removed)} document(s).</p>"

    def reindex(self, doc_ids: list[str] | None) -> str:
        """Read the selected documents' files again (all documents when none is selected)."""
        records = self.assistant.documents()
        chosen = [r for r in records if not doc_ids or r.doc_id in doc_ids]
        paths = [s for r in chosen for s in r.sources if Path(s).exists()]
        if not paths:
            return "<p>No source files to re-index.</p>"
        try:
            report = self.queue.submit(lambda: self.assistant.ingest(paths)).result()
        except CitewiseError as exc:
            return f"<p>{escape(str(exc))}</p>"
        return ingest_report_html(report, [])


def ingest_report_html(report, rejected: list[tuple[str, str]]) -> str:
    rows = [f"<tr><td>rejected</td><td>{escape(name)}</td><td>{escape(reason)}</td></tr>" for name, reason in rejected]
    if report is not None:
        for status in ("failed", "added", "updated", "unchanged"):
            for outcome in getattr(report, status):
                detail = (
                    outcome.reason
                    if status == "failed"
                    else (f"{outcome.chunks} chunks" if outcome.chunks is not None else "already indexed")
                )
                detail = "; ".join(part for part in (detail, outcome.remarks) if part)
                rows.append(
                    f"<tr><td>{status}</td><td>{escape(Path(outcome.path).name)}</td>"
                    f"<td>{escape(detail or '')}</td></tr>"
                )
    if not rows:
        return "<p>No files were given.</p>"
    table = "<table class='cw-report'><tr><th>status</th><th>file</th><th>detail</th></tr>" + "".join(rows) + "</table>"
    encoder = report.encoder if report is not None else None
    return table + (f"<p class='cw-encoder'>{escape(encoder_line(encoder))}</p>" if encoder else "")
