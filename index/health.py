"""Is the store whole? The catalog and the vector store are compared, never trusted: counts, the ids themselves
(full check), and probe queries (a stored chunk's own vector must find it, or an identical one, at the top).
`repair` deletes vectors no chunk owns, embeds again the chunks that have no vector, and rebuilds the vector
index when probes still fail."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from .chunking import doc_of

if TYPE_CHECKING:
    from .library import Library

PROBES = 3
PROBE_SIMILARITY = 0.98
"""A chunk's own vector finds itself (or a chunk with the same text) at cosine ~1.0; 0.98 leaves room for int8."""


@dataclass(frozen=True)
class StoreHealth:
    documents: int
    chunks: int
    vectors: int
    keyword_index: str
    """ready, or building (searches use the previous index meanwhile)."""
    missing_vectors: int | None = None
    """Chunks without a vector (full check only)."""
    orphan_vectors: int | None = None
    """Vectors no chunk in the catalog owns (full check only)."""
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {**asdict(self), "problems": list(self.problems), "consistent": self.ok}


def check(library: Library, full: bool = False) -> StoreHealth:
    catalog = library.catalog
    documents = catalog.document_count()
    chunks = catalog.chunk_count()
    problems: list[str] = []
    vectors = library.vectors.count()
    missing = orphans = None
    if full:
        listed = set(catalog.chunk_ids())
        stored = set(library.vectors.all_ids())
        missing, orphans = len(listed - stored), len(stored - listed)
        if missing:
            problems.append(f"{missing} of {chunks} chunks have no vector: their text cannot be found by meaning")
        if orphans:
            problems.append(f"{orphans} vectors belong to no indexed chunk (left by an interrupted change)")
    elif vectors != chunks and not catalog.pending():  # while documents are being written the counts differ
        problems.append(f"the catalog lists {chunks} chunks but the vector store holds {vectors} vectors")
    problems += probe(library)
    return StoreHealth(documents, chunks, vectors, library.keyword.state, missing, orphans, tuple(problems))


def probe(library: Library) -> list[str]:
    """Query the vector store with a few stored chunks' own vectors: each must come back on top."""
    catalog = library.catalog
    probes = catalog.sample_chunk_ids(PROBES)
    if not probes:
        return []
    try:
        stored = library.vectors.stored_vectors(probes)
    except Exception as exc:  # noqa: BLE001 - any failure of the vector store is what this check reports
        return [f"the vector store cannot be read: {type(exc).__name__}: {exc}"]
    failed = []
    for chunk_id in probes:
        vector = stored.get(chunk_id)
        if vector is None:
            continue  # counted as a missing vector by the full check
        hits = library.vectors.query(vector, 5)
        if not hits or hits[0].score < PROBE_SIMILARITY:
            failed.append(chunk_id)
    if failed:
        return [
            f"dense search is broken: {len(failed)} of {len(probes)} probe queries did not find their own chunk "
            "(run `citewise doctor --repair`)"
        ]
    return []


@dataclass
class Repair:
    removed_orphans: int = 0
    embedded_again: int = 0
    rebuilt_index: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def repair(library: Library) -> Repair:
    """Make the vector store match the catalog again."""
    done = Repair()
    catalog, vectors = library.catalog, library.vectors
    listed = set(catalog.chunk_ids())
    stored = set(vectors.all_ids())
    orphans = sorted(stored - listed)
    if orphans:
        vectors.delete_ids(orphans)
        done.removed_orphans = len(orphans)
    missing = sorted(listed - stored)
    if missing:
        by_document: dict[str, list[str]] = {}
        for chunk_id in missing:
            by_document.setdefault(doc_of(chunk_id), []).append(chunk_id)
        for ids in by_document.values():  # one document's chunks an encoder call
            chunks = list(catalog.chunks(ids).values())
            vectors.upsert(chunks, library.embeddings.encode([c.text for c in chunks]))
        done.embedded_again = len(missing)
    if probe(library):
        vectors.rebuild()
        done.rebuilt_index = True
    return done
