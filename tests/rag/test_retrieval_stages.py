"""The retrieval stages as small functions: fusion, per-document picks, interleaving the parts of a question,
MMR, passage assembly and title phrases. Chunk ids are "<doc>-<index>" as the index makes them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from index.chunking import chunk_id
from rag.retrieval.fusion import RetrievalRun, best_per_document, document_order, interleave, mmr, rrf
from rag.retrieval.passages import assemble_passages
from rag.text.names import normalise_title, title_phrases
from rag.types import Passage

A0, A1, B0, C0 = chunk_id("a", 0), chunk_id("a", 1), chunk_id("b", 0), chunk_id("c", 0)


def test_rrf_adds_weighted_reciprocal_ranks():
    fused = rrf([([A0, B0], 1.0), ([B0, C0], 0.5)], k=20)
    assert fused[A0] == 1 / 21 and fused[B0] == 1 / 22 + 0.5 / 21 and fused[C0] == 0.5 / 22
    assert max(fused, key=fused.get) == B0


def test_best_chunk_per_document_and_document_order():
    scores = {A0: 0.9, A1: 0.8, B0: 0.5, C0: 0.1}
    assert best_per_document(scores, 2) == [A0, B0]
    assert document_order([A1, A0, C0, B0]) == ["a", "c", "b"]


def passage(doc: str, start: int) -> Passage:
    return Passage(doc_id=doc, source="s", title="t", start=start, end=start + 5, text="x" * 5, score=1.0)


def test_interleave_takes_the_parts_in_turn_without_repeats():
    first = RetrievalRun([passage("a", 0), passage("b", 0)], dense_docs=["a", "b"], timings_ms={"embed": 1.0})
    second = RetrievalRun([passage("c", 0), passage("a", 0)], dense_docs=["c"], timings_ms={"embed": 2.0})
    merged = interleave([first, second], k=5)
    assert [(p.doc_id, p.start) for p in merged.passages] == [("a", 0), ("c", 0), ("b", 0)]
    assert merged.dense_docs == ["a", "c", "b"] and merged.timings_ms["embed"] == 3.0


def test_mmr_prefers_a_different_second_chunk():
    vectors = {A0: np.array([1.0, 0.0]), A1: np.array([0.99, 0.14]), B0: np.array([0.6, 0.8])}
    assert mmr([A0, A1, B0], vectors, [1.0, 0.0], lam=0.3, k=2)[:2] == [A0, B0]
    assert mmr([A0, A1, B0], vectors, [1.0, 0.0], lam=1.0, k=2)[:2] == [A0, A1]


def test_overlapping_chunks_of_a_document_become_one_passage():
    text = "First sentence here. Second sentence here. Third one."
    chunks = {
        A0: SimpleNamespace(doc_id="a", start=0, end=42, sentences=((0, 20), (21, 42)), page=None),
        A1: SimpleNamespace(doc_id="a", start=21, end=len(text), sentences=((21, 42), (43, len(text))), page=None),
        B0: SimpleNamespace(doc_id="b", start=0, end=20, sentences=((0, 20),), page=None),
    }
    stored = SimpleNamespace(text=text, title="T", source="/d/a.txt", metadata={"title": "T"})
    passages = assemble_passages([A0, B0, A1], {A0: 2.0, B0: 1.0, A1: 0.5}, 5, chunks.get, lambda d: stored)
    assert [(p.doc_id, p.start, p.end) for p in passages] == [("a", 0, len(text)), ("b", 0, 20)]
    assert passages[0].text == text and passages[0].score == 1.0 and passages[1].score == 0.5
    assert passages[0].sentences == ((0, 20), (21, 42), (43, len(text)))


def test_title_phrases():
    assert normalise_title("Scott Howell (political consultant)") == "scott howell political consultant"
    phrases = title_phrases('He met Yoko Ono at the "Indica Gallery" in London.')
    assert {"yoko ono", "indica gallery", "london"} <= phrases and "he" not in phrases
