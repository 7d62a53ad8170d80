"""The store format of the release before the database layer (issue 23), to build old stores at test time.

`catalog.py` and `keyword.py` are verbatim copies of `index/catalog.py` and `index/keyword.py` at commit 365e6c7
(tests/index/test_legacy_store.py checks their git blob ids); `errors`, `types` and `terms` re-export what they
imported from their package, unchanged since. `build_store` drives them as that release's `Library.ingest` did:
load, chunk and embed each file with today's code, vectors into Chroma, then the catalog commit and the bm25s
keyword index."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SOURCE_COMMIT = "365e6c7"
BLOB_IDS = {
    "catalog.py": "5a57ad321d50e86f4f6ab78b5454139abe82744e",
    "keyword.py": "754cbf6f4cb2838a34dfb5dd9d5135d797696f5b",
}


def build_store(store: Path, files: list[Path], embeddings, collection: str = "citewise", chroma_url=None) -> None:
    """A store as the release before issue 23 wrote it: catalog.sqlite3, bm25/ and Chroma."""
    from index.chroma_client import open_client
    from index.chunking import pack_chunks
    from index.loaders import load
    from index.store import ChunkStore
    from index.types import page_at

    from .catalog import Catalog
    from .keyword import KeywordIndex

    store.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(store / "catalog.sqlite3")
    vectors = ChunkStore(open_client(store, chroma_url), collection, embeddings)
    catalog.set_setting("collection", collection)
    catalog.set_setting("metadata_version", "3")
    backend = getattr(embeddings, "backend", None)
    if backend:
        catalog.set_setting("encoder_backend", backend)
    for path in files:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        doc_id = digest[:16]
        stat = os.stat(path)
        if catalog.has_document(doc_id):
            catalog.set_source(str(path), doc_id, stat.st_mtime_ns, stat.st_size)
            continue
        loaded = load(path)
        chunks = pack_chunks(
            loaded.text,
            doc_id,
            embeddings.count_tokens,
            chunk_tokens=200,
            max_tokens=embeddings.max_tokens,
            overlap_sentences=1,
            page_of=lambda offset, loaded=loaded: page_at(loaded.page_starts, offset),
        )
        catalog.mark_pending([doc_id])
        vectors.upsert(chunks, embeddings.encode([c.text for c in chunks]))
        catalog.commit_document(doc_id, digest, stat.st_size, loaded, chunks, str(path), stat.st_mtime_ns)
    KeywordIndex(store / "bm25", catalog).refresh()
    catalog.close()
