"""One store's database, reached through SQLAlchemy Core: SQLite (a file in the store folder, the default) or
PostgreSQL. Reads run on pooled connections and never wait for a write; writes run in short transactions.

The change counter (`store_state.generation`) is how many processes share one corpus: every transaction that
changes what searches see bumps it, and every process keys its caches on it. Reading it is a query, so it is
polled at most every `poll_seconds`; a write made here is seen here at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine, event, select, update
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError, StatementError

from ..errors import StoreError
from . import schema
from .urls import mask, parse, redact

log = logging.getLogger(__name__)
NEW_FILE_SECONDS = 5.0
SQLITE_BUSY_SECONDS = 30
"""How long a SQLite writer waits for another process's write (they last milliseconds)."""


class Database:
    def __init__(self, url: str, poll_seconds: float = 0.5, pool_size: int = 5):
        self.url: URL = parse(url)
        self.masked = mask(self.url)
        self.dialect = self.url.get_backend_name()
        self.poll_seconds = poll_seconds
        self._write_lock = threading.RLock()
        self._generation = (-1, 0.0)  # (value, monotonic time it was read)
        try:
            if self.is_sqlite:
                self._prepare_sqlite_file()
                self.engine = self._sqlite_engine(immediate=False)
                self.writer = self._sqlite_engine(immediate=True)
            else:
                self.engine = create_engine(
                    self.url,
                    hide_parameters=True,
                    pool_size=pool_size,
                    max_overflow=2 * pool_size,
                    # No ping before each use: it doubled the round trips of a question's ~15 short reads. A broken
                    # connection fails one read, and SQLAlchemy then replaces the whole pool's connections.
                    pool_recycle=1800,
                    # Short costly-looking queries: JIT compilation would cost more than it saves.
                    connect_args={"options": "-c jit=off"},
                )
                self.writer = self.engine
        except StoreError:
            raise
        except Exception as exc:
            raise self.error("cannot open", exc) from None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def _prepare_sqlite_file(self) -> None:
        from pathlib import Path

        path = Path(self.url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A file another process is creating this moment is empty too, for a few milliseconds: only an empty file
        # that has stayed empty is damage.
        if path.is_file() and path.stat().st_size == 0 and time.time() - path.stat().st_mtime > NEW_FILE_SECONDS:
            # SQLite would take a 0-byte file for a new, empty database: the store would look empty and later
            # ingestions would leave the old vectors orphaned. A truncated database is damage, said as such.
            raise StoreError(
                f"database {path} is empty (0 bytes): it was truncated or damaged. Restore it from a backup, "
                "or move the store aside and index the files again"
            )

    def _sqlite_engine(self, immediate: bool) -> Engine:
        """pysqlite's own transaction handling is switched off and SQLAlchemy's BEGIN emitted instead (the recipe
        of SQLAlchemy's SQLite dialect docs), so a writer takes the write lock up front (BEGIN IMMEDIATE) and
        never fails half-way through a transaction because another process wrote first. Reads run as single
        statements in autocommit mode (a BEGIN and ROLLBACK around each cost a third of a chunk's lookup)."""
        engine = create_engine(
            self.url,
            hide_parameters=True,
            connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cursor.close()

        if immediate:  # readers emit no BEGIN: each statement reads the last commit, and no snapshot is held open

            @event.listens_for(engine, "begin")
            def _begin(connection):
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    def error(self, doing: str, exc: BaseException) -> StoreError:
        """A database failure as the user sees it: what was being done, where (masked), and the driver's reason."""
        reason = (exc.orig if isinstance(exc, StatementError) else None) or exc  # the driver's own error
        text = redact(str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__, self.url)
        return StoreError(f"{doing} database {self.masked}: {text}")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise self.error("cannot read", exc) from None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction, committed at the end; its changes are seen by this process's next generation read."""
        with self._write_lock:
            try:
                with self.writer.begin() as connection:
                    yield connection
            except SQLAlchemyError as exc:
                raise self.error("cannot write", exc) from None
            finally:
                self._generation = (-1, 0.0)

    @contextmanager
    def migrating(self) -> Iterator[Connection]:
        """The write transaction of a schema migration. On SQLite foreign keys are not enforced while it runs:
        Alembic alters a table by copying it and dropping the old one, and with enforcement on, that drop would
        cascade to every row referring to it (a document's text, chunks and sources). This is SQLite's documented
        procedure for altering tables; the keys are checked before the commit, and enforced again after."""
        if not self.is_sqlite:
            with self.write() as connection:
                yield connection
            return
        with self._write_lock:
            try:
                with self.writer.connect() as connection:
                    driver = connection.connection.dbapi_connection
                    driver.execute("PRAGMA foreign_keys=OFF")  # before BEGIN: inside a transaction it does nothing
                    try:
                        with connection.begin():
                            yield connection
                            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                            if broken is not None:
                                raise StoreError(f"migrating database {self.masked} broke a reference: {tuple(broken)}")
                    finally:
                        driver.execute("PRAGMA foreign_keys=ON")
            except SQLAlchemyError as exc:
                raise self.error("cannot migrate", exc) from None
            finally:
                self._generation = (-1, 0.0)

    @staticmethod
    def bump(connection: Connection) -> None:
        """Count a change; called last in a writing transaction, so the hot row is held for the shortest time."""
        connection.execute(update(schema.store_state).values(generation=schema.store_state.c.generation + 1))

    def generation(self) -> int:
        value, read_at = self._generation
        now = time.monotonic()
        if value < 0 or now - read_at >= self.poll_seconds:
            with self.read() as connection:
                value = connection.execute(select(schema.store_state.c.generation)).scalar_one_or_none() or 0
            self._generation = (value, now)
        return value

    def dispose(self) -> None:
        self.engine.dispose()
        if self.writer is not self.engine:
            self.writer.dispose()
