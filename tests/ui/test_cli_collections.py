"""`citewise collection ...` and `--collection` through the real console script (issue 24): documents indexed
into one collection are listed, searched and answered there only; grants are listed; removing a collection takes
its documents and leaves the rest."""

from __future__ import annotations

import pytest

from helpers.cli import run_cli, run_json
from helpers.corpora import DEMO_CORPUS

pytestmark = pytest.mark.integration


def test_collections_from_the_command_line(tmp_path):
    store = str(tmp_path / "store")
    koffler, ukraine = sorted(DEMO_CORPUS.glob("*.txt"))
    assert run_cli("collection", "create", "legal", "--store", store).returncode == 0
    assert run_cli("ingest", koffler, "--collection", "legal", "--store", store, "--quiet").returncode == 0
    assert run_cli("ingest", ukraine, "--store", store, "--quiet").returncode == 0

    _, in_legal = run_json("docs", "--collection", "legal", "--store", store)
    _, in_default = run_json("docs", "--store", store)
    assert [d["source"] for d in in_legal["documents"]] == [str(koffler)]
    assert [d["source"] for d in in_default["documents"]] == [str(ukraine)]
    legal_ids = {d["doc_id"] for d in in_legal["documents"]}
    _, found = run_json("search", "mobilization reservists", "--collection", "legal", "--store", store)
    assert found["passages"] and {p["doc_id"] for p in found["passages"]} == legal_ids
    _, answer = run_json("ask", "How many reservists were called up?", "--collection", "legal", "--store", store)
    assert {c["doc_id"] for c in answer["citations"]} <= legal_ids

    from index.accounts import Accounts
    from index.db import open_database

    Accounts(open_database(f"sqlite:///{store}/citewise.db", store, 0.0, 1, True)).add_user("lee", "long password")
    assert run_cli("collection", "grant", "legal", "lee", "--role", "editor", "--store", store).returncode == 0
    _, listed = run_json("collection", "list", "--store", store)
    assert listed["collections"] == [
        {"name": "default", "documents": 1, "grants": {}},
        {"name": "legal", "documents": 1, "grants": {"lee": "editor"}},
    ]
    wrong = run_cli("collection", "grant", "legal", "lee", "--role", "owner", "--store", store)
    assert wrong.returncode == 2 and "role 'owner'" in wrong.stderr
    missing = run_cli("docs", "--collection", "nosuch", "--store", store)
    assert missing.returncode == 2 and "no collection is called 'nosuch'" in missing.stderr

    assert run_cli("collection", "remove", "legal", "--store", store).returncode == 0
    _, after = run_json("collection", "list", "--store", store)
    assert [c["name"] for c in after["collections"]] == ["default"]
    assert run_json("docs", "--store", store)[1]["documents"] == in_default["documents"]
    refused = run_cli("collection", "remove", "default", "--store", store)
    assert refused.returncode == 2 and "cannot be removed" in refused.stderr
