"""The encoder is shared by ingestion and questions (issue 21): a question asked while a large file is embedded
once waited for the whole file (38 s at 5 MB). A long encode now runs a few batches at a time and lets a
waiting question go first, with the same vectors as one call."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

pytestmark = pytest.mark.slow

WORDS = "harbour tide ferry council budget river storm bridge school market rail station mayor vote".split()


def _texts(count: int) -> list[str]:
    rng = np.random.default_rng(7)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 60)))) + f" {n}." for n in range(count)]


def test_a_long_encode_in_turns_gives_the_vectors_of_one_pass(real_embeddings):
    """As one pass of the model over all the texts, up to what the batching changes anyway: int8 activations are
    quantised per batch, and the model's own length sort (numpy's, not stable) may put equal lengths in other
    batches."""
    texts = _texts(120)  # several turns of the encoder, lengths mixed
    in_turns = real_embeddings.encode(texts)
    one_pass = real_embeddings.model.encode(  # the sentence-transformers model itself, all texts in one call
        texts,
        batch_size=real_embeddings.batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    assert in_turns.shape == one_pass.shape == (120, real_embeddings.dimension)
    cosines = (in_turns * one_pass).sum(axis=1)
    assert cosines.min() > 0.999, f"least cosine {cosines.min():.5f}"
    tokens = real_embeddings.encode_tokens(texts[:40])  # token vectors come back in the texts' order too
    assert [t.pieces for t in tokens] == [real_embeddings.encode_tokens([text])[0].pieces for text in texts[:40]]


def test_a_question_does_not_wait_for_a_long_encode(real_embeddings):
    texts = _texts(1500)
    real_embeddings.encode(texts[:40])  # loaded and warm
    running = threading.Thread(target=real_embeddings.encode, args=(texts,))
    running.start()
    time.sleep(1.0)
    waits = []
    while running.is_alive() and len(waits) < 5:
        started = time.perf_counter()
        real_embeddings.embed_query("How many ferries sail at dawn?")
        waits.append(time.perf_counter() - started)
        time.sleep(0.2)
    running.join()
    assert len(waits) >= 3, "the long encode ended too soon to measure"
    assert max(waits) < 1.5, f"a question waited {max(waits):.2f} s for the encoder"
