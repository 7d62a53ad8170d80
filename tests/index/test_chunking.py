"""Chunking: sentences and chunks are exact slices of the stored text and respect the token budget."""

from __future__ import annotations

from helpers.fakes import HashingEmbeddings
from index.chunking import blocks, pack_chunks, split_sentences

count = HashingEmbeddings().count_tokens

TEXT = (
    "KEY POINTS\n\n  • The video shows police beating men.\n  • Putin ordered mobilization.\n\n"
    "Mr. Smith went to Washington D.C. on Oct. 5. He met 300,000 reservists! Did he? Yes.\n\n"
    "A heading without a full stop\n\nThe last paragraph is here."
)


def test_sentences_are_exact_stripped_slices():
    spans = split_sentences(TEXT)
    texts = [TEXT[s:e] for s, e in spans]
    assert texts[0] == "KEY POINTS"
    assert "• The video shows police beating men." in texts
    assert "Mr. Smith went to Washington D.C. on Oct. 5." in texts
    assert "He met 300,000 reservists!" in texts
    assert "A heading without a full stop" in texts
    assert all(t == t.strip() and t for t in texts)
    assert spans == sorted(spans)


def test_hard_wrapped_prose_is_one_block():
    wrapped = (
        "This is a long line of prose that was wrapped at a fixed width by\n"
        "an editor, so the newline in the middle is not a boundary of any\n"
        "sentence at all."
    )
    assert blocks(wrapped) == [(0, len(wrapped))]
    assert len(split_sentences(wrapped)) == 1


def test_chunks_are_slices_within_budget_with_overlap():
    text = " ".join(f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(120))
    chunks = pack_chunks(text, "doc", count, chunk_tokens=60, max_tokens=254, overlap_sentences=1)
    assert len(chunks) > 5
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert count([chunk.text])[0] <= 60
        assert chunk.sentences[0][0] == chunk.start and chunk.sentences[-1][1] == chunk.end
    for previous, following in zip(chunks, chunks[1:], strict=False):
        assert following.sentences[0] == previous.sentences[-1], "one sentence of overlap"
    assert [c.chunk_id for c in chunks] == [f"doc-{i:05d}" for i in range(len(chunks))]
    assert chunks[-1].end == len(text.rstrip())


def test_overlong_sentence_is_cut_to_fit():
    text = "word " * 1000 + "end."
    chunks = pack_chunks(text, "d", count, chunk_tokens=200, max_tokens=254, overlap_sentences=1)
    assert len(chunks) >= 5
    assert all(count([c.text])[0] <= 200 for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_giant_word_is_cut_by_characters():
    text = "x" * 3000
    chunks = pack_chunks(text, "d", count, chunk_tokens=100, max_tokens=254, overlap_sentences=1)
    assert "".join(c.text for c in chunks) == text


def test_page_of_is_recorded():
    text = "Page one text. " * 10 + "Page two text. " * 10
    chunks = pack_chunks(
        text,
        "d",
        count,
        chunk_tokens=20,
        max_tokens=254,
        overlap_sentences=0,
        page_of=lambda offset: 1 if offset < 150 else 2,
    )
    assert chunks[0].page == 1 and chunks[-1].page == 2
