"""The `citewise` command line (DESIGN.md). Errors become one line on stderr, never a traceback."""

from __future__ import annotations

import functools
import inspect
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from index.errors import CitewiseError
from rag.requests import AskRequest, FilterFields, SearchRequest, build

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Citewise: answers from your documents, every statement with a checkable citation.",
)

StoreOption = Annotated[Path | None, typer.Option("--store", help="Store directory (default ~/.citewise).")]
ChromaOption = Annotated[str | None, typer.Option("--chroma-url", help="Chroma server URL (http://HOST:PORT).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


@dataclass(frozen=True)
class OptionGroup:
    """Options declared once and added by `@takes(GROUP)` to every command that accepts them; the command gets one
    value built from them, as its keyword parameter `name` (simonw/llm's `tool_options`, for typer)."""

    name: str
    options: dict[str, Any]
    """Parameter name -> its `Annotated[type, typer.Option(...)]`; each defaults to None."""
    build: Callable[..., Any]


def takes(*groups: OptionGroup):
    """Add each group's options to the command's signature (after its own parameters, as typer reads it) and call
    the command with each group's value in place of its options."""

    def decorate(command):
        signature = inspect.signature(command, eval_str=True)
        replaced = {group.name for group in groups}
        own = [p for p in signature.parameters.values() if p.name not in replaced]
        added = [
            inspect.Parameter(option, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
            for group in groups
            for option, annotation in group.options.items()
        ]

        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            for group in groups:
                kwargs[group.name] = group.build(**{option: kwargs.pop(option, None) for option in group.options})
            return command(*args, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=[*own, *added])
        wrapper.__annotations__ = {p.name: p.annotation for p in wrapper.__signature__.parameters.values()}
        return wrapper

    return decorate


def _given_filters(**values: str | None) -> dict[str, str] | None:
    given = {name: value for name, value in values.items() if value is not None}
    return given or None


FILTERS = OptionGroup(
    "filters",
    {
        name: Annotated[str | None, typer.Option(f"--{name}", help=field.description)]
        for name, field in FilterFields.model_fields.items()
    },
    _given_filters,
)
"""--title --source --author --after --before, as the `filters` dict of a request (None when none is given)."""


@dataclass(frozen=True)
class Store:
    """Where the documents are (--store, --chroma-url; None: the settings' defaults)."""

    store: Path | None = None
    chroma_url: str | None = None

    def settings(self, **extra):
        return settings_for(self.store, self.chroma_url, **extra)

    def assistant(self, **extra):
        return open_assistant(self.store, self.chroma_url, **extra)


STORE = OptionGroup("where", {"store": StoreOption, "chroma_url": ChromaOption}, Store)
"""--store and --chroma-url, as one `Store`."""


class CliError(Exception):
    """A usage problem found by the CLI itself (exit code 2)."""


def fail_cleanly(command):
    """Turn Citewise and settings errors into one clear line and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (CitewiseError, CliError) as exc:
            _error(str(exc))
        except ValidationError as exc:
            from ui.settings import AppSettings

            problems = "; ".join(f"{AppSettings.describe(e['loc'])}: {e['msg']}" for e in exc.errors())
            _error(f"invalid setting: {problems}")
        except KeyboardInterrupt:
            _error("interrupted")
        except typer.Exit:
            raise
        except Exception as exc:  # a bug: still one line, the traceback on request
            if os.environ.get("CITEWISE_DEBUG"):
                raise
            _error(f"unexpected {type(exc).__name__}: {exc} (set CITEWISE_DEBUG=1 for the traceback)")

    return wrapper


def _error(message: str) -> None:
    typer.echo(f"citewise: error: {message}", err=True)
    raise typer.Exit(2)


def settings_for(store: Path | None, chroma_url: str | None, **extra):
    from ui.settings import AppSettings

    given = {"store": store, "chroma_url": chroma_url, **extra}
    return AppSettings(**{k: v for k, v in given.items() if v is not None})


def open_assistant(store: Path | None, chroma_url: str | None, **extra):
    from rag import Assistant

    return Assistant(settings_for(store, chroma_url, **extra))


def print_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
@fail_cleanly
@takes(STORE)
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive) to index.")],
    sync: Annotated[
        bool, typer.Option("--sync", help="Remove documents whose files are gone from the folders.")
    ] = False,
    as_json: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    *,
    where: Store,
) -> None:
    """Index files and folders; report added, updated, unchanged, removed and failed files."""
    from ui.progress import make_progress
    from ui.reports import print_ingest_report

    assistant = where.assistant()
    progress = make_progress(quiet or as_json and not sys.stderr.isatty())
    try:
        report = assistant.ingest([str(p) for p in paths], sync=sync, progress=progress)
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
@takes(STORE)
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
@takes(STORE)
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
@takes(STORE)
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
@takes(FILTERS, STORE)
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
@takes(FILTERS, STORE)
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
@takes(STORE)
def evaluate(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder with docs/ and questions.jsonl.")],
    as_json: JsonOption = False,
    k: Annotated[int, typer.Option("-k", help="Cut-off of the ranking metrics.", min=1, max=50)] = 5,
    *,
    where: Store,
) -> None:
    """Evaluate retrieval, answers, citations and abstention on a dataset."""
    from rag.evaluation import eval_store
    from rag.evaluation import evaluate as run_evaluation
    from ui.answers import print_evaluation

    base = where.settings().storage.path
    collection = f"eval-{dataset.resolve().name}"[:60]
    assistant = Store(eval_store(base, dataset), where.chroma_url).assistant(collection=collection)
    result = run_evaluation(assistant, dataset, k=k)
    if as_json:
        print_json(result)
    else:
        print_evaluation(result)


@app.command()
@fail_cleanly
@takes(STORE)
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 7860).")] = None,
    auth: Annotated[str | None, typer.Option("--auth", help="Require login USER:PASSWORD.")] = None,
    *,
    where: Store,
) -> None:
    """Start the web UI and the HTTP API (/api/v1, OpenAI-compatible /v1, docs at /api/docs)."""
    from ui.web import launch

    launch(where.settings(host=host, port=port, auth=auth))


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
    of CITEWISE_API_KEYS, or --auth's login, are required as `Authorization: Bearer KEY`)."""
    from ui.mcp_server import run

    settings = where.settings(host=host)
    from rag import Assistant

    assistant = Assistant(settings)
    assistant.warm_up()
    run(assistant, port=port, host=host, access=settings.server.access())


@app.command()
@fail_cleanly
def demo(
    host: Annotated[str | None, typer.Option("--host", help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 7860).")] = None,
    store: Annotated[Path | None, typer.Option("--store", help="Demo store (default ~/.citewise-demo).")] = None,
    chroma_url: ChromaOption = None,
    no_browser: Annotated[bool, typer.Option("--no-serve", help="Only index the sample corpus.")] = False,
) -> None:
    """Index the bundled sample corpus into a demo store and start the web UI on it."""
    from ui.web import launch

    settings = settings_for(store or Path("~/.citewise-demo"), chroma_url, host=host, port=port)
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


def main() -> None:
    if os.environ.get("CITEWISE_DEBUG"):  # tracebacks of files that failed to index, and of bugs
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
