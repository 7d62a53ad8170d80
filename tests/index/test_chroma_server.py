"""Server mode: a real `chroma run` on 127.0.0.1 behaves exactly like the embedded store."""

from __future__ import annotations

import pytest

from helpers.corpora import copy_demo
from index.library import Library
from index.settings import IndexSettings

pytestmark = pytest.mark.integration


def test_server_and_embedded_stores_agree(chroma_server, fake_embeddings, tmp_path):
    docs = copy_demo(tmp_path / "docs")
    embedded = Library(IndexSettings(store=tmp_path / "embedded"), fake_embeddings)
    server = Library(
        IndexSettings(store=tmp_path / "server", chroma_url=chroma_server, chroma_collection="agree"), fake_embeddings
    )
    for library in (embedded, server):
        report = library.ingest([docs])
        assert len(report.added) == 2 and not report.failed
    assert sorted(embedded.vectors.all_ids()) == sorted(server.vectors.all_ids())
    query = fake_embeddings.embed_query("How many reservists were called up?")
    assert [h.chunk_id for h in embedded.vectors.query(query, 4)] == [
        h.chunk_id for h in server.vectors.query(query, 4)
    ]
    doc_id = embedded.documents()[0].doc_id
    server.remove([doc_id])
    assert not any(i.startswith(doc_id) for i in server.vectors.all_ids())
    assert set(server.vectors.all_ids()) == set(server.catalog.chunk_ids())


def test_unreachable_server_is_a_clear_error(tmp_path, fake_embeddings):
    from conftest import free_port
    from index.errors import StoreError

    library = Library(
        IndexSettings(store=tmp_path / "s", chroma_url=f"http://127.0.0.1:{free_port()}"), fake_embeddings
    )
    with pytest.raises(StoreError, match="cannot open Chroma at http://127.0.0.1"):
        _ = library.vectors
