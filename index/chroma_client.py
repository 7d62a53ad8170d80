"""The Chroma client of a store: embedded under the store folder, or a `chroma run` server's by URL."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from urllib.parse import urlparse

from .errors import StoreError

CHROMA_DIR = "chroma"


class SharedClient:
    """A store's one Chroma client, opened on first use and shared by the libraries of its collections: Chroma
    refuses a second embedded client on one path in a process, and a server needs only one connection pool."""

    def __init__(self, store_dir: Path, chroma_url: str | None):
        self.store_dir = Path(store_dir)
        self.chroma_url = chroma_url

    @cached_property
    def client(self):
        return open_client(self.store_dir, self.chroma_url)


def open_client(store_dir: Path, chroma_url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if chroma_url:
            url = urlparse(chroma_url)
            if not url.hostname:
                raise StoreError(f"chroma_url {chroma_url!r} has no host")
            port = url.port or (443 if url.scheme == "https" else 8000)
            client = chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
            client.heartbeat()
            return client
        path = Path(store_dir) / CHROMA_DIR
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except StoreError:
        raise
    except Exception as exc:
        where = chroma_url or str(store_dir)
        raise StoreError(f"cannot open Chroma at {where}: {exc}") from exc
