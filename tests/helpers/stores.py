"""Checks on a store shared by the tests."""

from __future__ import annotations


def consistent(library) -> set[str]:
    """Assert the three stores (catalog, Chroma, BM25) agree and nothing is pending; return the chunk ids."""
    catalog_ids = set(library.catalog.chunk_ids())
    assert set(library.vectors.all_ids()) == catalog_ids
    assert set(library.keyword.chunk_ids()) == catalog_ids
    assert not library.catalog.pending()
    return catalog_ids
