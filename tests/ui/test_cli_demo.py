"""`citewise demo` on a team's database: the sample articles are indexed by the demo's own process (no worker runs),
into the database --database-url names and not into a file of the demo store."""

from __future__ import annotations

import pytest

from helpers.cli import run_cli, run_json

pytestmark = pytest.mark.integration


def test_the_demo_indexes_into_the_named_database_without_a_worker(tmp_path, pg_url):
    """With PostgreSQL, files are otherwise queued for workers (`ingest.mode` auto); the demo runs none."""
    store = tmp_path / "demo-store"
    made = run_cli("demo", "--no-serve", "--store", store, "--database-url", pg_url, timeout=120)
    assert made.returncode == 0, made.stderr
    assert "2 sample documents indexed" in made.stdout and "2 added" in made.stdout
    assert not (store / "citewise.db").exists()
    code, listed = run_json("docs", "--store", store, "--database-url", pg_url)
    assert code == 0 and len(listed["documents"]) == 2
    code, jobs = run_json("jobs", "--store", store, "--database-url", pg_url)
    assert code == 0 and jobs["jobs"] == []  # indexed directly, nothing queued for a worker
