"""Settings of the index layer; `rag.settings.Settings` extends them for the whole application."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .budget import LoadBudget

EMBEDDING_DTYPES = ("auto", "float32", "bfloat16")


class IndexSettings(BaseSettings):
    """Where documents are stored and how they are split and embedded (env prefix `CITEWISE_`)."""

    model_config = SettingsConfigDict(env_prefix="CITEWISE_", extra="forbid", validate_assignment=True)

    store: Path = Field(
        default=Path("~/.citewise"),
        description="Directory of the store: catalog, keyword index and (embedded mode) the Chroma database.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server started with `chroma run` (http://HOST:PORT); "
        "unset means an embedded Chroma under the store directory.",
    )
    collection: str = Field(default="citewise", description="Name of the Chroma collection that holds chunks.")
    embedding_model: Path | None = Field(
        default=None,
        description="Folder of a local sentence-transformers model; unset means the bundled all-MiniLM-L6-v2.",
    )
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description="Precision of the encoder: auto picks bfloat16 where the CPU has fast bf16 instructions.",
    )
    embedding_backend: Literal["auto", "torch", "torch-int8", "openvino", "openvino-int8", "onnx"] = Field(
        default="auto",
        description="Runtime of the encoder: torch, torch-int8, openvino, openvino-int8 or onnx. auto takes "
        "openvino-int8 where OpenVINO runs (x86-64, ARM64), else torch; a store keeps the backend it was built "
        "with. openvino-int8 against torch (bench/encoders.py, this machine): 2.56x the chunks/s; recall@5 / "
        "MRR@10 hotpotqa100 0.945 / 0.931 (same), realtimeqa2022 0.9225 / 0.860 (torch 0.9275 / 0.858).",
    )
    embedding_batch_size: int = Field(default=16, ge=1, le=1024, description="Chunks encoded per forward pass.")
    chunk_tokens: int = Field(
        default=200,
        ge=32,
        description="Target size of a chunk in model tokens; never more than the model's window allows.",
    )
    chunk_overlap_sentences: int = Field(
        default=1, ge=0, le=5, description="Sentences repeated at the start of the next chunk."
    )
    ingest_group_chunks: int = Field(
        default=512, ge=1, description="Chunks encoded and committed together; large groups pad less."
    )
    max_file_mb: float = Field(default=50.0, gt=0, description="Files larger than this are refused, in MB.")
    max_unpacked_mb: float = Field(
        default=200.0,
        gt=0,
        description="A DOCX (a zip archive) whose parts declare more than this unpacked, in MB (> 0), is refused "
        "before it is parsed, so a small file cannot expand into gigabytes of XML (parsing takes ~8 bytes of memory "
        "per byte of XML, ~4 s per 200 MB). A blank Word document unpacks to 0.8 MB and pictures barely unpack; "
        "200 MB of XML is some 40,000 pages of text.",
    )
    load_seconds: float = Field(
        default=600.0,
        gt=0,
        description="Wall-clock time to read one file's text, in seconds (> 0); a file still being read then fails "
        "with that reason and the others go on. Checked between DOCX paragraphs, PDF pages and OCR pages; one "
        "parser call (a DOCX's XML, a PDF page, an HTML page's extraction) runs to its end first. The default "
        "lets a scanned PDF of about 400 pages be read by OCR (0.69 pages/s here).",
    )

    @field_validator("store")
    @classmethod
    def _expand_store(cls, value: Path) -> Path:
        return Path(value).expanduser()

    @field_validator("chroma_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"chroma_url must look like http://HOST:PORT, got {value!r}")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _check_model_folder(self) -> IndexSettings:
        if self.embedding_model is not None and not Path(self.embedding_model).expanduser().is_dir():
            raise ValueError(f"embedding_model must be a local model folder; {self.embedding_model} is not one")
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def load_budget(self) -> LoadBudget:
        """What reading one file may cost (`index.loaders.load`)."""
        return LoadBudget(self.max_file_bytes, int(self.max_unpacked_mb * 1_000_000), self.load_seconds)
