"""The store's database: everything but vectors (documents, files, text, chunks, keyword index, jobs)."""

from __future__ import annotations

from pathlib import Path

from ..errors import StoreError
from .database import Database
from .urls import mask


def open_database(
    url: str, store: Path, poll_seconds: float = 0.5, pool_size: int = 5, auto_upgrade: bool = True
) -> Database:
    """The database at `url`, its schema at head and any store made by an older release (`store`'s old catalog)
    imported; migrations and import run under the database's lock."""
    from . import legacy, migrate

    database = Database(url, poll_seconds=poll_seconds, pool_size=pool_size)
    old = legacy.legacy_catalog(store) if _is_default(database, store) else None
    if old is not None or not migrate.status(database).at_head:
        if not auto_upgrade:
            database.dispose()
            raise StoreError(f"database {mask(url)} needs a schema upgrade: run citewise db upgrade")
        after = (lambda connection: legacy.import_store(connection, store, database)) if old is not None else None
        migrate.upgrade(database, after)
        if old is not None:
            legacy.finish(store)
    _check_tokenizer(database)
    return database


def _check_tokenizer(database: Database) -> None:
    """A keyword index made with another tokenizer version is computed again from the stored texts (never mixed)."""
    from sqlalchemy import select

    from .. import keyword
    from ..terms import VERSION
    from . import schema

    def recorded(connection) -> str | None:
        key = schema.settings.c.key == keyword.TOKENIZER_SETTING
        return connection.execute(select(schema.settings.c.value).where(key)).scalar()

    with database.read() as connection:
        if recorded(connection) == str(VERSION):
            return
    with database.write() as connection:
        if recorded(connection) != str(VERSION):
            keyword.reindex(connection)
            database.bump(connection)


def _is_default(database: Database, store: Path) -> bool:
    """The old catalog is imported on its own only into the store's own SQLite file; into any other database it
    takes `citewise db upgrade --from-store DIR`."""
    return database.is_sqlite and Path(database.url.database).parent.resolve() == Path(store).expanduser().resolve()


__all__ = ["Database", "open_database"]
