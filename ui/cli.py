"""The `citewise` command line (DESIGN.md). Errors become one line on stderr, never a traceback."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from index.errors import CitewiseError

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="Citewise: answers from your documents, every statement with a checkable citation.")

StoreOption = Annotated[Path | None, typer.Option("--store", help="Store directory (default ~/.citewise).")]
ChromaOption = Annotated[str | None, typer.Option("--chroma-url", help="Chroma server URL (http://HOST:PORT).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


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
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
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
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive) to index.")],
    sync: Annotated[bool, typer.Option("--sync", help="Remove documents whose files are gone from the folders.")]
    = False,
    as_json: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
) -> None:
    """Index files and folders; report added, updated, unchanged, removed and failed files."""
    from ui.progress import make_progress
    from ui.reports import print_ingest_report

    assistant = open_assistant(store, chroma_url)
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
def docs(as_json: JsonOption = False, store: StoreOption = None, chroma_url: ChromaOption = None) -> None:
    """List indexed documents."""
    from ui.reports import print_documents

    documents = open_assistant(store, chroma_url).documents()
    if as_json:
        print_json({"documents": [d.to_dict() for d in documents]})
    else:
        print_documents(documents)


@app.command()
@fail_cleanly
def rm(
    keys: Annotated[list[str], typer.Argument(metavar="DOC_ID_OR_PATH...", help="Document ids or source paths.")],
    store: StoreOption = None,
    chroma_url: ChromaOption = None,
) -> None:
    """Remove documents and all their chunks."""
    removed = open_assistant(store, chroma_url).remove(keys)
    for doc_id in removed:
        typer.echo(f"removed {doc_id}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
