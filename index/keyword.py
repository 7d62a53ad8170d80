"""BM25 keyword index over chunk texts (bm25s), derived from the catalog and rebuilt when it changes.

The index is saved beside the catalog with the catalog generation it was built from, so a store that was
changed (or an ingestion that was killed) is never searched with a stale index.
"""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from .catalog import Catalog

KEYWORD_DIR = "bm25"
_STATE_FILE = "citewise.json"


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


class KeywordIndex:
    def __init__(self, directory: Path, catalog: Catalog):
        self.directory = Path(directory)
        self.catalog = catalog
        self._lock = threading.Lock()
        self._generation = -1
        self._retriever = None
        self._chunk_ids: list[str] = []
        self._positions: dict[str, int] = {}

    @staticmethod
    def tokenize(texts: list[str]) -> list[list[str]]:
        import bm25s

        return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)

    def refresh(self) -> None:
        """Bring the index in step with the catalog: load the saved one, or rebuild it."""
        with self._lock:
            generation = self.catalog.generation()
            if generation == self._generation:
                return
            if not self._load(generation):
                self._build(generation)

    def _load(self, generation: int) -> bool:
        import bm25s

        state_file = self.directory / _STATE_FILE
        try:
            state = json.loads(state_file.read_text())
            if state["generation"] != generation:
                return False
            retriever = bm25s.BM25.load(str(self.directory), show_progress=False) if state["chunk_ids"] else None
        except (OSError, ValueError, KeyError):
            return False
        self._install(generation, retriever, state["chunk_ids"])
        return True

    def _build(self, generation: int) -> None:
        import bm25s

        rows = list(self.catalog.chunk_texts())
        chunk_ids = [chunk_id for chunk_id, _ in rows]
        retriever = None
        tmp = self.directory.with_name(self.directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if rows:
            retriever = bm25s.BM25()
            retriever.index(self.tokenize([text for _, text in rows]), show_progress=False)
            retriever.save(str(tmp), show_progress=False)
        (tmp / _STATE_FILE).write_text(json.dumps({"generation": generation, "chunk_ids": chunk_ids}))
        # Swap the finished directory in, so a crash mid-save never leaves a half-written index.
        old = self.directory.with_name(self.directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.directory.exists():
            self.directory.rename(old)
        tmp.rename(self.directory)
        shutil.rmtree(old, ignore_errors=True)
        self._install(generation, retriever, chunk_ids)

    def _install(self, generation: int, retriever, chunk_ids: list[str]) -> None:
        self._retriever = retriever
        self._chunk_ids = chunk_ids
        self._positions = {chunk_id: i for i, chunk_id in enumerate(chunk_ids)}
        self._generation = generation

    def __len__(self) -> int:
        self.refresh()
        return len(self._chunk_ids)

    def chunk_ids(self) -> list[str]:
        self.refresh()
        return list(self._chunk_ids)

    def known(self, terms: list[str]) -> set[str]:
        """The stemmed terms that occur somewhere in the store."""
        self.refresh()
        retriever = self._retriever
        if retriever is None:
            return set()
        return {t for t in terms if t in retriever.vocab_dict}

    def search(self, query: str, k: int, chunk_ids: set[str] | None = None) -> list[KeywordHit]:
        """Best `k` chunks for the query words, optionally only among `chunk_ids`."""
        import numpy as np

        self.refresh()
        retriever, ids = self._retriever, self._chunk_ids
        if retriever is None or k <= 0:
            return []
        tokens = self.tokenize([query])
        if not tokens[0]:
            return []
        mask = None
        if chunk_ids is not None:
            mask = np.zeros(len(ids), dtype=np.float32)
            for chunk_id in chunk_ids:
                position = self._positions.get(chunk_id)
                if position is not None:
                    mask[position] = 1.0
        documents, scores = retriever.retrieve(
            tokens, k=min(k, len(ids)), show_progress=False, weight_mask=mask, n_threads=1
        )
        return [KeywordHit(ids[int(d)], float(s)) for d, s in zip(documents[0], scores[0], strict=True) if s > 0]


_STEMMER = None


def _stemmer():
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english").stemWords
    return _STEMMER
