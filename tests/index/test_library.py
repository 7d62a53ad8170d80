"""The library keeps catalog, Chroma and BM25 in step through adds, updates, aliases, syncs and removals."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from helpers.corpora import bad_corpus, copy_demo, good_corpus
from helpers.stores import consistent
from index.library import Library


def test_ingest_all_formats_and_offsets_hold(fake_library, tmp_path):
    files = good_corpus(tmp_path / "docs")
    report = fake_library.ingest([tmp_path / "docs"])
    assert not report.failed and len(report.added) == len(files)
    for record in fake_library.documents():
        text = fake_library.document(record.doc_id).text
        for chunk in fake_library.catalog.chunks_of(record.doc_id):
            assert text[chunk.start : chunk.end] == chunk.text
            for s, e in chunk.sentences:
                assert chunk.start <= s < e <= chunk.end
    consistent(fake_library)


def test_unchanged_reingest_embeds_nothing(fake_library, fake_embeddings, tmp_path):
    copy_demo(tmp_path / "docs")
    fake_library.ingest([tmp_path / "docs"])
    encoded = fake_embeddings.encoded_texts
    for path in (tmp_path / "docs").iterdir():
        os.utime(path)  # touched but unchanged: hashed again, still not embedded
    report = fake_library.ingest([tmp_path / "docs"])
    assert fake_embeddings.encoded_texts == encoded
    assert len(report.unchanged) == 2 and not report.added and not report.updated


def test_changed_file_replaces_its_chunks(fake_library, tmp_path):
    docs = copy_demo(tmp_path / "docs")
    fake_library.ingest([docs])
    before = consistent(fake_library)
    target = sorted(docs.iterdir())[0]
    old_id = fake_library.catalog.source(str(target)).doc_id
    target.write_text(target.read_text() + "\n\nA brand new closing sentence about zebras.\n")
    report = fake_library.ingest([docs])
    assert [o.path for o in report.updated] == [str(target)]
    after = consistent(fake_library)
    assert not any(chunk_id.startswith(old_id) for chunk_id in after)
    assert len(fake_library.documents()) == 2
    assert after != before
    assert fake_library.keyword.search("zebras", 3)


def test_same_content_under_two_names_is_stored_once(fake_library, tmp_path):
    docs = copy_demo(tmp_path / "docs")
    first = sorted(docs.iterdir())[0]
    shutil.copy(first, docs / "copy-of-first.txt")
    report = fake_library.ingest([docs])
    assert len(report.added) == 3
    records = fake_library.documents()
    assert len(records) == 2
    alias = next(r for r in records if len(r.sources) == 2)
    assert str(docs / "copy-of-first.txt") in alias.sources
    consistent(fake_library)


def test_sync_removes_documents_whose_files_are_gone(fake_library, tmp_path):
    docs = copy_demo(tmp_path / "docs")
    fake_library.ingest([docs])
    gone = sorted(docs.iterdir())[0]
    gone.unlink()
    report = fake_library.ingest([docs], sync=True)
    assert [o.path for o in report.removed] == [str(gone)]
    assert len(fake_library.documents()) == 1
    consistent(fake_library)


def test_remove_by_id_prefix_and_path(fake_library, tmp_path):
    docs = copy_demo(tmp_path / "docs")
    fake_library.ingest([docs])
    first, second = fake_library.documents()
    fake_library.remove([first.doc_id[:8]])
    fake_library.remove([second.source])
    assert fake_library.documents() == []
    assert consistent(fake_library) == set()


def test_unknown_document_is_a_clear_error(fake_library):
    from index.errors import UnknownDocumentError

    with pytest.raises(UnknownDocumentError, match="nope"):
        fake_library.remove(["nope"])


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path, fake_embeddings):
    from index.settings import IndexSettings

    library = Library(IndexSettings(store=tmp_path / "store", max_file_mb=1), fake_embeddings)
    docs = copy_demo(tmp_path / "docs")
    bad = bad_corpus(docs)
    report = library.ingest([docs, tmp_path / "missing.txt"])
    readable_as_root = 1 if os.geteuid() == 0 else 0
    assert len(report.added) == 2 + readable_as_root
    reasons = {o.path: o.reason for o in report.failed}
    assert reasons[str(tmp_path / "missing.txt")] == "no such file or folder"
    for kind, (path, word) in bad.items():
        if kind == "unreadable" and os.geteuid() == 0:
            continue  # root reads anything; the CLI test checks this case as an unprivileged user
        assert word in reasons[str(path)], (kind, reasons.get(str(path)))
    consistent(library)


def test_interrupted_commit_leaves_no_orphans(fake_library, tmp_path, monkeypatch):
    """Vectors stored for a document that never reached the catalog are deleted on the next open."""
    docs = copy_demo(tmp_path / "docs")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fake_library.catalog, "commit_documents", crash)
    with pytest.raises(KeyboardInterrupt):
        fake_library.ingest([docs])
    assert fake_library.vectors.count() > 0 and fake_library.documents() == []
    monkeypatch.undo()
    reopened = Library(fake_library.settings, fake_library.embeddings)
    assert reopened.vectors.count() == 0
    reopened.ingest([docs])
    consistent(reopened)


def test_keyword_index_survives_reopen(fake_library, tmp_path):
    """A restarted server searches by keyword at once, from the index on disk, best hit first."""
    fake_library.ingest([copy_demo(tmp_path / "docs")])
    hits = Library(fake_library.settings, fake_library.embeddings).keyword.search("detained protesters", 5)
    assert hits and hits[0].score >= hits[-1].score


def test_keyword_search_keeps_to_the_allowed_documents(fake_library, tmp_path):
    """Document and metadata filters reach keyword search as an allow-list of documents."""
    fake_library.ingest([copy_demo(tmp_path / "docs")])
    last = fake_library.keyword.search("detained protesters", 5)[-1]
    only = {last.chunk_id.rsplit("-", 1)[0]}
    hits = fake_library.keyword.search("detained protesters", 5, only)
    assert hits and all(h.chunk_id.rsplit("-", 1)[0] in only for h in hits)
    assert fake_library.keyword.search("detained protesters", 5, []) == []


@pytest.mark.parametrize("few_documents", [64, 0])
def test_keyword_ranking_is_the_one_bm25s_computes(fake_library, tmp_path, monkeypatch, few_documents):
    """The database's BM25 (computed in SQL from postings, kept up to date per document) ranks and scores exactly
    as bm25s (method lucene, k1 1.5, b 0.75) ranks the same chunks built from scratch, ties and allow-lists
    included, and after documents were removed and updated, never returning a zero-score chunk."""
    import random

    import bm25s

    from index.keyword import K1, B

    assert (bm25s.BM25().k1, bm25s.BM25().b, bm25s.BM25().method) == (K1, B, "lucene")
    rng = random.Random(7)
    words = "river bridge council vote harbour storm ferry mayor budget school".split()
    docs = tmp_path / "many"
    docs.mkdir()
    for number in range(80):  # few distinct words: many ties, and most chunks miss any one word
        sentences = [" ".join(rng.choices(words, k=6)).capitalize() + "." for _ in range(rng.randint(1, 4))]
        (docs / f"note-{number:02d}.txt").write_text(" ".join(sentences))
    fake_library.ingest([docs])
    for number in rng.sample(range(80), 10):  # removed and changed documents: the index is kept, not rebuilt
        (docs / f"note-{number:02d}.txt").unlink()
    for number in rng.sample(range(80), 10):
        path = docs / f"note-{number:02d}.txt"
        if path.exists():
            path.write_text(path.read_text() + " Ferry budget vote.")
    fake_library.ingest([docs], sync=True)
    keyword = fake_library.keyword
    catalog = fake_library.catalog
    ids = catalog.chunk_ids()
    texts = [catalog.chunk(i).text for i in ids]
    oracle = bm25s.BM25()
    oracle.index(keyword.tokenize(texts), show_progress=False)
    doc_ids = sorted({i.rsplit("-", 1)[0] for i in ids})
    allowed = set(rng.sample(doc_ids, len(doc_ids) // 3))
    for query in ("river", "storm ferry", "mayor budget school vote", "zebra", "the river"):
        for k in (1, 5, 40, 500):
            for only in (None, allowed):
                hits = keyword.search(query, k, only)
                mask = None
                if only is not None:
                    mask = np.array([1.0 if i.rsplit("-", 1)[0] in only else 0.0 for i in ids], dtype=np.float32)
                found, scores = oracle.retrieve(
                    keyword.tokenize([query]), k=min(k, len(ids)), show_progress=False, weight_mask=mask, n_threads=0
                )
                expected = [(ids[int(d)], float(x)) for d, x in zip(found[0], scores[0], strict=True) if x > 0]
                assert [h.score for h in hits] == pytest.approx([x for _, x in expected], rel=1e-5)
                assert all(h.score > 0 for h in hits)
                assert only is None or {h.chunk_id.rsplit("-", 1)[0] for h in hits} <= only
                if expected:
                    cut = expected[-1][1]  # chunks tied at the cut may differ; every chunk above it may not
                    above = {i for i, x in expected if x > cut + 1e-6}
                    assert above <= {h.chunk_id for h in hits}
    assert keyword.search("zebra", 5) == []
    consistent(fake_library)


def test_a_store_opened_with_another_collection_is_a_clear_error(tmp_path, fake_embeddings):
    """The catalog belongs to one Chroma collection; another name would silently answer from no vectors."""
    from index.errors import StoreError
    from index.settings import IndexSettings

    Library(IndexSettings(store=tmp_path / "store"), fake_embeddings).ingest([copy_demo(tmp_path / "docs")])
    other = Library(IndexSettings(store=tmp_path / "store", chroma_collection="other"), fake_embeddings)
    with pytest.raises(StoreError, match="'citewise', not 'other'"):
        other.vectors  # noqa: B018 - opening the vector store is what is checked
    again = Library(IndexSettings(store=tmp_path / "store"), fake_embeddings)
    assert again.vectors.count() > 0


def test_a_catalog_without_its_vectors_is_a_clear_error(tmp_path, fake_embeddings):
    """A catalog whose Chroma collection is empty (pointed at another Chroma, or the vectors deleted) is named."""
    from index.errors import StoreError
    from index.settings import IndexSettings

    library = Library(IndexSettings(store=tmp_path / "store"), fake_embeddings)
    library.ingest([copy_demo(tmp_path / "docs")])
    library.vectors.collection.delete(ids=library.vectors.all_ids())
    reopened = Library(IndexSettings(store=tmp_path / "store"), fake_embeddings)
    with pytest.raises(StoreError, match="holds no vectors"):
        reopened.vectors  # noqa: B018


def test_a_common_term_is_read_by_its_best_postings_only(fake_library, tmp_path, monkeypatch):
    """A question's cost is bounded: each term's postings are read best first (highest BM25 tf part) up to
    TERM_POSTINGS, so a term in more chunks than that scores only its best ones; filtered searches read all."""
    from index import keyword as keyword_module

    docs = tmp_path / "docs"
    docs.mkdir()
    for number in range(8):  # "ferry" once in a long text ... up to many times in a short one
        (docs / f"d{number}.txt").write_text("Ferry. " * (number + 1) + "Harbour wall and pier. " * (12 - number))
    fake_library.ingest([docs])
    everything = fake_library.keyword.search("ferry", 20)
    assert len(everything) == 8
    monkeypatch.setattr(keyword_module, "TERM_POSTINGS", 3)
    keyword_module._statement.cache_clear()
    try:
        best = fake_library.keyword.search("ferry", 20)
        within = fake_library.keyword.search("ferry", 20, {h.chunk_id.rsplit("-", 1)[0] for h in everything})
    finally:
        keyword_module._statement.cache_clear()
    assert [h.chunk_id for h in best] == [h.chunk_id for h in everything[:3]]  # the three best, scored the same
    assert [h.score for h in best] == pytest.approx([h.score for h in everything[:3]])
    assert len(within) == 8
