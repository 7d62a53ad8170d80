"""What every `citewise` command shares: the app, option groups declared once (--store, --chroma-url,
--database-url, the filters), settings built from them, and errors turned into one line on stderr."""

from __future__ import annotations

import functools
import inspect
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from index.errors import CitewiseError
from rag.requests import FilterFields

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Citewise: answers from your documents, every statement with a checkable citation.",
)

StoreOption = Annotated[Path | None, typer.Option("--store", help="Store directory (default ~/.citewise).")]
ChromaOption = Annotated[str | None, typer.Option("--chroma-url", help="Chroma server URL (http://HOST:PORT).")]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Database URL (default sqlite:///STORE/citewise.db; postgresql://USER:PASSWORD@HOST:PORT/DB for a team).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
CollectionOption = Annotated[
    str | None, typer.Option("--collection", help="The collection of documents to act on (default: default).")
]


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
    """Where the documents are (--store, --chroma-url, --database-url; None: the settings' defaults)."""

    store: Path | None = None
    chroma_url: str | None = None
    database_url: str | None = None
    collection: str | None = None

    def settings(self, **extra):
        given = {"database_url": self.database_url, "collection": self.collection} | extra
        return settings_for(self.store, self.chroma_url, **given)

    def assistant(self, **extra):
        given = {"database_url": self.database_url, "collection": self.collection} | extra
        return open_assistant(self.store, self.chroma_url, **given)

    def database(self, auto_upgrade: bool = True):
        """The store's database alone (no Chroma, no model), with its settings; migrated to this release's schema
        unless `auto_upgrade` is off (then opened as it is, for `db status` and `db upgrade`)."""
        from index.db import Database, open_database

        settings = self.settings(database_auto_upgrade=auto_upgrade)
        database = settings.database
        url = database.resolved_url(settings.storage.path)
        if not auto_upgrade:
            return Database(url, pool_size=1), settings
        return open_database(url, settings.storage.path, database.poll_seconds, 1, True), settings


STORE = OptionGroup("where", {"store": StoreOption, "chroma_url": ChromaOption, "database_url": DatabaseOption}, Store)
"""--store, --chroma-url and --database-url, as one `Store`."""


@dataclass(frozen=True)
class Listen:
    """Where a server listens (--host, --port; None: the settings' defaults, 127.0.0.1:7860)."""

    host: str | None = None
    port: int | None = None

    def settings(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port}


LISTEN = OptionGroup(
    "listen",
    {
        "host": Annotated[str | None, typer.Option("--host", help="Address to bind (default 127.0.0.1).")],
        "port": Annotated[int | None, typer.Option("--port", help="Port (default 7860).")],
    },
    Listen,
)
"""--host and --port of the web UI and HTTP API (`serve`, `demo`), as one `Listen`."""
DEMO_STORE_DIR = Path("~/.citewise-demo")
DEMO_STORE = OptionGroup(
    "where",
    {
        **STORE.options,
        "store": Annotated[Path | None, typer.Option("--store", help="Demo store (default ~/.citewise-demo).")],
    },
    lambda store, chroma_url, database_url: Store(store or DEMO_STORE_DIR, chroma_url, database_url),
)
"""STORE for `citewise demo`, whose store is its own unless --store names one."""
IN_COLLECTION = OptionGroup("where", {**STORE.options, "collection": CollectionOption}, Store)
"""STORE and --collection, as one `Store`: for the commands that read or change one collection's documents."""


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
