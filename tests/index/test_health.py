"""Vectors checked, not trusted (issue 21): the health check compares the catalog with the vector store (counts,
every id, probe queries) and says plainly when they disagree; repair makes them agree again; `citewise docs`
warns and `citewise doctor` exits 1 until `--repair` fixes it."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.cli import run_cli, run_json
from helpers.corpora import copy_demo
from helpers.stores import consistent
from index.chunking import chunk_id
from index.types import Chunk


def _damage(library) -> tuple[str, str]:
    """One chunk loses its vector; one vector of a document nobody indexed appears."""
    lost = library.catalog.chunk_ids()[0]
    library.vectors.delete_ids([lost])
    stray = Chunk(chunk_id("0123456789abcdef", 0), "0123456789abcdef", 0, 0, 5, "stray", None, ())
    library.vectors.upsert([stray], np.ones((1, library.embeddings.dimension), dtype=np.float32))
    return lost, stray.chunk_id


def test_a_healthy_store_says_so(fake_library, tmp_path):
    copy_demo(tmp_path / "docs")
    fake_library.ingest([tmp_path / "docs"])
    health = fake_library.health(full=True)
    assert health.ok and health.chunks == health.vectors == len(consistent(fake_library)) > 0
    assert (health.missing_vectors, health.orphan_vectors, health.documents) == (0, 0, 2)


def test_missing_and_orphan_vectors_are_found_and_repaired(fake_library, tmp_path):
    copy_demo(tmp_path / "docs")
    fake_library.ingest([tmp_path / "docs"])
    lost, stray = _damage(fake_library)
    quick = fake_library.health()
    assert quick.chunks == quick.vectors  # one lost, one stray: the counts agree (the quick check's blind spot) ...
    full = fake_library.health(full=True)
    assert (full.missing_vectors, full.orphan_vectors) == (1, 1) and len(full.problems) == 2  # ... the ids do not
    done = fake_library.repair()
    assert (done.removed_orphans, done.embedded_again) == (1, 1)
    assert fake_library.health(full=True).ok
    assert lost in set(fake_library.vectors.all_ids()) and stray not in set(fake_library.vectors.all_ids())
    consistent(fake_library)


@pytest.mark.integration
def test_docs_warns_and_doctor_repairs_from_the_command_line(tmp_path):
    store = tmp_path / "store"
    assert run_cli("ingest", copy_demo(tmp_path / "docs"), "--store", store).returncode == 0
    assert run_cli("doctor", "--store", store).returncode == 0
    from index.chroma_client import open_client
    from index.settings import IndexSettings
    from index.store import ChunkStore

    settings = IndexSettings(store=store)
    vectors = ChunkStore(open_client(store, None), settings.storage.chroma_collection, embeddings=None)
    vectors.delete_ids(vectors.all_ids()[:3])
    del vectors
    listing = run_cli("docs", "--store", store)
    assert listing.returncode == 0 and "warning:" in listing.stderr and "vector store holds" in listing.stderr
    code, report = run_json("doctor", "--store", store)
    assert code == 1 and report["health"]["missing_vectors"] == 3 and not report["health"]["consistent"]
    code, report = run_json("doctor", "--repair", "--store", store)
    assert code == 0 and report["repaired"]["embedded_again"] == 3 and report["health"]["consistent"]
    answer = run_json("ask", "How many reservists were called up?", "--store", store)[1]
    assert "300,000" in answer["answer"]
