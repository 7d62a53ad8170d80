"""The real `citewise` command: ingestion reports, listing, removal, clear errors, and SIGKILL resumption."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from helpers.cli import CITEWISE, cli_env, run_cli, run_json
from helpers.corpora import bad_corpus, copy_demo, good_corpus

pytestmark = pytest.mark.integration


def test_bad_input_is_reported_by_name_and_the_rest_indexed(tmp_path):
    docs = copy_demo(tmp_path / "docs")
    good = good_corpus(docs / "good")
    bad = bad_corpus(docs / "bad")
    env = cli_env(CITEWISE_MAX_FILE_MB="1")
    code, report = run_json("ingest", docs, "--store", tmp_path / "store", env=env, without_file_override=True)
    assert code == 1
    failed = {item["path"]: item["reason"] for item in report["failed"]}
    for path, word in bad.values():
        assert word in failed[str(path)], (path, failed.get(str(path)))
    assert len(report["added"]) == 2 + len(good)
    assert all(item["chunks"] >= 1 and item["doc_id"] for item in report["added"])
    table = run_cli("ingest", docs, "--store", tmp_path / "store", env=env, without_file_override=True)
    assert table.returncode == 1
    assert "permission denied" in table.stdout and "unchanged" in table.stdout
    assert "Traceback" not in table.stderr


def test_docs_and_rm(tmp_path):
    store = tmp_path / "store"
    docs = copy_demo(tmp_path / "docs")
    assert run_cli("ingest", docs, "--store", store, "--quiet").returncode == 0
    code, listing = run_json("docs", "--store", store)
    assert code == 0
    assert {d["source"] for d in listing["documents"]} == {str(p) for p in docs.iterdir()}
    assert all(d["chunks"] > 0 and d["size"] > 0 and d["ingested_at"] for d in listing["documents"])
    removed = run_cli("rm", listing["documents"][0]["doc_id"], "--store", store)
    assert removed.returncode == 0
    assert len(run_json("docs", "--store", store)[1]["documents"]) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (("rm", "no-such-doc"), "no indexed document has the id or path 'no-such-doc'"),
        (("docs", "--chroma-url", "ftp://x"), "chroma_url must look like http://HOST:PORT"),
    ],
)
def test_errors_are_one_line(tmp_path, args, message):
    result = run_cli(*args, "--store", tmp_path / "store")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def kill_test_corpus(folder: Path) -> Path:
    """160 distinct small documents made from the demo corpus (many commits, so kills land between them)."""
    folder.mkdir()
    sentences = " ".join(p.read_text() for p in copy_demo(folder / "_").iterdir()).split(". ")
    for i in range(160):
        (folder / f"doc{i:03}.txt").write_text(". ".join(sentences[i % 20 : i % 20 + 8]) + f". Number {i}.")
    return folder


def snapshot(store: Path) -> dict:
    from helpers.fakes import HashingEmbeddings
    from helpers.stores import expected_postings, keyword_postings
    from index.library import Library
    from index.settings import IndexSettings

    with sqlite3.connect(f"file:{store / 'citewise.db'}?mode=ro", uri=True) as db:  # before recovery clears it
        pending = db.execute("SELECT count(*) FROM pending").fetchone()[0]
    library = Library(IndexSettings(store=store), HashingEmbeddings(dimension=384))
    chunk_ids = set(library.catalog.chunk_ids())
    postings = keyword_postings(library)
    return {
        "documents": {(d.doc_id, d.source, d.chunks) for d in library.documents()},
        "chunk_ids": chunk_ids,
        "chroma": set(library.vectors.all_ids()),
        "keyword": postings,
        "keyword_matches_text": postings == expected_postings(library) and len(library.keyword) == len(chunk_ids),
        "pending": pending,
    }


def committed_documents(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{store / 'citewise.db'}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_sigkill_at_several_points_then_resume_equals_an_uninterrupted_run(tmp_path):
    docs = kill_test_corpus(tmp_path / "docs")
    env = cli_env(CITEWISE_INGEST_GROUP_CHUNKS="16")
    reference = tmp_path / "reference"
    assert run_cli("ingest", docs, "--store", reference, "--quiet", env=env).returncode == 0
    expected = snapshot(reference)
    assert expected["chunk_ids"] == expected["chroma"] and expected["keyword_matches_text"]

    store = tmp_path / "interrupted"
    kills = []
    for target in (None, 30, 90, 140):
        process = subprocess.Popen(
            [CITEWISE, "ingest", str(docs), "--store", str(store), "--quiet"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            done = committed_documents(store)
            if (target is None and time.monotonic() > deadline - 118) or (target and done >= target):
                break
            time.sleep(0.02)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills.append(committed_documents(store))
        process.wait()
    assert len(kills) >= 3, f"the run finished before it could be killed often enough: {kills}"
    assert max(kills) < len(expected["documents"])
    final = run_cli("ingest", docs, "--store", store, "--quiet", env=env)
    assert final.returncode == 0, final.stderr
    got = snapshot(store)
    assert {d[0] for d in got["documents"]} == {d[0] for d in expected["documents"]}
    assert got["chunk_ids"] == expected["chunk_ids"]
    assert got["chroma"] == got["chunk_ids"], "no orphaned or missing vectors"
    assert got["keyword"] == expected["keyword"] and got["keyword_matches_text"]
    assert got["pending"] == 0


def test_a_broken_html_stack_fails_only_the_html_files(tmp_path):
    """The fresh-machine bug: trafilatura's import chain raised ImportError and `ingest` indexed nothing.

    A stand-in `trafilatura` on PYTHONPATH raises at import exactly as lxml does without lxml_html_clean."""
    shadow = tmp_path / "shadow" / "trafilatura"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        'raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean.\\n'
        'Install lxml[html_clean] or lxml_html_clean directly.")\n'
    )
    docs = copy_demo(tmp_path / "docs")
    (docs / "page.html").write_text("<html><body><p>The Danube reaches the Black Sea.</p></body></html>")
    env = cli_env(PYTHONPATH=str(tmp_path / "shadow"))
    code, report = run_json("ingest", docs, "--store", tmp_path / "store", env=env)
    assert code == 1
    assert sorted(Path(item["path"]).name for item in report["added"]) == sorted(p.name for p in docs.glob("*.txt"))
    [failed] = report["failed"]
    assert failed["path"] == str(docs / "page.html")
    assert "pip install lxml_html_clean" in failed["reason"]
    code, listing = run_json("docs", "--store", tmp_path / "store")
    assert code == 0 and len(listing["documents"]) == 2
