"""Ingestion jobs in the database: queued by whoever is given files, claimed by workers with a lease that a
heartbeat renews. A job whose worker died is claimed again once its lease has run out; the attempt number fences
every update, so a worker that lost its lease can no longer change the job."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, case, func, literal, or_, select, update

from .db import schema
from .db.database import Database
from .db.upsert import store_files

J = schema.jobs
UNFINISHED = ("queued", "running")
RETRIED = "claimed again: the worker processing it stopped before finishing"
LOST = "every worker that processed it stopped before finishing (killed, or lost its database connection)"


def db_now(connection: Connection):
    """The database's clock in epoch seconds, as an SQL expression: leases never depend on a host's clock."""
    if connection.dialect.name == "postgresql":
        return func.extract("epoch", func.clock_timestamp())
    return (func.julianday("now") - literal(2440587.5)) * 86400.0


@dataclass(frozen=True)
class Job:
    """One file's ingestion, as `citewise jobs` and `GET /api/v1/jobs` show it."""

    id: int
    kind: str
    batch: str
    path: str
    state: str
    progress: float
    error: str | None
    attempts: int
    worker: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    result: dict | None
    collection_id: int = 1

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "path": self.path,
            "state": self.state,
            "progress": round(self.progress, 4),
            "error": self.error,
            "kind": self.kind,
            "batch": self.batch,
            "attempts": self.attempts,
            "doc_id": (self.result or {}).get("file", {}).get("doc_id"),
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


@dataclass(frozen=True)
class Claim:
    """A job a worker holds: `attempt` fences every later update (a worker whose lease was taken cannot write)."""

    job_id: int
    attempt: int
    worker: str
    path: str
    file_sha256: str | None
    mtime_ns: int | None
    collection_id: int = 1


@dataclass(frozen=True)
class NewJob:
    path: str
    file_sha256: str
    mtime_ns: int
    collection_id: int = 1


def _job(row) -> Job:
    return Job(
        row.id,
        row.kind,
        row.batch,
        row.path,
        row.state,
        float(row.progress or 0.0),
        row.error,
        row.attempts,
        row.worker,
        row.created_at,
        row.started_at,
        row.finished_at,
        json.loads(row.result) if row.result else None,
        row.collection_id,
    )


class JobQueue:
    def __init__(self, database: Database):
        self.database = database

    def enqueue(self, batch: str, jobs: Sequence[NewJob], files: Iterable[tuple[str, str, bytes]] = ()) -> list[int]:
        """Store the files (sha256, name, bytes) and queue one ingest job per entry, in one transaction."""
        with self.database.write() as db:
            store_files(db, files)
            now = db.execute(select(db_now(db))).scalar_one()
            ids = []
            for job in jobs:
                ids.append(
                    db.execute(
                        J.insert()
                        .values(
                            kind="ingest",
                            batch=batch,
                            path=job.path,
                            file_sha256=job.file_sha256,
                            mtime_ns=job.mtime_ns,
                            collection_id=job.collection_id,
                            state="queued",
                            created_at=now,
                        )
                        .returning(J.c.id)
                    ).scalar_one()
                )
        return ids

    def claim(self, worker: str, lease: float, limit: int = 1) -> list[Claim]:
        """Take up to `limit` queued jobs, or running ones whose lease ran out (their worker stopped).

        PostgreSQL: FOR UPDATE SKIP LOCKED, so workers never wait for or take each other's rows; SQLite: the
        claim transaction holds the one write lock (BEGIN IMMEDIATE)."""
        self._fail_exhausted()
        with self.database.write() as db:
            now = db_now(db)
            claimable = (
                select(J.c.id)
                .where(or_(J.c.state == "queued", and_(J.c.state == "running", J.c.lease_until < now)))
                .where(J.c.attempts < J.c.max_attempts)
                .order_by(J.c.created_at, J.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = db.execute(
                update(J)
                .where(J.c.id.in_(claimable.scalar_subquery()))
                .values(
                    state="running",
                    worker=worker,
                    attempts=J.c.attempts + 1,
                    lease_until=now + lease,
                    heartbeat_at=now,
                    started_at=func.coalesce(J.c.started_at, now),
                    progress=0.0,
                    error=case((J.c.attempts > 0, literal(RETRIED)), else_=None),
                )
                .returning(J.c.id, J.c.attempts, J.c.path, J.c.file_sha256, J.c.mtime_ns, J.c.collection_id)
            ).all()
        return sorted(
            (
                Claim(row.id, row.attempts, worker, row.path, row.file_sha256, row.mtime_ns, row.collection_id)
                for row in rows
            ),
            key=lambda c: c.job_id,
        )

    def _fail_exhausted(self) -> None:
        """Jobs whose worker stopped `max_attempts` times fail (a file that kills workers must not loop)."""
        with self.database.write() as db:
            now = db_now(db)
            db.execute(
                update(J)
                .where(J.c.state == "running", J.c.lease_until < now, J.c.attempts >= J.c.max_attempts)
                .values(state="failed", finished_at=now, lease_until=None, error=LOST)
            )

    def heartbeat(self, claim: Claim, lease: float, progress: float | None = None) -> bool:
        """Renew the lease (and report progress); False when the job is no longer this worker's."""
        with self.database.write() as db:
            now = db_now(db)
            values = {"lease_until": now + lease, "heartbeat_at": now}
            if progress is not None:
                values["progress"] = progress
            return db.execute(update(J).where(*self._mine(claim)).values(**values)).rowcount == 1

    @staticmethod
    def _mine(claim: Claim):
        return J.c.id == claim.job_id, J.c.worker == claim.worker, J.c.attempts == claim.attempt, J.c.state == "running"

    def finish(self, claim: Claim, result: dict | None, error: str | None = None, connection=None) -> bool:
        """Mark the job done (or failed with `error`); False when it is no longer this worker's."""
        with self.database.write() as db:
            now = db_now(db)
            changed = db.execute(
                update(J)
                .where(*self._mine(claim))
                .values(
                    state="failed" if error else "done",
                    error=error,
                    result=json.dumps(result) if result is not None else None,
                    progress=1.0,
                    finished_at=now,
                    lease_until=None,
                )
            ).rowcount
        return changed == 1

    def release(self, claim: Claim) -> None:
        """Give a job back (the worker is stopping): queued again, this attempt not counted."""
        with self.database.write() as db:
            db.execute(
                update(J)
                .where(*self._mine(claim))
                .values(state="queued", worker=None, lease_until=None, attempts=J.c.attempts - 1, progress=0.0)
            )

    def jobs(
        self,
        state: str | None = None,
        batch: str | None = None,
        limit: int | None = 50,
        collection_ids: Iterable[int] | None = None,
    ) -> list[Job]:
        """Unfinished jobs first (oldest first), then the most recently finished; only those of `collection_ids`
        when given."""
        unfinished = case((J.c.state.in_(UNFINISHED), 0), else_=1)
        query = select(J).order_by(unfinished, case((J.c.state.in_(UNFINISHED), J.c.id), else_=-J.c.id))
        if state is not None:
            query = query.where(J.c.state == state)
        if batch is not None:
            query = query.where(J.c.batch == batch)
        if collection_ids is not None:
            query = query.where(J.c.collection_id.in_(list(collection_ids)))
        if limit is not None:
            query = query.limit(limit)
        with self.database.read() as db:
            return [_job(row) for row in db.execute(query)]

    def job(self, job_id: int) -> Job | None:
        with self.database.read() as db:
            row = db.execute(select(J).where(J.c.id == job_id)).first()
        return _job(row) if row else None

    def counts(self) -> dict[str, int]:
        with self.database.read() as db:
            rows = db.execute(select(J.c.state, func.count()).group_by(J.c.state)).all()
        return {state: 0 for state in schema.JOB_STATES} | {state: int(n) for state, n in rows}

    def last_claim_at(self) -> float | None:
        with self.database.read() as db:
            return db.execute(select(func.max(J.c.started_at))).scalar()


def live_jobs(database: Database, job_ids: Iterable[int]) -> set[int]:
    """Those of `job_ids` that a worker is running under a lease that has not run out."""
    job_ids = list(job_ids)
    if not job_ids:
        return set()
    with database.read() as connection:
        rows = connection.execute(
            select(J.c.id).where(J.c.id.in_(job_ids), J.c.state == "running", J.c.lease_until > db_now(connection))
        )
        return set(rows.scalars())
