"""INSERT ... ON CONFLICT in the dialect at hand: SQLite and PostgreSQL spell it alike, SQLAlchemy builds each."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table


def _insert(connection: Connection, table: Table):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_or_ignore(connection: Connection, table: Table, rows: Sequence[dict]) -> None:
    if rows:
        connection.execute(_insert(connection, table).on_conflict_do_nothing(), list(rows))


def insert_or_update(connection: Connection, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """Insert the rows; a row whose `keys` exist already has its other columns set from the new one."""
    if not rows:
        return
    statement = _insert(connection, table)
    changed = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    connection.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changed), list(rows))
