"""A store made by the release before the database layer (catalog.sqlite3 + bm25/ + Chroma) opens in this one
without embedding anything again: the same documents, chunks, text, search results and answers as a store built
afresh from the same files, its Chroma untouched, its old catalog kept as a backup."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers.corpora import copy_demo
from helpers.fakes import HashingEmbeddings
from helpers.pre23 import BLOB_IDS, build_store
from helpers.stores import consistent, keyword_postings
from index.library import Library
from index.settings import IndexSettings

QUESTIONS = ("How many fishing boats were in the harbour?", "detained protesters", "Who announced the ferry?")


def test_the_frozen_release_modules_are_verbatim():
    """The old store is made by the old code itself, not by a rewrite of it that could drift."""
    folder = Path(__file__).parents[1] / "helpers" / "pre23"
    for name, blob in BLOB_IDS.items():
        found = subprocess.run(["git", "hash-object", str(folder / name)], capture_output=True, text=True, check=True)
        assert found.stdout.strip() == blob, name


@pytest.fixture
def corpus(tmp_path) -> list[Path]:
    docs = copy_demo(tmp_path / "docs")
    (docs / "harbour.txt").write_text(
        "Harbour report\n\nThe harbour master counted 37 fishing boats in the harbour on Monday. "
        "The ferry to Kelso was announced by the council."
    )
    (docs / "alias.txt").write_text((docs / "harbour.txt").read_text())  # one document, two sources
    return sorted(docs.iterdir())


def _view(library: Library) -> dict:
    """Everything a user can see of a store, by natural keys."""
    records = sorted((r.doc_id, r.sources, r.title, r.chunks, r.size, r.content_hash) for r in library.documents())
    chunks = {c.chunk_id: (c.start, c.end, c.text, c.page, c.sentences)
              for r in library.documents() for c in library.catalog.chunks_of(r.doc_id)}  # fmt: skip
    texts = {r.doc_id: library.document(r.doc_id).text for r in library.documents()}
    searches = {q: [(h.chunk_id, round(h.score, 9)) for h in library.keyword.search(q, 10)] for q in QUESTIONS}
    return {"records": records, "chunks": chunks, "texts": texts, "keyword": searches,
            "postings": keyword_postings(library)}  # fmt: skip


def test_an_old_store_is_imported_without_embedding_again(tmp_path, corpus):
    old_store, fresh_store = tmp_path / "old", tmp_path / "fresh"
    build_store(old_store, corpus, HashingEmbeddings())
    chroma_before = sorted(p.relative_to(old_store) for p in (old_store / "chroma").rglob("*"))
    fresh = Library(IndexSettings(store=fresh_store), HashingEmbeddings())
    report = fresh.ingest(corpus)
    assert len(report.added) == len(corpus) and not report.failed

    embeddings = HashingEmbeddings()
    imported = Library(IndexSettings(store=old_store), embeddings)
    assert embeddings.encoded_texts == 0  # nothing embedded again
    assert _view(imported) == _view(fresh)
    assert sorted(imported.vectors.all_ids()) == sorted(fresh.vectors.all_ids())
    consistent(imported)
    assert (old_store / "catalog.sqlite3.pre-23").is_file() and not (old_store / "catalog.sqlite3").exists()
    assert not (old_store / "bm25").exists()
    assert sorted(p.relative_to(old_store) for p in (old_store / "chroma").rglob("*")) == chroma_before
    # The originals were read back from their sources (same bytes), so any server can load them again.
    for record in imported.documents():
        stored = imported.catalog.file(imported.document(record.doc_id).file_sha256)
        assert stored.data == Path(record.sources[0]).read_bytes()

    generation = imported.catalog.generation()
    again = Library(IndexSettings(store=old_store), embeddings)  # a second open imports nothing
    assert again.catalog.generation() == generation and _view(again) == _view(fresh)
    report = again.ingest(corpus)
    assert len(report.unchanged) == len(corpus) and embeddings.encoded_texts == 0


def test_a_crash_during_the_import_leaves_the_old_store_usable(tmp_path, corpus, monkeypatch):
    """The import is one transaction: killed half-way, nothing of it is kept and the next open imports anew."""
    from index.db import legacy

    store = tmp_path / "old"
    build_store(store, corpus, HashingEmbeddings())
    real = legacy._copy_document
    copied = []

    def crash(*args, **kwargs):
        if copied:
            raise KeyboardInterrupt
        copied.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(legacy, "_copy_document", crash)
    with pytest.raises(KeyboardInterrupt):
        Library(IndexSettings(store=store), HashingEmbeddings())
    assert (store / "catalog.sqlite3").is_file() and (store / "bm25").is_dir()
    monkeypatch.undo()
    library = Library(IndexSettings(store=store), HashingEmbeddings())
    assert len(library.documents()) == 3
    consistent(library)


def test_an_old_store_can_be_imported_into_another_database_only_on_request(tmp_path, corpus):
    """A database elsewhere (a team's) never silently takes a store's folder: that is `db upgrade --from-store`."""
    store = tmp_path / "old"
    build_store(store, corpus, HashingEmbeddings())
    elsewhere = f"sqlite:///{tmp_path / 'team.db'}"
    library = Library(IndexSettings(store=store, database_url=elsewhere), HashingEmbeddings())
    assert library.documents() == [] and (store / "catalog.sqlite3").is_file()
