"""What an encoder may offer beyond LangChain's `Embeddings`, as protocols a caller checks with `isinstance`.

Our `LocalEmbeddings` offers both; a caller's own `Embeddings` (a LangChain user's, a test's fake) may offer neither,
and then nothing is preloaded, pinned or described. Kept apart from index/embedding.py, whose imports cost ~0.2 s,
so that commands which never encode do not pay for them.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class PreloadingEncoder(Protocol):
    """An encoder that loads its model on first use and can start that load early: a cold start overlaps it with
    opening the stores, and a server answers 503 while `loaded` is False instead of making a question wait."""

    loaded: bool

    def load_in_background(self) -> threading.Thread: ...


@runtime_checkable
class StoreBoundEncoder(Protocol):
    """An encoder whose runtime (`backend`) a store pins: the vectors it wrote and the queries asked of them must be
    encoded the same way. A caller's own LangChain `Embeddings` has nothing to pin and nothing to describe."""

    backend: str

    def use_store_backend(self, recorded: str | None, cache: Path) -> str: ...

    def describe(self) -> dict: ...
