"""Options shared by several commands are declared once (ui/cli.py `OptionGroup`, `@takes`): the five metadata
filters on `search` and `ask`, `--store`, `--chroma-url` and `--database-url` on every command of a store."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from ui.cli import FILTERS, STORE, app

FILTER_OPTIONS = {"--title", "--source", "--author", "--after", "--before"}


def options(command: str) -> set[str]:
    return long_options(typer.main.get_command(app).commands[command])


def long_options(click_command) -> set[str]:
    return {name for param in click_command.params for name in param.opts if name.startswith("--")}


def every_command(group=None, path=()) -> dict[str, set[str]]:
    """Each runnable command ("db status", "user add", ...) and its long options."""
    group = group or typer.main.get_command(app)
    found = {}
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found |= every_command(command, (*path, name))
        else:
            found[" ".join((*path, name))] = long_options(command)
    return found


def test_every_command_takes_the_store_chroma_and_database_options():
    """DESIGN.md: every command accepts --store and --chroma-url, and (shared engine) --database-url."""
    commands = every_command()
    assert {"demo", "serve", "worker", "db status", "user add", "key revoke", "collection grant"} <= set(commands)
    missing = {name: {"--store", "--chroma-url", "--database-url"} - opts for name, opts in commands.items()}
    assert {name: gap for name, gap in missing.items() if gap} == {}


def test_the_filter_and_store_options_come_from_one_declaration():
    assert set(FILTERS.options) == {name.removeprefix("--") for name in FILTER_OPTIONS}
    for command in ("search", "ask"):
        assert FILTER_OPTIONS | {"--store", "--chroma-url"} <= options(command)
    for command in ("ingest", "docs", "doctor", "rm", "eval", "serve", "mcp"):
        assert {"--store", "--chroma-url"} <= options(command) and not FILTER_OPTIONS & options(command)
    assert set(STORE.options) == {"store", "chroma_url", "database_url"}


def test_filter_options_become_the_request_s_filters(tmp_path):
    """Checked with the request's own messages before any store is opened."""
    for command, text in (("search", "boats"), ("ask", "How many boats?")):
        result = CliRunner().invoke(app, [command, text, "--after", "notadate", "--store", str(tmp_path / "s")])
        assert result.exit_code == 2
        assert "filter after must be a date such as 2022-09-30, got 'notadate'" in result.output
    assert not (tmp_path / "s").exists()
