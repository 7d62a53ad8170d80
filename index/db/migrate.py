"""Schema migrations (Alembic), applied under a database lock so that any number of servers and workers can start
at once: the first upgrades, the others wait for it and find the schema at head.

`HEAD` names the newest revision in code, so a start that needs no migration reads one row and never imports
Alembic (a test pins it to Alembic's own view of the scripts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, inspect, select, text

from ..errors import StoreError
from .database import Database

HEAD = "0004"
LOCK_KEY = 0x43697465  # "Cite": the PostgreSQL advisory lock held while migrating
SCRIPTS = "index.db:migrations"


@dataclass(frozen=True)
class Status:
    url: str
    dialect: str
    revision: str | None
    head: str

    @property
    def at_head(self) -> bool:
        return self.revision == self.head

    def to_dict(self) -> dict:
        return {
            "url": self.url,
            "dialect": self.dialect,
            "revision": self.revision,
            "head": self.head,
            "at_head": self.at_head,
        }


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def status(database: Database) -> Status:
    with database.read() as connection:
        revision = current_revision(connection)
    return Status(database.masked, database.dialect, revision, HEAD)


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    return config


def upgrade(database: Database, after=None) -> bool:
    """Bring the schema to HEAD under the lock; `after(connection)` runs in the same locked transaction (the import
    of a store made by an older release). Returns whether anything was done."""
    if status(database).at_head and after is None:
        return False
    with database.migrating() as connection:
        if not database.is_sqlite:  # SQLite's BEGIN IMMEDIATE already holds the one write lock
            connection.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        revision = current_revision(connection)
        changed = False
        if revision != HEAD:
            _refuse_unknown(revision, database)
            from alembic import command

            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            changed = True
        if after is not None:
            changed = after(connection) or changed
        return changed


def _refuse_unknown(revision: str | None, database: Database) -> None:
    if revision is None:
        return
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:  # a revision no script here names
        known = False
    if not known:  # made by a newer release
        raise StoreError(
            f"database {database.masked} is at schema revision {revision!r}, which this release of Citewise does not "
            "know: it was upgraded by a newer release. Use that release (databases are never downgraded)"
        )
