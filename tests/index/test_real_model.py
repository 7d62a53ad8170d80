"""With the real bundled model: no chunk is ever truncated, offsets hold on every corpus, dtypes agree."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.corpora import DEMO_CORPUS, good_corpus, varied_corpus
from index.library import Library
from index.loaders import load
from index.settings import IndexSettings

pytestmark = pytest.mark.slow


def test_model_is_loaded_offline_from_the_package(real_embeddings):
    assert real_embeddings.model_path.is_dir()
    assert real_embeddings.max_tokens == 254
    assert real_embeddings.dimension == 384


def corpus_files(tmp_path):
    return list(DEMO_CORPUS.glob("*.txt")) + list(good_corpus(tmp_path).values()) + varied_corpus(tmp_path / "varied")


def test_every_chunk_fits_the_window_and_is_a_slice(real_embeddings, tmp_path):
    """The model truncates silently past 256 tokens: count with its own tokenizer, special tokens included."""
    library = Library(IndexSettings(store=tmp_path / "s", chunk_tokens=254), real_embeddings)
    tokenizer = real_embeddings.model.tokenizer
    checked = 0
    long_text = " ".join(["An unusually long sentence keeps going"] * 200) + "."
    (tmp_path / "long.txt").write_text(long_text)
    for path in [*corpus_files(tmp_path / "c"), tmp_path / "long.txt"]:
        loaded = load(path)
        for chunk in library.chunk(loaded, "d"):
            assert loaded.text[chunk.start : chunk.end] == chunk.text
            assert len(tokenizer(chunk.text)["input_ids"]) <= real_embeddings.model.max_seq_length
            checked += 1
    assert checked > 300, checked  # every doc above made, long enough for many full windows


def test_bfloat16_vectors_match_float32(torch_embeddings):
    from index.embedding import LocalEmbeddings

    texts = [p.read_text() for p in sorted(DEMO_CORPUS.glob("*.txt"))] + ["How many reservists were called up?"]
    bf16 = LocalEmbeddings(dtype="bfloat16", backend="torch").encode(texts)
    fp32 = torch_embeddings.encode(texts)
    cosines = (bf16 * fp32).sum(axis=1)
    assert np.all(cosines >= 0.99), cosines


def test_auto_dtype_follows_the_cpu():
    from index.embedding import cpu_has_fast_bf16, resolve_dtype

    assert resolve_dtype("auto") == ("bfloat16" if cpu_has_fast_bf16() else "float32")
    assert resolve_dtype("float32") == "float32"


def test_word_piece_vectors_come_with_the_sentence_vector(real_embeddings):
    """The support checker aligns a claim's words with the cited text's from the same forward pass that
    gives the sentence vector: the vector must equal `encode`'s, and a short text in a batch with a long one
    gets its own pieces only (no padding), each a unit vector."""
    texts = ["The lighthouse was lit in 1871.", "Ada Brook kept it, through every storm of that long winter."]
    encoded = real_embeddings.encode_tokens(texts)
    assert np.allclose([e.vector for e in encoded], real_embeddings.encode(texts), atol=1e-5)
    tokenizer = real_embeddings.model.tokenizer
    for text, item in zip(texts, encoded, strict=True):
        assert list(item.pieces) == tokenizer.tokenize(text)
        assert item.piece_vectors.shape == (len(item.pieces), real_embeddings.dimension)
        assert np.allclose(np.linalg.norm(item.piece_vectors, axis=1), 1.0, atol=1e-5)
