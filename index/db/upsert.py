"""INSERT ... ON CONFLICT in the dialect at hand: SQLite and PostgreSQL spell it alike, SQLAlchemy builds each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Table

from . import schema


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


def insert_or_update_with(
    connection: Connection, table: Table, rows: Sequence[dict], keys: Sequence[str], change
) -> None:
    """Insert the rows; where `keys` exist already, set the columns `change(table, excluded)` gives."""
    if not rows:
        return
    statement = _insert(connection, table)
    set_ = change(table, statement.excluded)
    connection.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=set_), list(rows))


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert many plain rows at the driver's speed: PostgreSQL's COPY, SQLite's executemany (SQLAlchemy's own
    executemany spends longer preparing each row's parameters than SQLite spends inserting it)."""
    if not rows:
        return
    names = ", ".join(f'"{name}"' for name in columns)
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    connection.connection.driver_connection.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)


def store_files(connection: Connection, files: Iterable[tuple[str, str, bytes]]) -> None:
    """Keep original files (sha256, name, bytes) once per content: the same bytes under another name add nothing."""
    import time

    rows = {sha256: (name, data) for sha256, name, data in files}
    insert_or_ignore(
        connection,
        schema.files,
        [
            {"sha256": sha256, "size": len(data), "name": name, "data": data, "created_at": time.time()}
            for sha256, (name, data) in rows.items()
        ],
    )
