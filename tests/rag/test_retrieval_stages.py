"""The retrieval stages as small functions: per-document picks, interleaving the parts of a question, MMR,
passage assembly and title phrases (reciprocal-rank fusion: test_rrf.py). Chunk ids are "<doc>-<index>" as the
index makes them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from index.chunking import chunk_id
from rag.retrieval.fusion import best_per_document, document_order, interleave, mmr
from rag.retrieval.passages import assemble_passages
from rag.stages import RetrievalRun
from rag.text.names import normalise_title, title_phrases
from rag.types import Passage

A0, A1, B0, C0 = chunk_id("a", 0), chunk_id("a", 1), chunk_id("b", 0), chunk_id("c", 0)


def test_best_per_document_takes_the_best_chunk_of_each_best_document():
    """A document's second chunk never takes the place of another document: the answer sees more sources."""
    scores = {A0: 0.9, A1: 0.8, B0: 0.5, C0: 0.1}
    assert best_per_document(scores, 2) == [A0, B0]


def test_document_order_is_the_order_of_each_documents_first_chunk():
    """The documents a search found, ranked by their best chunk (abstention's agreement feature compares them)."""
    assert document_order([A1, A0, C0, B0]) == ["a", "c", "b"]


def passage(doc: str, start: int) -> Passage:
    return Passage(doc_id=doc, source="s", title="t", start=start, end=start + 5, text="x" * 5, score=1.0)


def two_parts() -> list[RetrievalRun]:
    return [
        RetrievalRun([passage("a", 0), passage("b", 0)], dense_docs=["a", "b"], timings_ms={"embed": 1.0}),
        RetrievalRun([passage("c", 0), passage("a", 0)], dense_docs=["c"], timings_ms={"embed": 2.0}),
    ]


def test_interleave_takes_the_parts_in_turn_without_repeats():
    """Each part of a multi-part question gets its best passages in, and a passage two parts found comes once."""
    merged = interleave(two_parts(), k=5)
    assert [(p.doc_id, p.start) for p in merged.passages] == [("a", 0), ("c", 0), ("b", 0)]


def test_interleave_merges_the_document_orders_in_turn():
    """The merged run's dense document order (an abstention feature) takes each part's documents in turn."""
    assert interleave(two_parts(), k=5).dense_docs == ("a", "c", "b")


def test_interleave_adds_up_the_timings_of_the_parts():
    """The parts are searched one after another: the answer's timings show the time they took together."""
    assert interleave(two_parts(), k=5).timings_ms["embed"] == 3.0


MMR_VECTORS = {A0: np.array([1.0, 0.0]), A1: np.array([0.99, 0.14]), B0: np.array([0.6, 0.8])}


def test_mmr_prefers_a_different_second_chunk():
    """With diversity weighted in, a near-copy of the first chunk gives way to one that says something else."""
    assert mmr([A0, A1, B0], MMR_VECTORS, [1.0, 0.0], lam=0.3, k=2)[:2] == [A0, B0]


def test_mmr_with_lambda_1_ranks_by_relevance_alone():
    """lam=1 switches diversity off: the order is the query similarity's."""
    assert mmr([A0, A1, B0], MMR_VECTORS, [1.0, 0.0], lam=1.0, k=2)[:2] == [A0, A1]


TEXT = "First sentence here. Second sentence here. Third one."


def assembled() -> list[Passage]:
    """Chunks A0 and A1 of one document overlap (sentence 21-42); B0 is another document's."""
    chunks = {
        A0: SimpleNamespace(doc_id="a", start=0, end=42, sentences=((0, 20), (21, 42)), page=None),
        A1: SimpleNamespace(doc_id="a", start=21, end=len(TEXT), sentences=((21, 42), (43, len(TEXT))), page=None),
        B0: SimpleNamespace(doc_id="b", start=0, end=20, sentences=((0, 20),), page=None),
    }
    stored = SimpleNamespace(text=TEXT, title="T", source="/d/a.txt", metadata={"title": "T"})
    return assemble_passages([A0, B0, A1], {A0: 2.0, B0: 1.0, A1: 0.5}, 5, chunks.get, lambda d: stored)


def test_overlapping_chunks_of_a_document_become_one_passage():
    """The reader sees a span once, as one exact slice of the stored text, not twice in two pieces."""
    passages = assembled()
    assert [(p.doc_id, p.start, p.end) for p in passages] == [("a", 0, len(TEXT)), ("b", 0, 20)]
    assert passages[0].text == TEXT


def test_a_merged_passage_keeps_the_sentences_of_both_chunks():
    """Sentence offsets are what citations are cut from: the union, each sentence once."""
    assert assembled()[0].sentences == ((0, 20), (21, 42), (43, len(TEXT)))


def test_passage_scores_are_relative_to_the_best_fused_score():
    """The best passage scores 1 (the Answer JSON's passage score is in 0..1); a merged passage keeps its best
    chunk's score."""
    assert [p.score for p in assembled()] == [1.0, 0.5]


def test_titles_are_normalised_without_their_brackets():
    """Wikipedia-style disambiguations still match a question that names the person."""
    assert normalise_title("Scott Howell (political consultant)") == "scott howell political consultant"


def test_name_phrases_are_the_capitalised_and_quoted_names_of_a_sentence():
    """What title links look up: names and quoted titles, not a sentence-opening pronoun."""
    phrases = title_phrases('He met Yoko Ono at the "Indica Gallery" in London.')
    assert {"yoko ono", "indica gallery", "london"} <= phrases and "he" not in phrases
