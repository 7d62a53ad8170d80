"""Many processes, one corpus (PostgreSQL or a shared SQLite file, and a `chroma run` server): two servers see each
other's changes within 2 s, two workers share 40 files without doing any twice, and a worker killed mid-job has
its job claimed again with the store ending identical to an uninterrupted run. Processes run the real CLI with
the deterministic hashing encoder (`helpers.citewise_with_fake`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest

from helpers.cli import cli_env
from helpers.fakes import HashingEmbeddings
from helpers.stores import keyword_postings
from index.library import Library
from index.settings import IndexSettings
from ui.ports import free_port, wait_for_port

pytestmark = pytest.mark.integration
TESTS = Path(__file__).parents[1]


def team_env(tmp_path: Path, database_url: str, chroma_url: str, collection: str, **extra: str) -> dict[str, str]:
    return cli_env(
        PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        CITEWISE_DATABASE_URL=database_url,
        CITEWISE_CHROMA_URL=chroma_url,
        CITEWISE_CHROMA_COLLECTION=collection,
        CITEWISE_INGEST_MODE="queue",
        **extra,
    )


def citewise(*args, env: dict[str, str], store: Path, **popen) -> subprocess.Popen:
    """The real CLI (fake encoder) with its own local cache folder, as on another machine."""
    return subprocess.Popen(
        [sys.executable, "-m", "helpers.citewise_with_fake", *map(str, args), "--store", str(store)],
        env=env,
        **popen,
    )


def run(*args, env, store, timeout: float = 120) -> subprocess.CompletedProcess:
    process = citewise(*args, env=env, store=store, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()  # never left running behind a failed test
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture(params=["postgresql", "sqlite"])
def shared(request, tmp_path, chroma_server):
    """(database URL, Chroma URL, collection) shared by every process of a test."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else f"sqlite:///{tmp_path / 'team.db'}"
    return url, chroma_server, f"t{uuid.uuid4().hex[:10]}"


def corpus(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    words = "river bridge council vote harbour storm ferry mayor budget school tide pier".split()
    files = []
    for number in range(count):
        sentences = [
            f"{words[(number + i) % len(words)].capitalize()} report {number}, part {i}: the {words[i % 12]} "
            f"and the {words[(number * 7 + i) % 12]} were discussed at length by the board on day {i}."
            for i in range(4 + number % 5)
        ]
        path = folder / f"file-{number:02d}.txt"
        path.write_text(f"Report {number}\n\n" + " ".join(sentences))
        files.append(path)
    return files


def store_view(store: Path, url: str, chroma_url: str | None, collection: str) -> dict:
    """Everything of a store by natural keys: documents, chunks, keyword postings, vectors, pending."""
    settings = IndexSettings(
        store=store,
        database_url=url,
        chroma_url=chroma_url,
        chroma_collection=collection,
        ingest_mode="direct",
    )
    library = Library(settings, HashingEmbeddings(dimension=384))
    chunks = {
        c.chunk_id: (c.start, c.end, c.text, c.sentences)
        for r in library.documents()
        for c in library.catalog.chunks_of(r.doc_id)
    }
    vectors = library.vectors.stored_vectors(sorted(chunks))
    return {
        "documents": sorted((r.doc_id, r.content_hash, r.title, r.chunks, r.sources) for r in library.documents()),
        "chunks": chunks,
        "postings": keyword_postings(library),
        "vector_ids": sorted(library.vectors.all_ids()),
        "vectors": {k: np.round(v, 5).tolist() for k, v in vectors.items()},
        "pending": library.catalog.pending(),
        "health": library.health(full=True).ok,
    }


def reference_view(tmp_path: Path, files: list[Path]) -> dict:
    """The same files indexed directly by one process into an embedded store."""
    store = tmp_path / "reference"
    library = Library(IndexSettings(store=store), HashingEmbeddings(dimension=384))
    report = library.ingest(files)
    assert len(report.added) == len(files)
    return store_view(store, f"sqlite:///{store / 'citewise.db'}", None, "citewise")


def jobs(env, store) -> list[dict]:
    """The jobs as `citewise jobs --json` lists them (read in this process: polled often)."""
    from index.db import Database
    from index.jobs import JobQueue

    database = Database(env["CITEWISE_DATABASE_URL"], pool_size=1)
    try:
        return [job.to_dict() for job in JobQueue(database).jobs(limit=None)]
    finally:
        database.dispose()


def wait_for(condition, seconds: float, step: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(step)
    raise AssertionError(f"not within {seconds} s")


def test_two_workers_share_forty_files_without_duplicates(tmp_path, shared):
    url, chroma_url, collection = shared
    files = corpus(tmp_path / "docs", 40)
    env = team_env(tmp_path, url, chroma_url, collection, CITEWISE_TEST_ENCODE_DELAY="0.02")
    workers = [
        citewise("worker", env=env, store=tmp_path / f"worker-{n}", stderr=subprocess.PIPE, text=True) for n in (1, 2)
    ]
    try:
        queued = run("ingest", tmp_path / "docs", "--json", env=env, store=tmp_path / "client")
        assert queued.returncode == 0, queued.stderr
        wait_for(lambda: all(j["state"] == "done" for j in jobs(env, tmp_path / "client")), 180, step=0.5)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(60)
    listed = run("jobs", "--json", "--limit", "100", env=env, store=tmp_path / "client")
    assert listed.returncode == 0 and listed.stdout.count('"state": "done"') == 40
    done = jobs(env, tmp_path / "client")
    assert len(done) == 40 and all(j["state"] == "done" and j["attempts"] == 1 for j in done)
    assert [w.returncode for w in workers] == [0, 0]
    stderr = [w.stderr.read() for w in workers]
    assert all(" jobs done" in e and " 0 jobs done" not in e for e in stderr), stderr  # both did some of it
    assert store_view(tmp_path / "view", url, chroma_url, collection) == reference_view(tmp_path, files)


def test_a_worker_killed_mid_job_is_replaced_and_the_store_ends_identical(tmp_path, shared):
    url, chroma_url, collection = shared
    files = corpus(tmp_path / "docs", 3)
    (tmp_path / "docs" / "long.txt").write_text("Long report\n\n" + " ".join(f.read_text() for f in files) * 6)
    files.append(tmp_path / "docs" / "long.txt")
    env = team_env(tmp_path, url, chroma_url, collection, CITEWISE_LEASE_SECONDS="2")
    slow = {**env, "CITEWISE_TEST_ENCODE_DELAY": "0.25"}
    assert run("ingest", tmp_path / "docs", env=env, store=tmp_path / "client").returncode == 0
    doomed = citewise("worker", env=slow, store=tmp_path / "doomed", stderr=subprocess.DEVNULL)
    try:
        running = wait_for(
            lambda: [
                j
                for j in jobs(env, tmp_path / "client")
                if j["path"].endswith("long.txt")
                and j["state"] == "running"
                and j["progress"] >= 0.1  # loaded, being encoded
            ],
            120,
            step=0.2,
        )
    finally:
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(30)
    killed_job = running[0]["id"]
    finisher = citewise("worker", "--once", env=env, store=tmp_path / "finisher", stderr=subprocess.PIPE, text=True)
    assert finisher.wait(120) == 0, finisher.stderr.read()
    done = {j["id"]: j for j in jobs(env, tmp_path / "client")}
    assert all(j["state"] == "done" for j in done.values()), done
    assert done[killed_job]["attempts"] == 2  # claimed again once the dead worker's lease ran out
    view = store_view(tmp_path / "view", url, chroma_url, collection)
    assert view["pending"] == {} and view["health"]
    assert view == reference_view(tmp_path, files)


def test_two_servers_serve_one_corpus(tmp_path, shared):
    """An upload through one server is searchable on the other, and a removal through the other is gone from the
    first, each within 2 s of the change."""
    url, chroma_url, collection = shared
    env = team_env(tmp_path, url, chroma_url, collection)
    ports = [free_port(), free_port()]
    servers = [
        citewise("serve", "--port", port, env=env, store=tmp_path / f"server-{n}", stdout=subprocess.DEVNULL)
        for n, port in enumerate(ports)
    ]
    try:
        for server, port in zip(servers, ports, strict=True):
            wait_for_port(port, server, 120)
        first, second = (httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for port in ports)
        sent = first.post(
            "/api/v1/documents",
            files={"files": ("ferry.txt", b"Osterby ferry\n\nThe ferry to Kelso carries twelve cars at dawn.")},
        )
        assert sent.status_code == 202, sent.text
        [job] = sent.json()["jobs"]
        finished = wait_for(lambda: first.get(f"/api/v1/jobs/{job['id']}").json()["state"] == "done", 60)
        assert finished
        done_at = time.monotonic()
        doc_id = first.get(f"/api/v1/jobs/{job['id']}").json()["doc_id"]

        def found_on_second():
            response = second.get("/api/v1/search", params={"q": "ferry to Kelso"})
            assert response.status_code == 200, response.text
            return [p for p in response.json()["passages"] if p["doc_id"] == doc_id]

        assert wait_for(found_on_second, 2.0) and time.monotonic() - done_at <= 2.0
        answer = second.post("/api/v1/ask", json={"question": "How many cars does the ferry to Kelso carry?"})
        assert {c["doc_id"] for c in answer.json()["citations"]} == {doc_id}
        assert second.delete(f"/api/v1/documents/{doc_id}").status_code == 200
        removed_at = time.monotonic()

        def gone_from_first():
            listed = {d["doc_id"] for d in first.get("/api/v1/documents").json()["documents"]}
            passages = first.get("/api/v1/search", params={"q": "ferry to Kelso"}).json()["passages"]
            return doc_id not in listed and all(p["doc_id"] != doc_id for p in passages)

        assert wait_for(gone_from_first, 2.0) and time.monotonic() - removed_at <= 2.0
        health = first.get("/api/v1/health").json()
        assert health["database"]["at_head"] and health["jobs"]["done"] == 1
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(30)


def test_ingest_wait_reports_like_a_direct_ingestion_and_says_when_no_worker_comes(tmp_path, chroma_server):
    """`ingest --wait` with a worker: the usual report and exit code (a broken file fails by name); without one,
    a plain sentence after the stall time (shortened here) instead of silence."""
    import json

    url = f"sqlite:///{tmp_path / 'team.db'}"
    env = team_env(tmp_path, url, chroma_server, f"t{uuid.uuid4().hex[:10]}")
    files = corpus(tmp_path / "docs", 3)
    (tmp_path / "docs" / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    log = open(tmp_path / "worker.log", "w")
    worker = citewise("worker", env=env, store=tmp_path / "worker", stderr=log)
    try:
        waited = run("ingest", tmp_path / "docs", "--wait", "--json", env=env, store=tmp_path / "client", timeout=90)
    except subprocess.TimeoutExpired:
        said = (tmp_path / "worker.log").read_text()
        raise AssertionError(f"ingest --wait did not end; the worker said: {said}") from None
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
        log.close()
    report = json.loads(waited.stdout)
    assert waited.returncode == 1, waited.stderr  # one file failed, the rest indexed
    assert sorted(item["path"] for item in report["added"]) == sorted(str(f) for f in files)
    assert [item["path"] for item in report["failed"]] == [str(tmp_path / "docs" / "broken.pdf")]
    (tmp_path / "docs" / "broken.pdf").unlink()  # (it would be queued again: a failed file is tried anew)
    again = run("ingest", tmp_path / "docs", "--wait", "--json", env=env, store=tmp_path / "client", timeout=60)
    assert len(json.loads(again.stdout)["unchanged"]) == 3  # settled at once, no job, no worker needed


def test_the_stall_notice_names_the_missing_worker(tmp_path, monkeypatch):
    """`wait` tells once, in words that say what to start, when no worker has claimed a job for the stall time."""
    from index import queueing

    monkeypatch.setattr(queueing, "STALLED_SECONDS", 0.3)
    library = Library(IndexSettings(store=tmp_path / "store", ingest_mode="queue"), HashingEmbeddings(dimension=384))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("The harbour master counted the boats.")
    enqueued = queueing.enqueue(library, [tmp_path / "docs"])
    told: list[str] = []

    def stall(message):
        told.append(message)
        from index.worker import Worker

        Worker(library, poll_seconds=0.05).run(idle_exit=0.2)  # a worker comes after all

    report = queueing.wait(library, enqueued, on_stall=stall, poll_seconds=0.05)
    assert len(told) == 1 and "no worker has claimed any of these 1 jobs" in told[0] and "citewise worker" in told[0]
    assert [item.path for item in report.added] == [str(tmp_path / "docs" / "a.txt")]
