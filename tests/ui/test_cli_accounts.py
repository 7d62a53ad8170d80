"""`citewise user ...` and `citewise key ...` through the real console script: passwords only from a prompt or
stdin, a key printed once as {"id", "key"}, never listed again, and clear errors naming the user or key."""

from __future__ import annotations

import json
import subprocess

import pytest

from helpers.cli import CITEWISE, cli_env, run_cli, run_json

pytestmark = pytest.mark.integration


def _with_stdin(*args: str, text: str) -> subprocess.CompletedProcess:
    command = [CITEWISE, *map(str, args)]
    return subprocess.run(command, input=text, capture_output=True, text=True, env=cli_env(), timeout=120)


def test_users_and_keys_from_the_command_line(tmp_path):
    store = str(tmp_path / "store")
    added = _with_stdin("user", "add", "ops", "--admin", "--password-stdin", "--store", store, text="long enough pw\n")
    assert added.returncode == 0, added.stderr
    assert (
        _with_stdin("user", "add", "viv", "--password-stdin", "--store", store, text="also long pw\n").returncode == 0
    )
    code, listed = run_json("user", "list", "--store", store)
    assert code == 0 and [(u["name"], u["admin"]) for u in listed["users"]] == [("ops", True), ("viv", False)]

    code, made = run_json("key", "create", "viv", "--store", store)
    assert code == 0 and set(made) == {"id", "key"} and made["key"].startswith(f"cw_{made['id']}_")
    code, keys = run_json("key", "list", "viv", "--store", store)
    assert [k["id"] for k in keys["keys"]] == [made["id"]]
    assert made["key"].split("_", 2)[2] not in json.dumps(keys)
    database = (tmp_path / "store" / "citewise.db").read_bytes()
    assert made["key"].split("_", 2)[2].encode() not in database and b"also long pw" not in database

    short = _with_stdin("user", "passwd", "viv", "--password-stdin", "--store", store, text="short\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    duplicate = _with_stdin("user", "add", "viv", "--password-stdin", "--store", store, text="long enough pw\n")
    assert duplicate.returncode == 2 and "'viv' exists already" in duplicate.stderr
    assert "'nope'" in run_cli("key", "revoke", "nope", "--store", store).stderr
    assert run_cli("key", "revoke", made["id"], "--store", store).returncode == 0
    assert run_json("key", "list", "viv", "--store", store)[1]["keys"] == []
    assert run_cli("user", "remove", "viv", "--store", store).returncode == 0
    missing = run_cli("user", "remove", "viv", "--store", store)
    assert missing.returncode == 2 and "no user is called 'viv'" in missing.stderr
