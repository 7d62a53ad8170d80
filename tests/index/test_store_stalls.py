"""No stall in the store (issue 21): long documents read back exactly and fast, reads never wait for a write,
chunks the catalog no longer lists are never returned, and a truncated database is named as damage."""

from __future__ import annotations

import os
import threading
import time

import pytest

from index.catalog import Catalog
from index.chunking import chunk_id
from index.errors import StoreError
from index.types import Chunk, LoadedDocument

SENTENCE = "The tide at the old pier rose by {n} centimetres on the night of the storm. "


def _catalog(path) -> Catalog:
    from index.db import open_database

    return Catalog(open_database(f"sqlite:///{path}", path.parent))


def _commit_long_document(catalog: Catalog, doc_id: str, megabytes: float, chunk_chars: int = 1000) -> str:
    """A document of about `megabytes` of text in chunks of `chunk_chars`, committed straight to the catalog."""
    parts, size, n = [], 0, 0
    while size < megabytes * 1_000_000:
        part = SENTENCE.format(n=n)
        parts.append(part)
        size += len(part)
        n += 1
    text = "".join(parts)
    chunks = [
        Chunk(chunk_id(doc_id, i), doc_id, i, start, end, text[start:end], None, ())
        for i, start in enumerate(range(0, len(text), chunk_chars))
        for end in [min(start + chunk_chars, len(text))]
    ]
    loaded = LoadedDocument(text=text, title=doc_id)
    catalog.commit_document(doc_id, doc_id, len(text), loaded, chunks, f"/{doc_id}.txt", 0)
    return text


def _seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def test_reads_do_not_wait_for_a_write_in_progress(tmp_path):
    """A write transaction held open (another process's ingestion committing) never delays a question's reads."""
    from sqlalchemy import update

    from index.db import schema

    catalog = _catalog(tmp_path / "citewise.db")
    _commit_long_document(catalog, "first", 0.01)
    in_write, release = threading.Event(), threading.Event()

    def slow_write():
        with catalog.database.write() as db:  # holds the database's write lock for a while
            db.execute(update(schema.documents).values(title="changed"))
            in_write.set()
            release.wait(10)

    writer = threading.Thread(target=slow_write)
    writer.start()
    in_write.wait(5)
    try:
        took = _seconds(lambda: (catalog.documents(), catalog.document("first"), catalog.generation()))
        assert took < 0.5 and [(d.doc_id, d.title) for d in catalog.documents()] == [("first", "first")]
    finally:
        release.set()
        writer.join()
    assert [d.title for d in catalog.documents()] == ["changed"]


def test_a_document_of_megabytes_commits_and_reads_back_exactly(tmp_path):
    """Chunk texts are stored with their chunks: each is the exact slice of the stored text, long documents too."""
    catalog = _catalog(tmp_path / "citewise.db")
    text = _commit_long_document(catalog, "long", 4)
    stored = catalog.document("long").text
    assert stored == text
    for index in (0, 3, 7, 3999):
        chunk = catalog.chunk(chunk_id("long", index))
        assert chunk.text == stored[chunk.start : chunk.end] and chunk.start == index * 1000
    assert _seconds(lambda: catalog.chunk(chunk_id("long", 2000))) < 0.05


def test_retrieval_skips_chunks_the_catalog_no_longer_lists(tmp_path, fake_embeddings):
    """Vectors of a removed document left in Chroma (an interrupted removal, a damaged catalog) once made every
    question fail with `no chunk has the id ...`."""
    from helpers.stores import answering_store

    assistant = answering_store(
        tmp_path,
        fake_embeddings,
        {
            "harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats in 1890.",
            "boats.txt": "Boat census\n\nFishing boats were counted by the harbour master every spring.",
        },
    )
    gone = next(d.doc_id for d in assistant.documents() if d.title == "Boat census")
    catalog = assistant.library.catalog
    catalog.remove_documents([gone])  # the catalog forgets it; its vectors stay behind,
    catalog.clear_pending([gone])  # and nothing records that they are to be deleted
    answer = assistant.ask("How many fishing boats did the harbour master count?")
    assert "37" in answer.answer and all(c.doc_id != gone for c in answer.citations)
    assert not assistant.health().ok  # and the health check says so


@pytest.mark.parametrize("name", ["citewise.db", "catalog.sqlite3"])
def test_a_truncated_database_is_refused_by_name(tmp_path, name):
    """An empty database file, or an old store's empty catalog, is damage: never taken for a new, empty store."""
    path = tmp_path / name
    path.write_bytes(b"")
    os.utime(path, (time.time() - 60, time.time() - 60))  # empty for a minute: not a file being created now
    with pytest.raises(StoreError, match=f"{name} is empty .*truncated"):
        _catalog(tmp_path / "citewise.db")


def test_an_empty_database_file_being_created_is_not_damage(tmp_path):
    """Servers started together: one has just created the file, still empty, when the next opens it."""
    (tmp_path / "citewise.db").write_bytes(b"")
    assert _catalog(tmp_path / "citewise.db").documents() == []


def test_long_texts_are_tokenized_in_pieces_with_the_same_tokens():
    """bm25s tokenizes a text in one call holding the GIL (a 40 MB document froze the server's other threads for
    1.5 s at the end of an ingestion); in pieces cut at whitespace the tokens are exactly the same."""
    from index.keyword import PIECE_CHARS, KeywordIndex

    long = "".join(SENTENCE.format(n=n) + ("\n\n" if n % 7 == 0 else "") for n in range(12_000))
    assert len(long) > 3 * PIECE_CHARS
    texts = ["", "short text about tides", long, "x" * (PIECE_CHARS + 5)]
    assert KeywordIndex.tokenize_in_pieces(texts) == KeywordIndex.tokenize(texts)
