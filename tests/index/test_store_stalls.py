"""No stall in the store (issue 21): the keyword index's reads of the catalog are linear in the text (they
were quadratic: the whole text copied once per chunk), builds never block searches, reads never wait for a
write, chunks the catalog no longer lists are never returned, and a truncated catalog is named as damage."""

from __future__ import annotations

import threading
import time

import pytest

from index.catalog import Catalog
from index.chunking import chunk_id
from index.errors import StoreError
from index.types import Chunk, LoadedDocument

SENTENCE = "The tide at the old pier rose by {n} centimetres on the night of the storm. "


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
        Chunk(chunk_id(doc_id, i), doc_id, i, start, min(start + chunk_chars, len(text)), "", None, ())
        for i, start in enumerate(range(0, len(text), chunk_chars))
    ]
    loaded = LoadedDocument(text=text, title=doc_id)
    catalog.commit_document(doc_id, doc_id, len(text), loaded, chunks, f"/{doc_id}.txt", 0)
    return text


def _seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def test_chunk_texts_is_linear_in_the_text_and_exact(tmp_path):
    """Doubling the text twice must not take 16x as long (the quadratic read: 5 MB 7 s, 10 MB 32 s, 20 MB 150 s)."""
    small, large = Catalog(tmp_path / "small.sqlite3"), Catalog(tmp_path / "large.sqlite3")
    text = _commit_long_document(small, "small", 2)
    _commit_long_document(large, "large", 8)
    rows = list(small.chunk_texts())
    assert "".join(piece for _, piece in rows) == text  # every chunk is the exact slice, in order
    assert [chunk for chunk, _ in rows] == sorted(chunk for chunk, _ in rows)
    tiny = _commit_long_document(small, "tiny", 0.01)  # sliced by SQL; the 2 MB one from its text read once
    for doc_id, source in (("tiny", tiny), ("small", text)):
        for index in (0, 3, 7):
            chunk = small.chunk(chunk_id(doc_id, index))
            assert chunk.text == source[chunk.start : chunk.end] and chunk.start == index * 1000
    two = min(_seconds(lambda: list(small.chunk_texts())) for _ in range(3))
    eight = min(_seconds(lambda: list(large.chunk_texts())) for _ in range(3))
    assert eight < 1.5, f"8 MB of text took {eight:.2f} s to read for the keyword index"
    assert eight / max(two, 0.02) < 8, f"2 MB {two:.3f} s, 8 MB {eight:.3f} s: not linear"  # 20 ms: timer noise


def test_reads_do_not_wait_for_a_write_in_progress(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    _commit_long_document(catalog, "first", 0.01)
    in_write, release = threading.Event(), threading.Event()

    def slow_write():
        with catalog._transaction() as db:  # a write that holds the catalog's write lock for a while
            db.execute("INSERT INTO meta(key, value) VALUES ('x', '1')")
            in_write.set()
            release.wait(10)

    writer = threading.Thread(target=slow_write)
    writer.start()
    in_write.wait(5)
    try:
        took = _seconds(lambda: (catalog.documents(), catalog.document("first"), catalog.generation()))
        assert took < 0.5 and [d.doc_id for d in catalog.documents()] == ["first"]
    finally:
        release.set()
        writer.join()


def test_searches_keep_the_previous_keyword_index_while_a_new_one_builds(fake_library, tmp_path):
    """A server (background builds) answers from the index it has while the catalog's new state is indexed."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pier.txt").write_text("The old pier\n\nThe tide at the old pier rose in the storm of 1953.")
    fake_library.ingest([docs])
    keyword = fake_library.keyword
    keyword.background = True
    assert keyword.search("pier tide", 5)
    (docs / "ferry.txt").write_text("Osterby ferry\n\nThe ferry to Kelso carries twelve cars at dawn.")
    building = threading.Event()
    release = threading.Event()
    original = keyword._build

    def slow_build(generation):
        building.set()
        release.wait(10)
        return original(generation)

    keyword._build = slow_build
    fake_library.catalog.commit_document(
        "ferrydoc",
        "ferrydoc",
        10,
        LoadedDocument(text="The ferry to Kelso carries twelve cars at dawn.", title="Osterby ferry"),
        [Chunk(chunk_id("ferrydoc", 0), "ferrydoc", 0, 0, 47, "", None, ())],
        str(docs / "ferry.txt"),
        0,
    )
    try:
        started = time.perf_counter()
        old = keyword.search("pier tide", 5)
        assert time.perf_counter() - started < 0.5 and old  # the previous index, at once
        assert building.wait(5) and keyword.building and keyword.stale
        assert keyword.search("ferry Kelso", 5) == []  # not in the old index yet
    finally:
        release.set()
    deadline = time.monotonic() + 10
    while keyword.stale and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [h.chunk_id for h in keyword.search("ferry Kelso", 5)] == [chunk_id("ferrydoc", 0)]


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


def test_a_truncated_catalog_is_refused_by_name(tmp_path):
    path = tmp_path / "catalog.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(StoreError, match="catalog .* is empty .*truncated"):
        Catalog(path)


def test_long_texts_are_tokenized_in_pieces_with_the_same_tokens():
    """bm25s tokenizes a text in one call holding the GIL (a 40 MB document froze the server's other threads for
    1.5 s at the end of an ingestion); in pieces cut at whitespace the tokens are exactly the same."""
    from index.keyword import PIECE_CHARS, KeywordIndex

    long = "".join(SENTENCE.format(n=n) + ("\n\n" if n % 7 == 0 else "") for n in range(12_000))
    assert len(long) > 3 * PIECE_CHARS
    texts = ["", "short text about tides", long, "x" * (PIECE_CHARS + 5)]
    assert KeywordIndex.tokenize_in_pieces(texts) == KeywordIndex.tokenize(texts)
