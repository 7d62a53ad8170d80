"""Read-only commands leave without the interpreter's teardown (ui.cli.exit_without_teardown): their output,
exit code and error message must still arrive whole, through a pipe too."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.helpers.cli import CITEWISE, cli_env, run_cli

pytestmark = pytest.mark.integration


def test_output_and_exit_codes_survive_the_fast_exit(tmp_path):
    store = tmp_path / "store"
    listed = run_cli("docs", "--json", "--store", store)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["documents"] == []

    empty_question = run_cli("ask", "", "--store", store)
    assert empty_question.returncode != 0
    assert "question is empty" in empty_question.stderr

    usage = run_cli("search", "--no-such-option", "--store", store)
    assert usage.returncode == 2
    assert "--no-such-option" in usage.stderr


def test_a_reader_that_closes_the_pipe_early_gets_no_traceback(tmp_path):
    store = tmp_path / "store"
    shell = f"{CITEWISE} docs --json --store {store} | head -c 1"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=cli_env(), timeout=120)
    assert result.stdout == "{"
    assert "Traceback" not in result.stderr
