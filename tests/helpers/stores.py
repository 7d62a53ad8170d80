"""Checks on a store shared by the tests."""

from __future__ import annotations


def consistent(library) -> set[str]:
    """Assert the three stores (catalog, Chroma, BM25) agree and nothing is pending; return the chunk ids."""
    catalog_ids = set(library.catalog.chunk_ids())
    assert set(library.vectors.all_ids()) == catalog_ids
    assert set(library.keyword.chunk_ids()) == catalog_ids
    assert not library.catalog.pending()
    return catalog_ids


def answering_store(tmp_path, embeddings, texts: dict[str, str], **settings):
    """An Assistant over the given files (name -> text), ingested, that never abstains unless told to."""
    from rag import Assistant

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in texts.items():
        (docs / name).write_text(text)
    assistant = Assistant.open(
        store=tmp_path / "store", embeddings=embeddings, **{"abstain_threshold": 0.0, **settings}
    )
    assistant.ingest([docs])
    return assistant
