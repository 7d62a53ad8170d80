"""Chunk vectors in Chroma: embedded (`PersistentClient`) or a `chroma run` server (`HttpClient`).

Chroma's HNSW index (hnswlib) breaks on many bit-identical vectors, which identical chunk texts produce (a file
of one repeated line, boilerplate repeated across documents): zero distances never lose to anything in the
neighbour-selection heuristic, so the copies fill each other's neighbour lists and become a region of the
graph that search can enter but not leave. Chunks stored before them stop being found at all (a copy wins every
query), and once the copies are deleted - deletion only marks nodes in hnswlib - queries that start there return
nothing. So every stored vector is first nudged by a tiny amount in a direction of its own (`distinct_vectors`),
and a query that returns fewer chunks than match it is treated as a damaged index: the collection is rebuilt
(`ChunkStore.rebuild`), and if that does not help, the query is answered by exact search.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.embeddings import Embeddings

from .chunking import doc_of
from .errors import StoreError
from .types import Chunk

log = logging.getLogger(__name__)

_DELETE_BATCH = 500
WRITE_BATCH = 256
"""Vectors written or deleted per call. Embedded Chroma holds Python's GIL for a whole call: one upsert of 5,461
vectors into a 15k-vector collection froze every other thread of the server for 2.7 s (a question, a health
check); 256 a call: at most 0.23 s, for ~1 s more per 5,461 vectors (~2% of embedding them)."""
_HNSW = {"hnsw": {"space": "cosine"}}
REBUILD_SUFFIX = ".rebuild"
"""A rebuild fills `<collection>.rebuild`, then deletes the collection and gives the copy its name."""
NUDGE = 1e-3
"""How far `distinct_vectors` moves a vector, relative to its length: enough that float32 cosine distances between
copies of one vector differ by several ulps, so hnswlib no longer sees ties; no similarity moves by more than this
(typically ~5e-5 for 384-d vectors)."""


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    doc_id: str
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


def distinct_vectors(ids: Sequence[str], vectors):
    """The vectors to store for chunks `ids`: each moved by `NUDGE` of its length in a direction derived from its
    chunk id, length kept, so that no two chunks store the same vector (see the module docstring).

    Deterministic: a chunk gets the same stored vector in every store and on every ingest.
    """
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or not len(vectors):
        return vectors
    dim = vectors.shape[1]
    raw = b"".join(hashlib.shake_256(chunk_id.encode()).digest(2 * dim) for chunk_id in ids)
    direction = np.frombuffer(raw, dtype=np.int16).reshape(len(vectors), dim).astype(np.float32)
    direction /= np.linalg.norm(direction, axis=1, keepdims=True).clip(min=1e-12)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    nudged = vectors + NUDGE * norms * direction
    return nudged * (norms / np.linalg.norm(nudged, axis=1, keepdims=True).clip(min=1e-12))


class ChunkStore:
    """The Chroma collection of chunk vectors; chunk metadata points back into the catalog's text.

    Chunk texts are not copied into Chroma: the catalog holds the one stored text that offsets refer to.
    """

    def __init__(self, client, collection_name: str, embeddings: Embeddings):
        self.client = client
        self.embeddings = embeddings
        self.name = collection_name
        self._embedding_function = chroma_embedding_function(embeddings)
        self._lock = threading.Lock()
        self._rebuilds = 0
        self._fewer: dict[frozenset[str] | None, int] = {}
        """Filters (None: none) matching fewer chunks than a query asked for, with how many: a query that returns
        exactly that many is whole without asking Chroma to count. Forgotten on every change made here."""
        self.collection = self._open()
        self.max_batch = int(client.get_max_batch_size())

    def _open(self, create: bool = True):
        from chromadb.errors import NotFoundError

        try:
            return self.client.get_collection(self.name, embedding_function=self._embedding_function)
        except NotFoundError:
            pass
        try:
            spare = self.client.get_collection(self.name + REBUILD_SUFFIX, embedding_function=self._embedding_function)
        except NotFoundError:
            if not create:
                raise
            return self.client.get_or_create_collection(
                name=self.name, embedding_function=self._embedding_function, configuration=_HNSW
            )
        # A rebuild stopped between deleting the collection and renaming its (complete, counted) copy.
        spare.modify(name=self.name)
        return spare

    def upsert(self, chunks: Sequence[Chunk], vectors) -> None:
        self._fewer.clear()
        step = min(WRITE_BATCH, self.max_batch)
        for lo in range(0, len(chunks), step):
            part = chunks[lo : lo + step]
            ids = [c.chunk_id for c in part]
            self.collection.upsert(
                ids=ids,
                embeddings=distinct_vectors(ids, vectors[lo : lo + step]),
                metadatas=[_metadata(c) for c in part],
            )

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Delete the documents' vectors, found by id first so that each delete call stays small (WRITE_BATCH)."""
        doc_ids = list(doc_ids)
        for lo in range(0, len(doc_ids), _DELETE_BATCH):
            where = {"doc_id": {"$in": doc_ids[lo : lo + _DELETE_BATCH]}}
            self.delete_ids([i for page in self._pages(self.collection, [], where) for i in page["ids"]])

    def delete_ids(self, chunk_ids: Iterable[str]) -> None:
        chunk_ids = list(chunk_ids)
        self._fewer.clear()
        step = min(WRITE_BATCH, self.max_batch)
        for lo in range(0, len(chunk_ids), step):
            self.collection.delete(ids=chunk_ids[lo : lo + step])

    def rebuild(self) -> None:
        """Build the vector index anew: copy every record into a fresh collection, which then takes the name.

        Chroma's local HNSW index only marks deleted vectors and never compacts; a copy holds only live ones.
        Vectors stored before `distinct_vectors` existed may repeat exactly: repeats are nudged on the way.
        """
        with self._lock:
            self._rebuild()

    def _rebuild(self) -> None:
        import numpy as np
        from chromadb.errors import NotFoundError

        spare_name = self.name + REBUILD_SUFFIX
        try:
            self.client.delete_collection(spare_name)  # left by an interrupted rebuild; the collection is whole
        except NotFoundError:
            pass
        spare = self.client.create_collection(
            name=spare_name, embedding_function=self._embedding_function, configuration=_HNSW
        )
        seen: set[bytes] = set()
        for page in self._pages(self.collection, ["embeddings", "metadatas"]):
            vectors = np.asarray(page["embeddings"], dtype=np.float32)
            repeats = []
            for row, vector in enumerate(vectors):
                digest = hashlib.blake2b(vector.tobytes(), digest_size=16).digest()
                if digest in seen:
                    repeats.append(row)
                seen.add(digest)
            if repeats:
                vectors[repeats] = distinct_vectors([page["ids"][r] for r in repeats], vectors[repeats])
            for lo in range(0, len(page["ids"]), WRITE_BATCH):
                spare.add(
                    ids=page["ids"][lo : lo + WRITE_BATCH],
                    embeddings=vectors[lo : lo + WRITE_BATCH],
                    metadatas=page["metadatas"][lo : lo + WRITE_BATCH],
                )
        copied, original = spare.count(), self.collection.count()
        if copied != original:
            self.client.delete_collection(spare_name)
            raise StoreError(f"rebuilding collection {self.name!r}: copied {copied} of {original} vectors")
        self.client.delete_collection(self.name)
        spare.modify(name=self.name)
        self.collection = spare
        self._rebuilds += 1
        self._fewer.clear()

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
        # No metadatas: the chunk id names its document, and reading them costs Chroma about as much as the
        # search itself (40 results at 10k chunks: 6.2 ms with distances only, 11.5 ms with metadatas too).
        include = ["distances", *(["embeddings"] if with_vectors else [])]
        queries = [list(map(float, v)) for v in vectors]
        rebuilds = self._rebuilds
        result = self._query(queries, k, where, include)
        found, key = {len(ids) for ids in result["ids"]}, frozenset(doc_ids) if doc_ids else None
        if min(found) < k and found != {self._fewer.get(key)}:  # short, and not by the known count
            result = self._complete(result, rebuilds, queries, k, where, include, key)
        hits = []
        for row, (ids, distances) in enumerate(zip(result["ids"], result["distances"], strict=True)):
            stored = result["embeddings"][row] if with_vectors else [None] * len(ids)
            hits.append(
                [
                    VectorHit(
                        chunk_id,
                        doc_of(chunk_id),
                        1.0 - float(distance),
                        None if vector is None else np.asarray(vector, dtype=np.float32),
                    )
                    for chunk_id, distance, vector in zip(ids, distances, stored, strict=True)
                ]
            )
        return hits

    def _query(self, queries, k: int, where, include) -> dict:
        from chromadb.errors import NotFoundError

        try:
            return self.collection.query(query_embeddings=queries, n_results=k, where=where, include=include)
        except NotFoundError:  # rebuilt (by another thread or process) since `self.collection` was read
            with self._lock:
                self.collection = self._open(create=False)
            return self.collection.query(query_embeddings=queries, n_results=k, where=where, include=include)

    def _complete(self, result: dict, rebuilds: int, queries, k: int, where, include, key) -> dict:
        """A query came back short. Fine if fewer chunks match; otherwise the index cannot reach chunks it holds:
        rebuild it (once per store) and ask again; if still short, search exactly."""
        expected = self._matching(where, k)
        if all(len(ids) >= expected for ids in result["ids"]):
            if expected < k:
                if len(self._fewer) >= 1024:
                    self._fewer.clear()
                self._fewer[key] = expected
            return result
        log.warning(
            "Chroma found %d of %d matching vectors: the vector index of collection %r is damaged",
            min(len(ids) for ids in result["ids"]),
            expected,
            self.name,
        )
        with self._lock:
            rebuilt = self._rebuilds != rebuilds  # by another thread meanwhile
            if not rebuilt and not self._rebuilds:
                try:
                    self._rebuild()
                    rebuilt = True
                except StoreError as exc:  # the collection changed during the copy: try again next time
                    log.warning("%s", exc)
        if rebuilt:
            result = self._query(queries, k, where, include)
            if all(len(ids) >= expected for ids in result["ids"]):
                return result
        log.warning("the vector index of collection %r still misses vectors: searching exactly", self.name)
        return self._exact(queries, k, where, include)

    def _matching(self, where, k: int) -> int:
        """How many of the chunks matching `where` a query for `k` should return."""
        if where is None:
            return min(k, self.count())
        return len(self.collection.get(where=where, limit=k, include=[])["ids"])

    def _exact(self, queries, k: int, where, include) -> dict:
        """`collection.query`'s answer computed over every matching vector (cosine distance)."""
        import numpy as np

        ids: list[str] = []
        stored = []
        for page in self._pages(self.collection, ["embeddings"], where):
            ids.extend(page["ids"])
            stored.append(np.asarray(page["embeddings"], dtype=np.float32))
        result: dict[str, list] = {"ids": [], "distances": [], "embeddings": []}
        if not ids:
            return {key: [[] for _ in queries] for key in result}
        matrix = np.concatenate(stored)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True).clip(min=1e-12)
        asked = np.asarray(queries, dtype=np.float32)
        asked /= np.linalg.norm(asked, axis=1, keepdims=True).clip(min=1e-12)
        for similarities in asked @ matrix.T:
            top = np.argsort(-similarities, kind="stable")[:k]
            result["ids"].append([ids[i] for i in top])
            result["distances"].append([float(1.0 - similarities[i]) for i in top])
            if "embeddings" in include:
                result["embeddings"].append([matrix[i] for i in top])
        return result

    def vectors(self, chunk_ids: Sequence[str]):
        """The stored vectors of chunks, in the order asked (float32 array)."""
        import numpy as np

        by_id = self.stored_vectors(chunk_ids)
        return np.asarray([by_id[c] for c in chunk_ids], dtype=np.float32)

    def stored_vectors(self, chunk_ids: Sequence[str]) -> dict:
        """The stored vector (numpy array) of each of the chunks that has one."""
        import numpy as np

        got = self.collection.get(ids=list(chunk_ids), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)}

    def count(self) -> int:
        return int(self.collection.count())

    def all_ids(self) -> list[str]:
        return [i for page in self._pages(self.collection, []) for i in page["ids"]]

    def _pages(self, collection, include: list[str], where=None) -> Iterator[dict]:
        offset = 0
        while True:
            page = collection.get(where=where, include=include, limit=self.max_batch, offset=offset)
            if page["ids"]:
                yield page
            if len(page["ids"]) < self.max_batch:
                return
            offset += len(page["ids"])


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {"doc_id": chunk.doc_id, "start": chunk.start, "end": chunk.end, "index": chunk.index}
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta
