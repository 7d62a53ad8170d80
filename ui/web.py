"""The Gradio web UI: chat with linked citations, a source viewer, the document library and settings.

`build_app` only builds; `launch` (called by `citewise serve` / `citewise demo`) starts the server, bound to
127.0.0.1 unless told otherwise, analytics off.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from index.loaders import SUPPORTED_EXTENSIONS  # noqa: E402
from rag import Assistant  # noqa: E402

from .handlers import DOCUMENT_COLUMNS, Handlers  # noqa: E402
from .pages import PAGES_FOLDER  # noqa: E402
from .render import CSS  # noqa: E402
from .settings import AppSettings  # noqa: E402

EXAMPLES = ["How many reservists were called up?", "How many protesters were detained?"]
INTRO = """### Ask your documents — every statement comes with a citation you can check
Upload files in the **Library** tab (txt, md, html, pdf, docx), or ask about the sample corpus, for example
*{0}* or *{1}*. Click a marker like **[1]** to see the exact passage highlighted in its document."""


def build_app(assistant: Assistant, queue=None, signed_in: bool = False):
    """The Blocks app; `queue` (ui/ingest_queue.py) is shared with the API, `signed_in` adds a sign-out link."""
    import gradio as gr

    handlers = Handlers(assistant, queue)
    llm_ready = bool(assistant.settings.llm.model)

    with gr.Blocks(title="Citewise", analytics_enabled=False) as app:
        turns = gr.State([])
        with gr.Tab("Ask"):
            if signed_in:
                gr.HTML('<a href="/logout" id="cw-sign-out" class="cw-sign-out">Sign out</a>')
            gr.Markdown(INTRO.format(*EXAMPLES), elem_id="cw-intro")
            with gr.Row():
                with gr.Column(scale=3):
                    conversation = gr.HTML("", elem_id="cw-conversation")
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask a question about your documents…",
                            show_label=False,
                            scale=5,
                            elem_id="cw-question",
                            max_length=assistant.settings.questions.max_chars,
                        )
                        ask = gr.Button("Ask", variant="primary", scale=1, elem_id="cw-ask")
                    with gr.Row():
                        example_buttons = [gr.Button(text, size="sm", elem_classes=["cw-example"]) for text in EXAMPLES]
                    export = gr.DownloadButton(
                        "Download conversation (Markdown)", value=None, size="sm", elem_id="cw-export"
                    )
                with gr.Column(scale=2):
                    gr.Markdown("#### Source viewer")
                    viewer = gr.HTML(handlers_viewer_empty(), elem_id="cw-viewer")
            with gr.Accordion("Settings", open=False):
                mode = gr.Radio(
                    ["extractive", "llm"] if llm_ready else ["extractive"],
                    value="extractive",
                    label="Answer mode" + ("" if llm_ready else " (configure --llm to enable LLM mode)"),
                )
                k = gr.Slider(1, 20, value=assistant.settings.retrieval.top_k, step=1, label="Passages to read")
                only = document_picker(handlers, "Only these documents (empty = all)", "cw-only")
                with gr.Row():
                    source_filter = gr.Textbox(label="Source contains", elem_id="cw-filter-source")
                    author_filter = gr.Textbox(label="Author contains", elem_id="cw-filter-author")
                    after_filter = gr.Textbox(label="Dated on or after (YYYY-MM-DD)", elem_id="cw-filter-after")
                    before_filter = gr.Textbox(label="Dated on or before (YYYY-MM-DD)", elem_id="cw-filter-before")
        with gr.Tab("Library"):
            files = gr.File(
                file_count="multiple",
                file_types=list(SUPPORTED_EXTENSIONS),
                label="Upload documents",
                elem_id="cw-upload",
            )
            upload = gr.Button("Index uploaded files", variant="primary", elem_id="cw-index")
            report = gr.HTML("", elem_id="cw-report")
            table = gr.Dataframe(
                value=handlers.documents(),
                headers=DOCUMENT_COLUMNS,
                interactive=False,
                elem_id="cw-documents",
                label="Indexed documents",
            )
            selected = document_picker(handlers, "Select documents", "cw-selected")
            with gr.Row():
                delete = gr.Button("Delete selected", variant="stop", elem_id="cw-delete")
                reindex = gr.Button("Re-index selected (all if none)", elem_id="cw-reindex")
            if assistant.library.queued:  # a shared database: workers index the uploads; their jobs, live
                jobs = gr.HTML(handlers.jobs_html(), elem_id="cw-jobs", label="Ingestion jobs")
                gr.Timer(2.0).tick(handlers.jobs_html, None, jobs, show_progress="hidden")

        def respond(text, state, k_value, only_ids, mode_value, source, author, after, before):
            filters = {"source": source, "author": author, "after": after, "before": before}
            yield from chat_updates(handlers.respond(text, state, int(k_value), only_ids, mode_value, filters))

        def refresh_library(message):
            choices = handlers.document_choices()
            return (message, handlers.documents(), gr.update(choices=choices, value=[]), gr.update(choices=choices))

        def do_upload(paths, progress=gr.Progress()):
            return (*refresh_library(handlers.upload(paths, progress)), None)

        chat_outputs = [conversation, viewer, turns, export, question]
        chat_inputs = [question, turns, k, only, mode, source_filter, author_filter, after_filter, before_filter]
        # One event for Enter and the button, and a question asked while an answer is still finishing runs
        # right after it (Gradio's default drops it).
        gr.on([question.submit, ask.click], respond, chat_inputs, chat_outputs, trigger_mode="always_last")
        for button in example_buttons:
            button.click(lambda text=button.value: text, None, question).then(respond, chat_inputs, chat_outputs)
        library_outputs = [report, table, selected, only]
        # Library changes queue apart from questions (one at a time, like the API's), so a line of uploads
        # never takes the workers that answer.
        library_queue = {"concurrency_limit": 1, "concurrency_id": "library"}
        upload.click(do_upload, [files], [*library_outputs, files], **library_queue)
        delete.click(lambda ids: refresh_library(handlers.delete(ids)), [selected], library_outputs, **library_queue)
        reindex.click(lambda ids: refresh_library(handlers.reindex(ids)), [selected], library_outputs, **library_queue)
        app.load(lambda: refresh_library("")[1:], None, [table, selected, only])
    return app


def chat_updates(views):
    """Gradio output tuples for a stream of ChatViews. The question box is emptied with the first update only:
    what someone types while the answer streams (their next question) must survive the later updates."""
    import gradio as gr

    for number, view in enumerate(views):
        question_box = "" if number == 0 else gr.skip()
        yield view.conversation, view.viewer, view.turns, gr.update(value=view.export_path), question_box


def document_picker(handlers: Handlers, label: str, elem_id: str):
    import gradio as gr

    return gr.Dropdown(choices=handlers.document_choices(), multiselect=True, value=[], label=label, elem_id=elem_id)


def handlers_viewer_empty() -> str:
    from .render import viewer_html

    return viewer_html([], lambda doc_id: "")


def start_workers(assistant: Assistant, count: int) -> list:
    """Ingestion workers in threads of this server (`serve --workers N`), so that a one-server team needs no other
    process; they share the server's encoder. None when files are indexed directly."""
    import threading

    from index.worker import Worker

    if not assistant.library.queued:
        return []
    workers = [Worker(assistant.library, name=f"{Worker.default_name()}/{number}") for number in range(count)]
    for worker in workers:
        threading.Thread(target=worker.run, name=f"citewise-{worker.name}", daemon=True).start()
    return workers


def launch(settings: AppSettings, assistant: Assistant | None = None, block: bool = True):
    """Serve the web UI at / and the API (ui/api.py) in one process; with `block=False`, in a background thread
    (returns the uvicorn server, `should_exit = True` stops it)."""
    import threading
    import time

    import gradio as gr
    import uvicorn

    from .api import create_api
    from .ingest_queue import IngestQueue
    from .ports import free_port

    assistant = assistant or Assistant(settings)
    access = settings.server.access(assistant.accounts)
    settings.server.check_exposure(access)
    assistant.warm_up()  # load the model and open the store now, not on the first question
    queue = IngestQueue(assistant)
    blocks = build_app(assistant, queue, signed_in=access.required)
    blocks.queue(default_concurrency_limit=8)
    # No Gradio auth: the gate in front of the whole app (ui/gate.py) signs people in for the UI and the API.
    app = gr.mount_gradio_app(
        create_api(assistant, access, queue),
        blocks,
        path="/",
        css=CSS,
        max_file_size=settings.ingest.max_file_bytes,
        show_error=False,
        footer_links=[],
        allowed_paths=[str(Path(assistant.settings.storage.path).expanduser().resolve() / PAGES_FOLDER)],
    )
    port = settings.server.port or free_port(settings.server.host)
    # No access log: request lines would carry query strings into logs; keys travel in headers, never logged.
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.server.host, port=port, log_level="warning", access_log=False)
    )
    print(
        f"Citewise web UI on http://{settings.server.host}:{port} (store {settings.storage.path}); API under /api/v1",
        flush=True,
    )
    if settings.server.host in ("0.0.0.0", "::") and not settings.server.allowed_hosts:
        print(
            "Note: only requests addressed to localhost, 127.0.0.1 or ::1 are answered; name this machine's host "
            "names in CITEWISE_ALLOWED_HOSTS to be reached by them.",
            flush=True,
        )
    workers = start_workers(assistant, settings.server.workers)
    if block:
        try:
            server.run()
        finally:
            for worker in workers:
                worker.stop.set()
        return server
    threading.Thread(target=server.run, name="citewise-server", daemon=True).start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server
