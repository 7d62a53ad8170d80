"""Deterministic stand-ins for the encoder, for fast unit tests only."""

from __future__ import annotations

import hashlib
import re
import threading

import numpy as np
from langchain_core.embeddings import Embeddings

_TOKEN = re.compile(r"\w+|[^\w\s]")


class HashingEmbeddings(Embeddings):
    """Bag-of-words vectors hashed into a few dimensions: texts sharing words are similar, like a real model.

    Tokens are counted like a word-piece tokenizer's pre-tokenisation (words and punctuation), so chunk
    budgets behave the same way as with the real model.
    """

    def __init__(self, dimension: int = 256, max_tokens: int = 254):
        self.dimension = dimension
        self.max_tokens = max_tokens
        self.encoded_texts = 0
        self.name = "hashing"

    def count_tokens(self, texts):
        return [len(_TOKEN.findall(t)) for t in texts]

    def encode(self, texts):
        self.encoded_texts += len(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                vectors[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = np.linalg.norm(vectors[row])
            vectors[row] = vectors[row] / norm if norm else 1.0 / np.sqrt(self.dimension)
        return vectors

    def encode_tokens(self, texts):
        """Each word (and punctuation mark) a word piece, its vector its own hashed direction."""
        from index.embedding import TokenVectors

        encoded = []
        for text, vector in zip(texts, self.encode(texts), strict=True):
            pieces = tuple(_TOKEN.findall(text.lower()))
            encoded.append(
                TokenVectors(vector, pieces, self.encode(pieces) if pieces else np.zeros((0, self.dimension)))
            )
        return encoded

    def embed_documents(self, texts):
        return self.encode(texts).tolist()

    def embed_query(self, text):
        return self.encode([text])[0].tolist()


class StillLoadingEmbeddings(HashingEmbeddings):
    """A `PreloadingEncoder` whose background load has not ended until a test sets `loaded`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.loaded = False

    def load_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=lambda: None, name="fake-model-load", daemon=True)
        thread.start()
        return thread
