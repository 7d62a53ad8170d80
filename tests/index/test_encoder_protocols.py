"""The encoder's optional capabilities are protocols: our encoder offers them, a caller's own LangChain
`Embeddings` offers none and is then neither preloaded, pinned to a backend nor described."""

from __future__ import annotations

from helpers.fakes import HashingEmbeddings
from index.embedding import LocalEmbeddings
from index.encoder_protocols import PreloadingEncoder, StoreBoundEncoder
from index.library import ENCODER_SETTING


def test_the_bundled_encoder_preloads_and_is_bound_to_its_store_and_a_callers_own_is_neither():
    ours = LocalEmbeddings()  # the model is loaded on first use, not here
    assert isinstance(ours, PreloadingEncoder) and isinstance(ours, StoreBoundEncoder)
    assert not ours.loaded
    theirs = HashingEmbeddings()
    assert not isinstance(theirs, PreloadingEncoder) and not isinstance(theirs, StoreBoundEncoder)


def test_a_store_built_with_a_callers_own_embeddings_records_no_encoder(tmp_path):
    from helpers.stores import answering_store

    assistant = answering_store(tmp_path, HashingEmbeddings(), {"a.txt": "Larkfield harbour\n\nIt held 12 yachts."})
    assert assistant.library.encoder() is None
    assert assistant.library.catalog.setting(ENCODER_SETTING) is None
    assert assistant.ready
