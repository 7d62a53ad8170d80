"""Upgrading a populated database keeps every row (SQLite and PostgreSQL).

A database of revision 0002 (the release before collections) is filled as that release wrote it, then opened by
this release. On SQLite, Alembic alters a table by copying it and dropping the old one: with foreign keys
enforced that drop cascaded to every text, chunk, box and source of every document (found on a dev-set store:
530 documents kept, their texts and chunks gone). Each table's rows must all be there after the upgrade, in
`default`."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from index.db import open_database
from index.keyword import TOKENIZER_SETTING
from index.terms import VERSION

ROWS = {
    "files": "INSERT INTO files (sha256, size, name, data, created_at) VALUES ('f1', 3, 'a.txt', :data, 0)",
    "documents": "INSERT INTO documents (doc_id, content_hash, file_sha256, title, size, chunk_count, ingested_at, "
    "page_starts, terms_len) VALUES ('d1', 'f1', 'f1', 'Harbour', 3, 2, '2026-01-01', '[]', 7)",
    "texts": "INSERT INTO texts (doc_id, text) VALUES ('d1', 'The harbour master counted boats.')",
    "boxes": "INSERT INTO boxes (doc_id, data) VALUES ('d1', :data)",
    "sources": "INSERT INTO sources (path, doc_id, mtime_ns, size) VALUES ('/docs/a.txt', 'd1', 1, 3)",
    "chunks": 'INSERT INTO chunks (id, chunk_id, doc_id, idx, start, "end", sentences, text, terms_len) VALUES '
    "(1, 'd1-0', 'd1', 0, 0, 10, '[]', 'The harbour', 2), (2, 'd1-1', 'd1', 1, 11, 20, '[]', 'master', 1)",
    "postings": "INSERT INTO postings (term, chunk, tf, len, impact) VALUES ('harbour', 1, 1, 2, 0.5), "
    "('master', 2, 1, 1, 0.6)",
    "doc_postings": "INSERT INTO doc_postings (term, doc_id, tf, len, impact) VALUES ('harbour', 'd1', 1, 7, 0.4)",
    "terms": "INSERT INTO terms (term, df) VALUES ('harbour', 1), ('master', 1)",
}


def _at_revision_0002(url: str) -> None:
    from alembic import command

    from index.db.migrate import alembic_config

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        for statement in ROWS.values():
            connection.execute(text(statement), {"data": b"abc"} if ":data" in statement else {})
        connection.execute(text("UPDATE keyword_stats SET n = 2, total_len = 3 WHERE scope = 'chunk'"))
        # Indexed with this release's tokenizer: opening it must not re-index (that would rewrite the postings).
        connection.execute(
            text("INSERT INTO settings (key, value) VALUES (:key, :value)"),
            {"key": TOKENIZER_SETTING, "value": str(VERSION)},
        )
    engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_a_populated_database_upgrades_without_losing_a_row(dialect, tmp_path, request):
    url = f"sqlite:///{tmp_path}/citewise.db" if dialect == "sqlite" else request.getfixturevalue("pg_url")
    _at_revision_0002(url)
    database = open_database(url, tmp_path, 0.0, 1, True)
    with database.read() as db:
        counts = {table: db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in ROWS}
        assert counts == {
            "files": 1, "documents": 1, "texts": 1, "boxes": 1, "sources": 1, "chunks": 2, "postings": 2,
            "doc_postings": 1, "terms": 2,
        }  # fmt: skip
        assert db.execute(text("SELECT collection_id FROM documents")).scalar_one() == 1
        assert db.execute(text("SELECT collection_id, path FROM sources")).one() == (1, "/docs/a.txt")
        assert db.execute(text("SELECT n FROM keyword_stats WHERE collection_id = 1 AND scope = 'chunk'")).scalar() == 2
        assert db.execute(text("SELECT name FROM collections")).scalar_one() == "default"
