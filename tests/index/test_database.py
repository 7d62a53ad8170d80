"""The database layer's own rules: the migration in code is the schema in code, URLs are masked wherever they are
shown, a claim locks rows on PostgreSQL and nothing on SQLite, and a worker that lost its lease can change nothing."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from index.db import Database, migrate, open_database
from index.db.urls import mask, parse, redact
from index.errors import StoreError


def test_head_in_code_is_alembics_head():
    """A start reads one row to know whether to migrate; HEAD must name the newest script."""
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(migrate.alembic_config()).get_current_head() == migrate.HEAD


def _schema_differences(url: str) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from index.db.schema import metadata

    database = Database(url, pool_size=1)
    migrate.upgrade(database)
    with database.read() as connection:
        return compare_metadata(MigrationContext.configure(connection), metadata)


def test_the_migrations_make_the_schema_in_code_on_sqlite(tmp_path):
    assert _schema_differences(f"sqlite:///{tmp_path / 'x.db'}") == []


@pytest.mark.integration
def test_the_migrations_make_the_schema_in_code_on_postgres(pg_url):
    assert _schema_differences(pg_url) == []


def test_a_database_of_a_newer_release_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    database = open_database(url, tmp_path)
    with database.write() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="revision '9999'.*newer release"):
        open_database(url, tmp_path)


def test_an_out_of_date_database_is_not_upgraded_when_told_not_to(tmp_path):
    with pytest.raises(StoreError, match="run citewise db upgrade"):
        open_database(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, auto_upgrade=False)


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://team:s3cret@db.example:5432/kb", "postgresql://team:***@db.example:5432/kb"),
        ("postgresql+psycopg://team:s3cret@db/kb", "postgresql+psycopg://team:***@db/kb"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("not a url s3cret", "***"),
    ],
)
def test_urls_are_shown_with_the_password_masked(url, shown):
    assert mask(url) == shown and "s3cret" not in mask(url)


def test_driver_messages_lose_the_password():
    message = 'connection to "team:s3cret@db" failed: password s3cret rejected'
    assert "s3cret" not in redact(message, "postgresql://team:s3cret@db/kb")


@pytest.mark.parametrize(
    "url, error",
    [
        ("mysql://u:p@h/db", "unsupported database 'mysql'"),
        ("sqlite://", "in-memory SQLite"),
        ("sqlite:///:memory:", "in-memory SQLite"),
    ],
)
def test_unsupported_urls_are_named(url, error):
    with pytest.raises(StoreError, match=error):
        parse(url)


def test_postgresql_urls_use_psycopg_3():
    assert parse("postgresql://u:p@h:5/db").drivername == "postgresql+psycopg"


def _claim_statement():
    from sqlalchemy import and_, or_, select, update

    from index.jobs import J

    claimable = (
        select(J.c.id)
        .where(or_(J.c.state == "queued", and_(J.c.state == "running", J.c.lease_until < 0)))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return update(J).where(J.c.id.in_(claimable.scalar_subquery())).values(state="running").returning(J.c.id)


def test_a_claim_skips_locked_rows_on_postgres_and_locks_nothing_on_sqlite():
    statement = _claim_statement()
    assert "FOR UPDATE SKIP LOCKED" in str(statement.compile(dialect=postgresql.dialect()))
    assert "FOR UPDATE" not in str(statement.compile(dialect=sqlite.dialect()))


def test_a_worker_that_lost_its_lease_can_change_nothing(tmp_path):
    """Worker A's lease runs out, B claims the job again: A's heartbeat and result are refused, B's count."""
    from index.jobs import JobQueue, NewJob

    database = open_database(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    queue = JobQueue(database)
    [job_id] = queue.enqueue("b1", [NewJob("/a.txt", "f" * 64, 1)], [("f" * 64, "a.txt", b"hello")])
    [first] = queue.claim("worker-a", lease=0.2)
    assert queue.heartbeat(first, lease=0.2, progress=0.5)
    assert queue.claim("worker-b", lease=5) == []  # held while the lease runs
    time.sleep(0.5)
    [second] = queue.claim("worker-b", lease=5)
    assert (second.job_id, second.attempt) == (job_id, 2)
    assert not queue.heartbeat(first, lease=0.2) and not queue.finish(first, {"outcome": "added"})
    assert queue.finish(second, {"outcome": "added", "file": {"path": "/a.txt", "doc_id": "abc"}})
    job = queue.job(job_id)
    assert (job.state, job.worker, job.attempts, job.error, job.to_dict()["doc_id"]) == (
        "done",
        "worker-b",
        2,
        None,
        "abc",
    )


def test_a_job_whose_workers_keep_dying_fails_instead_of_looping(tmp_path):
    from index.jobs import LOST, JobQueue, NewJob

    database = open_database(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    queue = JobQueue(database)
    [job_id] = queue.enqueue("b1", [NewJob("/a.txt", "f" * 64, 1)], [("f" * 64, "a.txt", b"hello")])
    for attempt in range(3):
        assert [c.attempt for c in queue.claim(f"w{attempt}", lease=0.05)] == [attempt + 1]
        time.sleep(0.15)
    assert queue.claim("w9", lease=5) == []
    job = queue.job(job_id)
    assert job.state == "failed" and job.error == LOST and job.finished
