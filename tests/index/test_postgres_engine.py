"""The same store on PostgreSQL: keyword search scores exactly as on SQLite (whose BM25 equals bm25s's), answers
through PostgreSQL + a `chroma run` server equal the embedded store's, migrations started together apply once,
and the database password is never printed."""

from __future__ import annotations

import subprocess
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from helpers.cli import CITEWISE, cli_env
from helpers.corpora import copy_demo, good_corpus
from helpers.fakes import HashingEmbeddings
from helpers.stores import consistent, keyword_postings
from index.library import Library
from index.settings import IndexSettings

pytestmark = pytest.mark.integration
QUERIES = ("detained protesters", "river bridge council", "fishing boats harbour", "mobilisation reservists", "zebra")


def _corpus(folder: Path) -> Path:
    copy_demo(folder)
    good_corpus(folder / "formats")
    for number in range(12):
        (folder / f"note-{number}.txt").write_text(
            f"Note {number}\n\nThe council voted on the river bridge {number} times. "
            + "Fishing boats left the harbour. " * (number % 4)
        )
    return folder


def _search_view(library: Library) -> dict:
    keyword = library.keyword
    return {
        query: (
            [(h.chunk_id, h.score) for h in keyword.search(query, 20)],
            [(h.chunk_id, h.score) for h in keyword.search_documents(query, 5)],
            keyword.document_frequencies(keyword.tokenize([query])[0]),
        )
        for query in QUERIES
    }


def test_keyword_search_on_postgres_scores_as_on_sqlite(tmp_path, pg_url):
    """Built incrementally through adds, an update and removals, PostgreSQL's BM25 returns the chunks and scores
    (to 1e-9) SQLite's does, and its postings are those of the chunk texts."""
    docs = _corpus(tmp_path / "docs")
    libraries = {
        "sqlite": Library(IndexSettings(store=tmp_path / "lite"), HashingEmbeddings()),
        "postgres": Library(
            IndexSettings(store=tmp_path / "pg", database_url=pg_url, ingest_mode="direct"), HashingEmbeddings()
        ),
    }
    for library in libraries.values():
        library.ingest([docs])
    (docs / "note-3.txt").write_text("Note 3\n\nThe ferry crossed the river at dawn.")
    (docs / "note-5.txt").unlink()
    for library in libraries.values():
        library.ingest([docs], sync=True)
        library.remove([str(docs / "note-7.txt")])
    lite, pg = (_search_view(libraries[name]) for name in ("sqlite", "postgres"))
    for query in QUERIES:
        for got, expected in zip(pg[query][:2], lite[query][:2], strict=True):
            assert [c for c, _ in got] == [c for c, _ in expected], query
            assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-9, abs=1e-12), query
        assert pg[query][2] == lite[query][2]
    assert keyword_postings(libraries["postgres"]) == keyword_postings(libraries["sqlite"])
    consistent(libraries["postgres"])


def test_hybrid_answers_through_postgres_and_a_chroma_server(tmp_path, pg_url, chroma_server):
    """A team's deployment (PostgreSQL + `chroma run`, files indexed by a worker through the job queue) answers
    with the same citations and passages as the embedded default built from the same files."""
    from index.worker import Worker
    from rag import Assistant

    docs = copy_demo(tmp_path / "docs")
    embedded = Assistant.open(store=tmp_path / "embedded", embeddings=HashingEmbeddings())
    embedded.ingest([docs])
    team = Assistant.open(
        store=tmp_path / "cache",
        embeddings=HashingEmbeddings(),
        database_url=pg_url,
        chroma_url=chroma_server,
        chroma_collection=f"t{uuid.uuid4().hex[:8]}",
    )
    assert team.library.queued
    worker = Worker(team.library, poll_seconds=0.1)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        report = team.ingest([docs])
    finally:
        worker.stop.set()
        thread.join(10)
    assert len(report.added) == 2 and not report.failed
    assert [j.state for j in team.jobs()] == ["done", "done"]
    assert {(d.doc_id, d.source) for d in team.documents()} == {(d.doc_id, d.source) for d in embedded.documents()}
    for question in ("How many reservists were called up?", "Who was detained at the protests?"):
        ours, theirs = team.ask(question).to_dict(), embedded.ask(question).to_dict()
        for key in ("answer", "abstained", "citations", "passages"):
            assert ours[key] == theirs[key], (question, key)
        assert [p.to_dict() for p in team.search(question)] == [p.to_dict() for p in embedded.search(question)]
    source = Path(team.documents()[0].source)
    assert team.library.catalog.file(team.document(team.documents()[0].doc_id).file_sha256).data == source.read_bytes()


def _upgrade_together(url: str, store: Path, count: int = 4) -> list[subprocess.CompletedProcess]:
    env = cli_env()
    processes = [
        subprocess.Popen(
            [CITEWISE, "db", "upgrade", "--store", str(store), "--database-url", url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    return [subprocess.CompletedProcess(p.args, p.wait(120), *p.communicate()) for p in processes]


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_migrations_started_together_apply_once(tmp_path, dialect, request):
    """Four `citewise db upgrade` at once on a new database: all succeed, the schema is made once, at head."""
    from index.db import migrate

    url = request.getfixturevalue("pg_url") if dialect == "postgresql" else f"sqlite:///{tmp_path / 'new.db'}"
    results = _upgrade_together(url, tmp_path / "store")
    assert [r.returncode for r in results] == [0] * 4, [r.stderr for r in results]
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [migrate.HEAD]
        assert connection.execute(text("SELECT count(*) FROM store_state")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM keyword_stats")).scalar_one() == 2
    engine.dispose()
    status = subprocess.run(
        [CITEWISE, "db", "status", "--json", "--store", str(tmp_path / "store"), "--database-url", url],
        env=cli_env(),
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0 and '"at_head": true' in status.stdout


def test_the_database_password_is_never_printed(tmp_path, postgres_server, pg_url):
    """Failing and succeeding commands, with debugging on: the password appears in no output and no error."""
    password = postgres_server.password
    assert password in pg_url
    wrong = pg_url.replace(password, password + "x")
    unknown_host = pg_url.replace("127.0.0.1", "no-such-host.invalid")
    env = cli_env(CITEWISE_DEBUG="1", CITEWISE_INGEST_MODE="direct")
    outputs = []
    for url, command in (
        (pg_url, ["docs", "--json"]),
        (pg_url, ["db", "status", "--json"]),
        (pg_url, ["jobs", "--json"]),
        (wrong, ["docs"]),
        (unknown_host, ["db", "status"]),
        ("postgresql://citewise:" + password + "@127.0.0.1:1/none", ["docs"]),
    ):
        result = subprocess.run(
            [CITEWISE, *command, "--store", str(tmp_path / "store"), "--database-url", url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        outputs.append(result)
        assert password not in result.stdout + result.stderr, command
    assert outputs[0].returncode == 0 and outputs[3].returncode == 2
    assert "password authentication failed" in outputs[3].stderr and "***" in outputs[3].stderr
    with_env = subprocess.run(
        [CITEWISE, "docs", "--store", str(tmp_path / "store")],
        env=cli_env(CITEWISE_DATABASE_URL=wrong),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert with_env.returncode == 2 and password not in with_env.stdout + with_env.stderr
