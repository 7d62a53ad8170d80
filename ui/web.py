"""The Gradio web UI: chat with linked citations, a source viewer, the document library and settings.

`build_app` only builds; `launch` (called by `citewise serve` / `citewise demo`) starts the server, bound to
127.0.0.1 unless told otherwise, analytics off.
"""

from __future__ import annotations

from html import escape

import gradio as gr

from index.collections import DEFAULT
from index.errors import CitewiseError
from index.loaders import SUPPORTED_EXTENSIONS
from rag import Assistant

from .gate import Access
from .handlers import DOCUMENT_COLUMNS, Handlers
from .render import CSS
from .settings import AppSettings
from .web_access import WebAccess
from .web_admin import Administration, build_admin_tab
from .web_chat import ChatEvents, empty_viewer
from .web_conversations import Opened

EXAMPLES = ["How many reservists were called up?", "How many protesters were detained?"]
INTRO = """### Ask your documents — every statement comes with a citation you can check
Upload files in the **Library** tab (txt, md, html, pdf, docx), or ask about the sample corpus, for example
*{0}* or *{1}*. Click a marker like **[1]** to see the exact passage highlighted in its document."""
READ_CONVERSATION = "() => window.sessionStorage.getItem('citewise.conversation') || ''"
"""The open conversation's id is kept in the tab's session storage, so that a reload reopens it (not in the
address: Gradio's <base href> makes the citation markers' `#fragment` links drop a query string)."""
WRITE_CONVERSATION = """(id) => { if (id) { window.sessionStorage.setItem('citewise.conversation', id); }
  else { window.sessionStorage.removeItem('citewise.conversation'); } }"""


def build_app(assistant: Assistant, queue=None, access: Access | None = None):
    """The Blocks app; `queue` (ui/ingest_queue.py) is shared with the API, `access` (ui/gate.py) says whether
    people sign in. Each event acts as the signed-in person, in a collection they may read (ui/web_access.py):
    nothing of a collection is put in the page before the person's own load event asks for it."""
    access = access or Access()
    handlers = Handlers(assistant, queue)
    people = WebAccess(handlers, access)
    chat = ChatEvents(handlers, people)
    llm_ready = bool(assistant.settings.llm.model)

    with gr.Blocks(title="Citewise", analytics_enabled=False) as app:
        turns = gr.State([])
        opened = gr.State(Opened())
        with gr.Row(elem_id="cw-header"):
            collection = gr.Dropdown(
                choices=[],
                value=None,
                label="Collection",
                elem_id="cw-collection",
                scale=1,
                min_width=200,
                visible=False,
            )
            who = gr.HTML("", elem_id="cw-who")
        with gr.Tab("Ask"):
            gr.Markdown(INTRO.format(*EXAMPLES), elem_id="cw-intro")
            with gr.Row():
                with gr.Column(scale=1, min_width=220):
                    new_chat = gr.Button("New conversation", size="sm", elem_id="cw-new-conversation")
                    history = gr.Radio(choices=[], value=None, label="Your conversations", elem_id="cw-conversations")
                    title = gr.Textbox(label="Title", max_lines=1, elem_id="cw-conversation-title")
                    with gr.Row():
                        rename = gr.Button("Rename", size="sm", elem_id="cw-rename")
                        forget = gr.Button("Delete", size="sm", variant="stop", elem_id="cw-delete-conversation")
                    opened_id = gr.Textbox("", visible=False, elem_id="cw-conversation-id")
                with gr.Column(scale=3):
                    conversation = gr.HTML("", elem_id="cw-conversation")
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask a question about your documents…",
                            show_label=False,
                            scale=5,
                            elem_id="cw-question",
                            max_length=assistant.settings.questions.max_chars,
                            interactive=False,
                        )
                        ask = gr.Button("Ask", variant="primary", scale=1, elem_id="cw-ask", interactive=False)
                    with gr.Row():
                        example_buttons = [
                            gr.Button(text, size="sm", elem_classes=["cw-example"], interactive=False)
                            for text in EXAMPLES
                        ]
                    export = gr.DownloadButton(
                        "Download conversation (Markdown)", value=None, size="sm", elem_id="cw-export"
                    )
                with gr.Column(scale=2):
                    gr.Markdown("#### Source viewer")
                    viewer = gr.HTML(empty_viewer(), elem_id="cw-viewer")
            with gr.Accordion("Settings", open=False):
                mode = gr.Radio(
                    ["extractive", "llm"] if llm_ready else ["extractive"],
                    value="extractive",
                    label="Answer mode" + ("" if llm_ready else " (configure --llm to enable LLM mode)"),
                )
                k = gr.Slider(1, 20, value=assistant.settings.retrieval.top_k, step=1, label="Passages to read")
                only = document_picker("Only these documents (empty = all)", "cw-only")
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
                value=[],
                headers=DOCUMENT_COLUMNS,
                interactive=False,
                elem_id="cw-documents",
                label="Indexed documents",
            )
            selected = document_picker("Select documents", "cw-selected")
            with gr.Row():
                delete = gr.Button("Delete selected", variant="stop", elem_id="cw-delete")
                reindex = gr.Button("Re-index selected (all if none)", elem_id="cw-reindex")
            if assistant.library.queued:  # a shared database: workers index the uploads; their jobs, live
                jobs = gr.HTML("", elem_id="cw-jobs", label="Ingestion jobs")

                def jobs_panel(request: gr.Request) -> str:
                    return handlers.jobs_html(people.readable_ids(request))

                gr.Timer(2.0).tick(jobs_panel, None, jobs, show_progress="hidden")
        admin_tab, admin_load, admin_outputs = build_admin_tab(Administration(people))

        def library(name, message: str, request) -> tuple:
            """The Library tab and the document pickers of collection `name`, as the asker may see it."""
            try:
                scoped = people.in_collection(request, name)
                rows, choices = scoped.documents(), scoped.document_choices()
            except CitewiseError as exc:
                rows, choices, message = [], [], message or f"<p>{escape(str(exc))}</p>"
            return message, rows, gr.update(choices=choices, value=[]), gr.update(choices=choices, value=[])

        def change_library(action):
            def run(name, value, request: gr.Request, progress=gr.Progress()):
                try:
                    scoped = people.in_collection(request, name, write=True)
                    message = action(scoped, value, progress)
                except CitewiseError as exc:
                    message = f"<p>{escape(str(exc))}</p>"
                return library(name, message, request)

            return run

        def load(wanted, request: gr.Request) -> tuple:
            """The page as this person may see it: their collections, their conversation list, the library, and
            the conversation the tab had open if it is theirs (or a note that no collection is shared with them)."""
            roles = people.collection_roles(request)
            found = chat.reopen(wanted, request)
            chosen = found.collection if found.collection in roles else DEFAULT if DEFAULT in roles else None
            chosen = chosen or next(iter(roles), None)
            choices = [(f"{n} ({r})", n) for n, r in roles.items()]
            # One collection (a newcomer's `default`): nothing to choose, the page stays as simple as it was.
            picker = gr.update(choices=choices, value=chosen, visible=len(roles) > 1)
            shelf = library(chosen, "" if roles else NO_COLLECTION, request)
            enabled = [gr.update(interactive=True)] * len(asking)
            return (picker, who_html(people.signed_in(request), access.required), *found.updates, *shelf, *enabled)

        def respond(
            text,
            answers,
            state,
            name,
            k_value,
            only_ids,
            mode_value,
            source,
            author,
            after,
            before,
            request: gr.Request,
        ):
            filters = {"source": source, "author": author, "after": after, "before": before}
            yield from chat.respond(text, answers, state, name, k_value, only_ids, mode_value, filters, request)

        def reopen(conversation_id, request: gr.Request) -> tuple:
            found = chat.reopen(conversation_id, request)
            return (*found.updates, found.collection or gr.skip())

        def blank(request: gr.Request) -> tuple:
            return chat.blank(request)

        def rename_conversation(text, answers, state, request: gr.Request) -> tuple:
            return chat.rename(text, answers, state, request)

        def delete_conversation(state, request: gr.Request) -> tuple:
            return chat.delete(state, request)

        def shelf(name, request: gr.Request) -> tuple:
            return library(name, "", request)

        chat_outputs = [conversation, viewer, turns, export, question, opened, history, title, opened_id]
        chat_inputs = [
            question,
            turns,
            opened,
            collection,
            k,
            only,
            mode,
            source_filter,
            author_filter,
            after_filter,
            before_filter,
        ]
        library_outputs = [report, table, selected, only]
        # Asking is enabled by the page's load event (the question box by its first chat update): a question
        # asked before that event ends would be wiped by the conversation it puts in place, under load seconds
        # later, turns and all.
        asking = [ask, *example_buttons]
        remember = {"fn": None, "inputs": [opened_id], "outputs": None, "js": WRITE_CONVERSATION}
        # One event for Enter and the button, and a question asked while an answer is still finishing runs
        # right after it (Gradio's default drops it).
        gr.on([question.submit, ask.click], respond, chat_inputs, chat_outputs, trigger_mode="always_last").then(
            **remember
        )
        for button in example_buttons:
            button.click(lambda text=button.value: text, None, question).then(respond, chat_inputs, chat_outputs).then(
                **remember
            )
        history.input(reopen, [history], [*chat_outputs, collection], api_name="open_conversation").then(
            shelf, [collection], library_outputs
        ).then(**remember)
        new_chat.click(blank, None, chat_outputs).then(**remember)
        rename.click(rename_conversation, [title, turns, opened], chat_outputs)
        forget.click(delete_conversation, [opened], chat_outputs).then(**remember)
        collection.input(blank, None, chat_outputs).then(shelf, [collection], library_outputs).then(**remember)
        # Library changes queue apart from questions (one at a time, like the API's), so a line of uploads
        # never takes the workers that answer.
        library_queue = {"concurrency_limit": 1, "concurrency_id": "library"}
        upload.click(
            change_library(lambda scoped, paths, progress: scoped.upload(paths, progress)),
            [collection, files],
            library_outputs,
            **library_queue,
        ).then(lambda: None, None, files)
        delete.click(
            change_library(lambda scoped, ids, _: scoped.delete(ids)),
            [collection, selected],
            library_outputs,
            **library_queue,
        )
        reindex.click(
            change_library(lambda scoped, ids, _: scoped.reindex(ids)),
            [collection, selected],
            library_outputs,
            **library_queue,
        )
        app.load(
            load,
            [opened_id],
            [collection, who, *chat_outputs, *library_outputs, *asking],
            js=READ_CONVERSATION,
            api_name="load_page",
        ).then(**remember)
        app.load(admin_load, None, admin_outputs)
    return app


NO_COLLECTION = "<p>No collection is shared with you yet: ask an administrator to grant you one.</p>"


def who_html(principal, required: bool) -> str:
    if not required:
        return ""
    name = escape(principal.name) if principal is not None else "?"
    return f'<div class="cw-who">Signed in as <b>{name}</b> · <a href="/logout" id="cw-sign-out">Sign out</a></div>'


def document_picker(label: str, elem_id: str):
    return gr.Dropdown(choices=[], multiselect=True, value=[], label=label, elem_id=elem_id)


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

    import uvicorn

    from .api import create_api
    from .ingest_queue import IngestQueue
    from .ports import free_port

    assistant = assistant or Assistant(settings)
    access = settings.server.access(assistant.accounts)
    settings.server.check_exposure(access)
    assistant.warm_up()  # load the model and open the store now, not on the first question
    queue = IngestQueue(assistant)
    blocks = build_app(assistant, queue, access)
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
