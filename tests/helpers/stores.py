"""Checks on a store shared by the tests."""

from __future__ import annotations

from collections import Counter


def consistent(library) -> set[str]:
    """Assert the catalog, Chroma and the keyword index agree and nothing is pending; return the chunk ids."""
    catalog_ids = set(library.catalog.chunk_ids())
    assert set(library.vectors.all_ids()) == catalog_ids
    postings = keyword_postings(library)
    assert postings == expected_postings(library)
    assert len(library.keyword) == len(catalog_ids)
    assert term_frequencies(library) == dict(Counter(term for counts in postings.values() for term in counts))
    assert not library.catalog.pending()
    return catalog_ids


def term_frequencies(library) -> dict[str, int]:
    """The document frequency the index keeps per term (`terms`)."""
    from sqlalchemy import select

    from index.db import schema

    with library.database.read() as db:
        return dict(db.execute(select(schema.terms.c.term, schema.terms.c.df)).all())


def keyword_postings(library) -> dict[str, dict[str, int]]:
    """The chunk-level keyword index as stored: chunk id -> {term: tf}."""
    from sqlalchemy import select

    from index.db import schema

    postings, chunks = schema.postings, schema.chunks
    found: dict[str, dict[str, int]] = {}
    with library.database.read() as db:
        rows = db.execute(
            select(chunks.c.chunk_id, postings.c.term, postings.c.tf).join(chunks, chunks.c.id == postings.c.chunk)
        )
        for chunk_id, term, tf in rows:
            found.setdefault(chunk_id, {})[term] = tf
    return found


def expected_postings(library) -> dict[str, dict[str, int]]:
    """The postings each chunk's text gives when tokenized afresh from the document's stored text."""
    from collections import Counter

    from index.keyword import tokenize

    expected = {}
    for record in library.documents():
        text = library.document(record.doc_id).text
        for chunk in library.catalog.chunks_of(record.doc_id):
            counts = Counter(tokenize([text[chunk.start : chunk.end]])[0])
            if counts:
                expected[chunk.chunk_id] = dict(counts)
    return expected


def answering_store(tmp_path, embeddings, texts: dict[str, str], **settings):
    """An Assistant over the given files (name -> text), ingested, that never abstains unless told to."""
    from rag import Assistant

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in texts.items():
        (docs / name).write_text(text)
    assistant = Assistant.open(
        store=tmp_path / "store", embeddings=embeddings, **{"abstain_threshold": 0.0, **settings}
    )
    assistant.ingest([docs])
    return assistant


def database_settings(request) -> dict:
    """The settings of a fixture parametrized over ["sqlite"/"embedded", "postgres"]: none for SQLite; for PostgreSQL
    a fresh database (`pg_url`), files indexed in the process that is given them."""
    if request.param != "postgres":
        return {}
    return {"database_url": request.getfixturevalue("pg_url"), "ingest_mode": "direct"}
