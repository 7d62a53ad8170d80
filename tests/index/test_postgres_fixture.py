"""The `pg_url` fixture: a real PostgreSQL 15 reached by SQLAlchemy through psycopg 3, a fresh database per test."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select, text

pytestmark = pytest.mark.integration

seen: list[str] = []
"""The database of each run below, in order: the next run must get another one, and the earlier ones must be gone."""


@pytest.mark.parametrize("run", [1, 2])
def test_pg_url_is_a_fresh_postgres_15_database(pg_url, postgres_server, run):
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            assert conn.execute(select(text("version()"))).scalar_one().startswith("PostgreSQL 15.")
            database = conn.execute(select(text("current_database()"))).scalar_one()
            assert database.startswith("t_") and database not in seen
            existing = set(conn.execute(text("select datname from pg_database")).scalars())
            assert not existing & set(seen), "an earlier test's database was not dropped"
            assert conn.execute(text("select count(*) from pg_tables where schemaname = 'public'")).scalar_one() == 0
            seen.append(database)
            names = Table("names", MetaData(), Column("id", Integer, primary_key=True), Column("name", String))
            names.create(conn)
            conn.execute(insert(names), [{"name": "alpha"}, {"name": "beta"}])
        with engine.connect() as conn:
            rows = conn.execute(select(names.c.id, names.c.name).order_by(names.c.id)).all()
            assert [tuple(row) for row in rows] == [(1, "alpha"), (2, "beta")]
    finally:
        engine.dispose()
    assert postgres_server.password not in postgres_server.log.read_text()
