"""Chunk vectors in Chroma: embedded (`PersistentClient`) or a `chroma run` server (`HttpClient`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from .errors import StoreError
from .types import Chunk

CHROMA_DIR = "chroma"
_DELETE_BATCH = 500


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    doc_id: str
    start: int
    end: int
    score: float
    """Cosine similarity in [-1, 1]."""
    vector: object = None
    """The stored vector (numpy array), when asked for."""


def chroma_embedding_function(embeddings: Embeddings):
    """Our encoder in the shape Chroma wants, so that Chroma never falls back to its downloading default."""
    from chromadb.api.types import EmbeddingFunction
    from chromadb.utils.embedding_functions import register_embedding_function

    @register_embedding_function
    class CitewiseEmbeddingFunction(EmbeddingFunction):
        def __init__(self, inner: Embeddings | None = None):
            self.inner = inner

        def __call__(self, input):  # noqa: A002 - Chroma's protocol names it `input`
            if self.inner is None:
                raise StoreError("Citewise collections are embedded by Citewise; open them through Citewise")
            return self.inner.embed_documents(list(input))

        @staticmethod
        def name() -> str:
            return "citewise"

        def default_space(self) -> str:
            return "cosine"

        def get_config(self) -> dict[str, Any]:
            return {}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> CitewiseEmbeddingFunction:
            return CitewiseEmbeddingFunction()

    return CitewiseEmbeddingFunction(embeddings)


def open_client(store_dir: Path, chroma_url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if chroma_url:
            url = urlparse(chroma_url)
            if not url.hostname:
                raise StoreError(f"chroma_url {chroma_url!r} has no host")
            port = url.port or (443 if url.scheme == "https" else 8000)
            client = chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
            client.heartbeat()
            return client
        path = Path(store_dir) / CHROMA_DIR
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except StoreError:
        raise
    except Exception as exc:
        where = chroma_url or str(store_dir)
        raise StoreError(f"cannot open Chroma at {where}: {exc}") from exc


class ChunkStore:
    """The Chroma collection of chunk vectors; chunk metadata points back into the catalog's text.

    Chunk texts are not copied into Chroma: the catalog holds the one stored text that offsets refer to.
    """

    def __init__(self, client, collection_name: str, embeddings: Embeddings):
        self.client = client
        self.embeddings = embeddings
        self.collection = client.get_or_create_collection(
            name=collection_name,
            embedding_function=chroma_embedding_function(embeddings),
            configuration={"hnsw": {"space": "cosine"}},
        )
        self.max_batch = int(client.get_max_batch_size())

    def upsert(self, chunks: Sequence[Chunk], vectors) -> None:
        for lo in range(0, len(chunks), self.max_batch):
            part = chunks[lo : lo + self.max_batch]
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[lo : lo + self.max_batch],
                metadatas=[_metadata(c) for c in part],
            )

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        doc_ids = list(doc_ids)
        for lo in range(0, len(doc_ids), _DELETE_BATCH):
            self.collection.delete(where={"doc_id": {"$in": doc_ids[lo : lo + _DELETE_BATCH]}})

    def query(
        self, vector, k: int, doc_ids: Sequence[str] | None = None, with_vectors: bool = False
    ) -> list[VectorHit]:
        return self.query_many([vector], k, doc_ids, with_vectors)[0]

    def query_many(
        self, vectors, k: int, doc_ids: Sequence[str] | None = None, with_vectors: bool = False
    ) -> list[list[VectorHit]]:
        """Nearest chunks for several vectors in one call (each call to Chroma costs ~4 ms of overhead)."""
        import numpy as np

        if k <= 0 or len(vectors) == 0:
            return [[] for _ in vectors]
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids else None
        include = ["metadatas", "distances", *(["embeddings"] if with_vectors else [])]
        result = self.collection.query(
            query_embeddings=[list(map(float, v)) for v in vectors], n_results=k, where=where, include=include
        )
        hits = []
        for row, (ids, metas, distances) in enumerate(
            zip(result["ids"], result["metadatas"], result["distances"], strict=True)
        ):
            stored = result["embeddings"][row] if with_vectors else [None] * len(ids)
            hits.append(
                [
                    VectorHit(
                        chunk_id,
                        meta["doc_id"],
                        int(meta["start"]),
                        int(meta["end"]),
                        1.0 - float(distance),
                        None if vector is None else np.asarray(vector, dtype=np.float32),
                    )
                    for chunk_id, meta, distance, vector in zip(ids, metas, distances, stored, strict=True)
                ]
            )
        return hits

    def vectors(self, chunk_ids: Sequence[str]):
        """The stored vectors of chunks, in the order asked (float32 array)."""
        import numpy as np

        got = self.collection.get(ids=list(chunk_ids), include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
        return np.asarray([by_id[c] for c in chunk_ids], dtype=np.float32)

    def count(self) -> int:
        return int(self.collection.count())

    def all_ids(self) -> list[str]:
        ids: list[str] = []
        offset = 0
        while True:
            page = self.collection.get(include=[], limit=self.max_batch, offset=offset)["ids"]
            ids.extend(page)
            if len(page) < self.max_batch:
                return ids
            offset += len(page)


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {"doc_id": chunk.doc_id, "start": chunk.start, "end": chunk.end, "index": chunk.index}
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta
