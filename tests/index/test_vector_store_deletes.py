"""Identical chunks and deletions in the vector store (issue 21, defect 5).

A file of one repeated line makes thousands of chunks with the same text, hence the same vector. In Chroma's HNSW
index (hnswlib) bit-identical vectors fill each other's neighbour lists, so search that enters the pile cannot leave
it: the chunks stored before it stop being found, and after `citewise rm` (deletion only marks the nodes) queries
return nothing at all, even filtered to one document. Sizes are about the smallest that fail with Chroma 1.5.9:
1,500 copies (from ~300 the earlier chunks are hidden in every run; after the removal 1,300 never failed, 1,400 and
more fail in ~9 runs of 10: Chroma inserts a batch from several threads in no fixed order) and 40 small files
afterwards, so that more than 100 vectors are live (below that Chroma searches a damaged index exhaustively).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.fakes import HashingEmbeddings
from index.chroma_client import open_client
from index.store import NUDGE, REBUILD_SUFFIX, ChunkStore, distinct_vectors
from index.types import Chunk

DIM = 384
COPIES = 1500
SAMPLE_CHUNKS = 20  # per sample document
FILES = 40


@pytest.fixture
def rng():
    return np.random.default_rng(21)


@pytest.fixture
def client(tmp_path):
    return open_client(tmp_path, None)


def unit(rng, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def chunks(doc_id: str, n: int) -> list[Chunk]:
    return [Chunk(f"{doc_id}-{i}", doc_id, i, 10 * i, 10 * i + 9, "x", None, ()) for i in range(n)]


def sample_corpus(store: ChunkStore, rng) -> dict[str, np.ndarray]:
    """Two news articles."""
    sample = {}
    for doc_id in ("news-a", "news-b"):
        sample[doc_id] = unit(rng, SAMPLE_CHUNKS)
        store.upsert(chunks(doc_id, SAMPLE_CHUNKS), sample[doc_id])
    return sample


def small_files(store: ChunkStore, rng) -> None:
    for number in range(FILES):
        vectors = unit(rng, int(rng.integers(1, 4)))
        store.upsert(chunks(f"file{number}", len(vectors)), vectors)


def found_first(store: ChunkStore, sample: dict[str, np.ndarray]) -> int:
    """How many sample chunks their own vector finds first."""
    return sum(
        store.query(vector, 10)[0].chunk_id == f"{doc_id}-{i}"
        for doc_id, vectors in sample.items()
        for i, vector in enumerate(vectors)
    )


def assert_search_works(store: ChunkStore, sample: dict[str, np.ndarray], rng) -> None:
    for query in unit(rng, 20):
        assert len(store.query(query, 10)) == 10
    filtered = store.query(unit(rng, 1)[0], 10, ["news-a"])
    assert len(filtered) == 10 and {h.doc_id for h in filtered} == {"news-a"}
    assert found_first(store, sample) == 2 * SAMPLE_CHUNKS


def test_a_pile_of_identical_chunks_does_not_hide_the_chunks_stored_before_it(client, rng):
    store = ChunkStore(client, "citewise", HashingEmbeddings(DIM))
    sample = sample_corpus(store, rng)
    store.upsert(chunks("repeated", COPIES), np.repeat(unit(rng, 1), COPIES, axis=0))
    # Before the fix: 0 of 40 (every query ends in the pile). HNSW is approximate: allow a few misses.
    assert found_first(store, sample) >= 0.9 * 2 * SAMPLE_CHUNKS


def test_search_still_finds_everything_after_a_pile_of_identical_chunks_is_removed(client, rng):
    for name in ("citewise", "another"):  # one store in ten escaped before the fix; two in a hundred
        store = ChunkStore(client, name, HashingEmbeddings(DIM))
        sample = sample_corpus(store, rng)
        store.upsert(chunks("repeated", COPIES), np.repeat(unit(rng, 1), COPIES, axis=0))
        store.delete_documents(["repeated"])
        small_files(store, rng)
        assert store.count() > 100
        collection_id = store.collection.id
        assert_search_works(store, sample, rng)  # before the fix: 0 hits for every query
        assert store.collection.id == collection_id  # found by the index as built, not by a rebuild


def test_an_index_damaged_by_an_older_citewise_is_rebuilt_by_the_first_short_query(client, rng):
    """Stores written before the fix hold the pile's deleted nodes for good: a query that finds fewer chunks than
    match it rebuilds the collection from its records, then answers."""
    for attempt in range(5):  # the damage shows in ~9 stores of 10
        name = f"damaged{attempt}"
        store = ChunkStore(client, name, HashingEmbeddings(DIM))
        sample = sample_corpus(store, rng)
        pile = chunks("repeated", COPIES)
        store.collection.upsert(  # exact copies, as they were stored before
            ids=[c.chunk_id for c in pile],
            embeddings=np.repeat(unit(rng, 1), COPIES, axis=0),
            metadatas=[{"doc_id": c.doc_id, "start": c.start, "end": c.end, "index": c.index} for c in pile],
        )
        store.delete_documents(["repeated"])
        small_files(store, rng)
        if not store.collection.query(query_embeddings=unit(rng, 1), n_results=10, include=[])["ids"][0]:
            break
    else:
        pytest.fail("could not damage an index the way older stores are")
    ids = sorted(store.all_ids())
    collection_id = store.collection.id
    assert_search_works(store, sample, rng)
    assert store.collection.id != collection_id  # rebuilt
    assert sorted(store.all_ids()) == ids and name in [c.name for c in client.list_collections()]
    assert name + REBUILD_SUFFIX not in [c.name for c in client.list_collections()]
    assert_search_works(ChunkStore(client, name, HashingEmbeddings(DIM)), sample, rng)


def test_a_query_the_rebuilt_index_still_cannot_answer_is_searched_exactly(client, rng, monkeypatch):
    store = ChunkStore(client, "citewise", HashingEmbeddings(DIM))
    vectors = unit(rng, 30)
    store.upsert(chunks("doc", 30), vectors)
    stored = store.vectors([f"doc-{i}" for i in range(30)])
    real_query = store._query
    monkeypatch.setattr(store, "_query", lambda *args: {key: [[]] for key in real_query(*args)})
    query = unit(rng, 1)[0]
    hits = store.query(query, 5, with_vectors=True)
    expected = np.argsort(-(stored @ query))[:5]
    assert [h.chunk_id for h in hits] == [f"doc-{i}" for i in expected]
    assert [h.score for h in hits] == pytest.approx([float(stored[i] @ query) for i in expected], abs=1e-5)
    assert all(np.allclose(h.vector, stored[i], atol=1e-6) for h, i in zip(hits, expected, strict=True))


def test_a_query_for_more_chunks_than_match_costs_one_call_once_counted(client, rng, monkeypatch):
    store = ChunkStore(client, "citewise", HashingEmbeddings(DIM))
    store.upsert(chunks("small", 3), unit(rng, 3))
    store.upsert(chunks("large", 30), unit(rng, 30))
    assert len(store.query(unit(rng, 1)[0], 10, ["small"])) == 3  # counted once
    counts = []
    monkeypatch.setattr(store.collection, "get", lambda **kwargs: counts.append(kwargs))
    monkeypatch.setattr(store.collection, "count", lambda: counts.append("count"))
    for query in unit(rng, 5):
        assert len(store.query(query, 10, ["small"])) == 3 and len(store.query(query, 10)) == 10
    assert counts == []


def test_a_rebuild_interrupted_before_the_rename_is_finished_on_open(client, rng):
    store = ChunkStore(client, "citewise", HashingEmbeddings(DIM))
    store.upsert(chunks("doc", 5), unit(rng, 5))
    store.collection.modify(name="citewise" + REBUILD_SUFFIX)  # the copy, after the original was deleted
    reopened = ChunkStore(client, "citewise", HashingEmbeddings(DIM))
    assert reopened.count() == 5 and [c.name for c in client.list_collections()] == ["citewise"]


def test_identical_vectors_are_stored_distinct_and_barely_moved(rng):
    vector = unit(rng, 1)
    ids = [f"doc-{i}" for i in range(50)]
    stored = distinct_vectors(ids, np.repeat(vector, 50, axis=0))
    assert len({row.tobytes() for row in stored}) == 50
    assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-6)
    assert (stored @ vector[0]).min() > 1 - NUDGE**2
    assert np.array_equal(stored, distinct_vectors(ids, np.repeat(vector, 50, axis=0)))  # the same in every store
