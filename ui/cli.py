"""The `citewise` command line (DESIGN.md). Errors become one line on stderr, never a traceback."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from rag.requests import AskRequest, SearchRequest, build
from ui.cli_common import (
    DEMO_STORE,
    FILTERS,
    IN_COLLECTION,
    LISTEN,
    STORE,
    JsonOption,
    Listen,
    Store,
    app,
    fail_cleanly,
    print_json,
    takes,
)


@app.command()
@fail_cleanly
@takes(IN_COLLECTION)
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive) to index.")],
    sync: Annotated[
        bool, typer.Option("--sync", help="Remove documents whose files are gone from the folders.")
    ] = False,
    as_json: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="With a shared database: wait for the workers and report as a direct ingestion does."
        ),
    ] = False,
    *,
    where: Store,
) -> None:
    """Index files and folders; report added, updated, unchanged, removed and failed files. With a shared database
    the files become jobs for the workers (`citewise worker`, `serve --workers`): listed, or waited for (--wait)."""
    from ui.progress import make_progress
    from ui.reports import print_ingest_report, print_queued

    assistant = where.assistant()
    files = [str(p) for p in paths]
    if assistant.library.queued:
        enqueued = assistant.enqueue(files, sync=sync)
        if not wait:
            jobs = [job for job in assistant.jobs(limit=None) if job.batch == enqueued.batch]
            print_queued(enqueued, jobs, as_json)
            raise typer.Exit(0 if not enqueued.settled.failed else 1)
    progress = make_progress(quiet or as_json and not sys.stderr.isatty())
    try:
        if assistant.library.queued:
            stalled = lambda message: typer.echo(f"citewise: {message}", err=True)  # noqa: E731
            report = assistant.wait(enqueued, progress=progress, on_stall=stalled)
        else:
            report = assistant.ingest(files, sync=sync, progress=progress)
    finally:
        if progress:
            progress.close()
    if as_json:
        print_json(report.to_dict())
    else:
        print_ingest_report(report)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
@fail_cleanly
@takes(IN_COLLECTION)
def docs(as_json: JsonOption = False, *, where: Store) -> None:
    """List indexed documents."""
    from ui.reports import print_documents

    assistant = where.assistant()
    documents = assistant.documents()
    encoder = assistant.library.encoder()
    health = assistant.health()
    if as_json:
        print_json({"documents": [d.to_dict() for d in documents], "encoder": encoder, "health": health.to_dict()})
    else:
        print_documents(documents, encoder=encoder)
        for problem in health.problems:
            typer.echo(f"warning: {problem}; `citewise doctor` tells more", err=True)


@app.command()
@fail_cleanly
@takes(IN_COLLECTION)
def doctor(
    repair: Annotated[
        bool, typer.Option("--repair", help="Delete orphan vectors, embed missing ones again, rebuild a broken index.")
    ] = False,
    as_json: JsonOption = False,
    *,
    where: Store,
) -> None:
    """Compare the catalog with the vector store (every id) and probe dense search; exit 1 if they disagree."""
    assistant = where.assistant()
    health = assistant.health(full=True)
    repaired = None
    if repair and not health.ok:
        repaired = assistant.repair()
        health = assistant.health(full=True)
    if as_json:
        print_json({"health": health.to_dict(), "repaired": repaired.to_dict() if repaired else None})
    else:
        typer.echo(
            f"{health.documents} documents, {health.chunks} chunks, {health.vectors} vectors; "
            f"keyword index {health.keyword_index}"
        )
        if repaired:
            typer.echo(
                f"repaired: {repaired.removed_orphans} orphan vectors removed, {repaired.embedded_again} chunks "
                f"embedded again{', vector index rebuilt' if repaired.rebuilt_index else ''}"
            )
        for problem in health.problems:
            typer.echo(f"problem: {problem}")
        typer.echo("ok: the catalog and the vector store agree" if health.ok else "run `citewise doctor --repair`")
    raise typer.Exit(0 if health.ok else 1)


@app.command()
@fail_cleanly
@takes(IN_COLLECTION)
def rm(
    keys: Annotated[list[str], typer.Argument(metavar="DOC_ID_OR_PATH...", help="Document ids or source paths.")],
    *,
    where: Store,
) -> None:
    """Remove documents and all their chunks."""
    from ui.pages import forget_pages

    assistant = where.assistant()
    removed = assistant.remove(keys)
    forget_pages(assistant.settings.storage.path, removed)
    for doc_id in removed:
        typer.echo(f"removed {doc_id}")


@app.command()
@fail_cleanly
@takes(FILTERS, IN_COLLECTION)
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[
        int | None, typer.Option("-k", help="Number of passages (default: retrieval.top_k, 5).", min=1, max=100)
    ] = None,
    as_json: JsonOption = False,
    *,
    filters: dict[str, str] | None,
    where: Store,
) -> None:
    """Ranked passages with scores and offsets (no answer)."""
    from ui.answers import print_passages

    request = build(SearchRequest, query=query, k=k, filters=filters)
    assistant = where.assistant()
    assistant.prepare_to_answer()
    passages = assistant.search(request)
    if as_json:
        print_json({"query": query, "passages": [p.to_dict() for p in passages]})
    else:
        print_passages(passages)


@app.command()
@fail_cleanly
@takes(FILTERS, IN_COLLECTION)
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: JsonOption = False,
    k: Annotated[int | None, typer.Option("-k", help="Passages to answer from.", min=1, max=50)] = None,
    llm: Annotated[str | None, typer.Option("--llm", help="Chat model as PROVIDER:MODEL.")] = None,
    llm_base_url: Annotated[str | None, typer.Option("--llm-base-url", help="OpenAI-compatible server URL.")] = None,
    *,
    filters: dict[str, str] | None,
    where: Store,
) -> None:
    """Answer a question with citations to exact spans of your documents."""
    from ui.answers import print_answer

    request = build(AskRequest, question=question, filters=filters)
    assistant = where.assistant(top_k=k, llm=llm, llm_base_url=llm_base_url)
    assistant.prepare_to_answer()
    if as_json:
        print_json(assistant.ask(request).to_dict())
        return
    answer = None
    for event in assistant.stream(request):
        if isinstance(event, str):
            typer.echo(event, nl=False)
        else:
            answer = event
    typer.echo("")
    checked_differs = answer.mode == "llm" or answer.notices
    if checked_differs:
        typer.echo("\nChecked answer:")
    print_answer(answer, assistant, text_already_shown=not checked_differs)


@app.command(name="eval")
@fail_cleanly
@takes(IN_COLLECTION)
def evaluate(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder with docs/ and questions.jsonl.")],
    as_json: JsonOption = False,
    k: Annotated[int, typer.Option("-k", help="Cut-off of the ranking metrics.", min=1, max=50)] = 5,
    *,
    where: Store,
) -> None:
    """Evaluate retrieval, answers, citations and abstention on a dataset. Its documents are indexed into a store
    of their own beside this one, or with --collection into that collection of this store (made first with
    `citewise collection create`), whose documents alone answer."""
    from index.collections import Collections
    from rag.evaluation import eval_store
    from rag.evaluation import evaluate as run_evaluation
    from ui.answers import print_evaluation

    if where.collection is not None:
        database, _ = where.database()
        Collections(database).get(where.collection)  # a clear error before the model loads
        assistant = where.assistant()
    else:
        base = where.settings().storage.path
        collection = f"eval-{dataset.resolve().name}"[:60]
        assistant = Store(eval_store(base, dataset), where.chroma_url).assistant(chroma_collection=collection)
    result = run_evaluation(assistant, dataset, k=k)
    if as_json:
        print_json(result)
    else:
        print_evaluation(result)


@app.command()
@fail_cleanly
@takes(LISTEN, STORE)
def serve(
    auth: Annotated[str | None, typer.Option("--auth", help="Require login USER:PASSWORD.")] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Ingestion workers inside the server with a shared database (default 1)."),
    ] = None,
    *,
    listen: Listen,
    where: Store,
) -> None:
    """Start the web UI and the HTTP API (/api/v1, OpenAI-compatible /v1, docs at /api/docs)."""
    from ui.web import launch

    launch(where.settings(**listen.settings(), auth=auth, workers=workers))


@app.command()
@fail_cleanly
@takes(STORE)
def mcp(
    port: Annotated[
        int | None, typer.Option("--port", help="Serve streamable HTTP on this port (default: stdio).")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address for --port.")] = "127.0.0.1",
    *,
    where: Store,
) -> None:
    """Serve the tools search, ask and get_passage over MCP (stdio, or streamable HTTP with --port; then the keys
    of users (`citewise key create`), of CITEWISE_API_KEYS, or --auth's login, are required as
    `Authorization: Bearer KEY` once any is configured)."""
    from rag import Assistant
    from ui.mcp_server import run

    settings = where.settings(host=host)
    assistant = Assistant(settings)
    access = settings.server.access(assistant.accounts)
    if port is not None:
        settings.server.check_exposure(access)
    assistant.warm_up()
    run(assistant, port=port, host=host, access=access)


@app.command()
@fail_cleanly
@takes(LISTEN, DEMO_STORE)
def demo(
    no_browser: Annotated[bool, typer.Option("--no-serve", help="Only index the sample corpus.")] = False,
    *,
    listen: Listen,
    where: Store,
) -> None:
    """Index the bundled sample corpus into a demo store and start the web UI on it. The demo indexes in its own
    process, also with --database-url (no worker needed)."""
    from ui.web import launch

    settings = where.settings(**listen.settings(), ingest_mode="direct")
    from rag import Assistant

    assistant = Assistant(settings)
    report = assistant.ingest(demo_corpus_files())
    typer.echo(
        f"demo: {len(assistant.documents())} sample documents indexed in {settings.storage.path} "
        f"({len(report.added)} added, {len(report.unchanged)} unchanged)"
    )
    if not no_browser:
        launch(settings, assistant=assistant)


def demo_corpus_files() -> list[Path]:
    """The sample articles shipped in the `demo_corpus` package (its .txt files, not its Python files)."""
    import demo_corpus

    return sorted(Path(next(iter(demo_corpus.__path__))).glob("*.txt"))


# Commands that write nothing but stdout, stderr and committed database rows.
READ_ONLY_COMMANDS = frozenset({"docs", "search", "ask", "jobs"})


def main() -> None:
    if os.environ.get("CITEWISE_DEBUG"):  # tracebacks of files that failed to index, and of bugs
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    try:
        app()
    except SystemExit as done:
        if len(sys.argv) > 1 and sys.argv[1] in READ_ONLY_COMMANDS:
            exit_without_teardown(done.code)
        raise


def exit_without_teardown(code: int | str | None) -> None:
    """Exit at once, skipping the interpreter's teardown of Chroma, SQLAlchemy and LangChain: ~0.45 s of a
    1.7 s `citewise docs` here (measured with and without `os._exit`). Only for read-only commands, whose
    output is all in stdout and stderr, flushed here; a writing command leaves through the normal teardown."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a reader that closed the pipe early, as `| head` does
            stream.flush()
    os._exit(code or 0)


from ui import cli_accounts, cli_collections, cli_team  # noqa: E402, F401 - register their commands on the app

if __name__ == "__main__":
    main()
