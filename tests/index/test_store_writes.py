"""Writing vectors never freezes the server (issue 21): embedded Chroma holds Python's GIL for a whole call, so
one upsert of 5,461 vectors into a 15k-vector collection stopped every other thread (questions, health checks)
for 2.7 s. Writes now go in calls of WRITE_BATCH vectors."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from index.chroma_client import open_client
from index.store import ChunkStore
from index.types import Chunk

pytestmark = pytest.mark.slow


def _chunks(doc_id: str, count: int) -> list[Chunk]:
    return [Chunk(f"{doc_id}-{i:05d}", doc_id, i, 0, 1, "x", None, ()) for i in range(count)]


def test_a_large_write_leaves_other_threads_running(tmp_path, fake_embeddings):
    store = ChunkStore(open_client(tmp_path, None), "writes", fake_embeddings)
    rng = np.random.default_rng(3)
    for number in range(3):
        store.upsert(_chunks(f"old{number}", 5000), rng.normal(size=(5000, 384)).astype(np.float32))
    done = threading.Event()

    def write() -> None:
        store.upsert(_chunks("new", 5461), rng.normal(size=(5461, 384)).astype(np.float32))
        store.delete_documents(["old0"])
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    worst = 0.0
    while not done.is_set():
        started = time.perf_counter()
        time.sleep(0.005)
        worst = max(worst, time.perf_counter() - started)
    writer.join()
    assert store.count() == 3 * 5000 + 5461 - 5000
    # One delete call of embedded Chroma 1.5 holds the GIL for ~0.85 s at 20k vectors on this machine whatever the
    # number of ids (it persists its index per call; 64 ids cost what 256 do): the bound catches the 2.7 s freeze
    # of one whole-group call, not Chroma's own cost per call.
    assert worst < 1.3, f"another thread was frozen for {worst:.2f} s"
