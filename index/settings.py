"""The index layer's settings groups (storage, database, embedding, chunking, ingestion) and `IndexSettings`.

How groups, flat names, the environment and profiles work is in index/settings_base.py; `rag.settings.Settings`
adds retrieval, answering, checks and the LLM, `ui.settings.AppSettings` the server.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from .budget import LoadBudget
from .settings_base import Group, GroupedSettings

EMBEDDING_DTYPES = ("auto", "float32", "bfloat16")


# -- the index layer's groups


class StorageSettings(Group):
    """Where the catalog, the keyword index and the vectors live."""

    path: Path = Field(
        default=Path("~/.citewise"),
        description="Directory of the store: catalog, keyword index, caches and (embedded mode) the Chroma "
        "database; `~` is expanded.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server started with `chroma run` (http://HOST:PORT or https://...); unset "
        "means an embedded Chroma under the store directory.",
    )
    collection: str = Field(
        default="default",
        description="The collection of documents that commands and the API act on when none is named "
        "(`citewise collection list`); every store has `default`.",
    )
    chroma_collection: str = Field(
        default="citewise",
        description="Name of the Chroma collection that holds the vectors of the `default` collection; another "
        "collection's vectors are in `<this name>-<12 random hex digits>`.",
    )

    @field_validator("path")
    @classmethod
    def _expand_path(cls, value: Path) -> Path:
        return Path(value).expanduser()

    @field_validator("chroma_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"chroma_url must look like http://HOST:PORT, got {value!r}")
        return value.rstrip("/")


class DatabaseSettings(Group):
    """The database that holds everything but vectors (documents, files, text, chunks, keyword index, jobs)."""

    url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the database: unset means sqlite:///<store>/citewise.db (embedded, nothing "
        "to start); postgresql://USER:PASSWORD@HOST:PORT/DB for a team's shared database. Never printed: reports "
        "show it with the password masked.",
    )
    poll_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often, at most, a process reads the database's change counter, in seconds (0-60]: a change "
        "made by another server or worker is searchable here within about this long.",
    )
    auto_upgrade: bool = Field(
        default=True,
        description="Apply pending schema migrations when a command opens the database; false makes commands refuse "
        "an out-of-date database and name `citewise db upgrade`.",
    )
    pool_size: int = Field(
        default=5, ge=1, le=100, description="PostgreSQL connections each process keeps open (1-100)."
    )

    def resolved_url(self, store: Path) -> str:
        from .db.urls import default_url

        return self.url.get_secret_value() if self.url is not None else default_url(store)


class EmbeddingSettings(Group):
    """The encoder that turns chunks and questions into vectors."""

    model: Path | None = Field(
        default=None,
        description="Folder of a local sentence-transformers model; unset means the bundled all-MiniLM-L6-v2 "
        "(384 dimensions, 256-token window).",
    )
    dtype: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description="Precision of the PyTorch encoder: float32 or bfloat16; auto picks bfloat16 where the CPU has "
        "fast bf16 instructions (AMX), else float32.",
    )
    backend: Literal["auto", "torch", "torch-int8", "openvino", "openvino-int8", "onnx"] = Field(
        default="auto",
        description="Runtime of the encoder: torch, torch-int8, openvino, openvino-int8 or onnx; auto takes "
        "openvino-int8 where OpenVINO runs (x86-64, ARM64), else torch. A store keeps answering with the backend "
        "it was built with; another one named here is refused.",
    )
    batch_size: int = Field(default=16, ge=1, le=1024, description="Chunks encoded per forward pass (1-1024).")

    @model_validator(mode="after")
    def _check_model_folder(self) -> EmbeddingSettings:
        if self.model is not None and not Path(self.model).expanduser().is_dir():
            raise ValueError(f"the embedding model must be a local model folder; {self.model} is not one")
        return self


class ChunkingSettings(Group):
    """How a document's text is cut into the chunks that are embedded and searched."""

    tokens: int = Field(
        default=200,
        ge=32,
        description="Target size of a chunk in model tokens (>= 32); never more than the model's window allows "
        "(254 for the bundled model).",
    )
    overlap_sentences: int = Field(
        default=1,
        ge=0,
        le=5,
        description="Sentences of a chunk repeated at the start of the next one (0-5), while they leave room for "
        "new text.",
    )


class IngestSettings(Group):
    """What one ingestion may cost: the encoder's batches and each file's size and reading time."""

    group_chunks: int = Field(
        default=512,
        ge=1,
        description="Chunks encoded and committed together (>= 1); larger groups pad less and use more memory.",
    )
    max_file_mb: float = Field(
        default=50.0, gt=0, description="Largest file accepted, in MB (> 0); a larger one fails with that reason."
    )
    max_unpacked_mb: float = Field(
        default=200.0,
        gt=0,
        description="Largest unpacked size of a DOCX (a zip archive), in MB (> 0): a file whose parts declare more "
        "is refused before it is parsed, so a small file cannot expand into gigabytes of XML.",
    )
    load_seconds: float = Field(
        default=600.0,
        gt=0,
        description="Wall-clock time to read one file's text, in seconds (> 0); a file still being read then fails "
        "with that reason and the others go on. Checked between DOCX paragraphs, PDF pages and OCR pages; one "
        "parser call (a DOCX's XML, a PDF page, an HTML page's extraction) runs to its end first.",
    )

    mode: Literal["auto", "direct", "queue"] = Field(
        default="auto",
        description="How files are indexed: 'direct' in the process that is given them; 'queue' stores them in the "
        "database as jobs that `citewise worker` processes (or `serve --workers`) claim; 'auto' queues when the "
        "database is PostgreSQL (shared by several servers) and indexes directly otherwise.",
    )
    lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a worker's claim on a job lasts without a heartbeat, in seconds (> 0); the worker renews "
        "it every third of that, and a job whose worker stopped is claimed again once it runs out.",
    )

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def load_budget(self) -> LoadBudget:
        """What reading one file may cost (`index.loaders.load`)."""
        return LoadBudget(self.max_file_bytes, int(self.max_unpacked_mb * 1_000_000), self.load_seconds)


class IndexSettings(GroupedSettings):
    """Where documents are stored and how they are read, split and embedded."""

    FLAT_NAMES: ClassVar[dict[str, str]] = {
        "store": "storage.path",
        "chroma_url": "storage.chroma_url",
        "collection": "storage.collection",
        "chroma_collection": "storage.chroma_collection",
        "embedding_model": "embedding.model",
        "embedding_dtype": "embedding.dtype",
        "embedding_backend": "embedding.backend",
        "embedding_batch_size": "embedding.batch_size",
        "chunk_tokens": "chunking.tokens",
        "chunk_overlap_sentences": "chunking.overlap_sentences",
        "ingest_group_chunks": "ingest.group_chunks",
        "max_file_mb": "ingest.max_file_mb",
        "max_unpacked_mb": "ingest.max_unpacked_mb",
        "load_seconds": "ingest.load_seconds",
        "ingest_mode": "ingest.mode",
        "lease_seconds": "ingest.lease_seconds",
        "database_url": "database.url",
        "database_poll_seconds": "database.poll_seconds",
        "database_auto_upgrade": "database.auto_upgrade",
        "database_pool_size": "database.pool_size",
    }

    storage: StorageSettings = Field(default_factory=StorageSettings, description=StorageSettings.__doc__)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description=EmbeddingSettings.__doc__)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description=ChunkingSettings.__doc__)
    ingest: IngestSettings = Field(default_factory=IngestSettings, description=IngestSettings.__doc__)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings, description=DatabaseSettings.__doc__)
