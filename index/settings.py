"""Settings: one validated object of nested groups, built once at the edge and passed down.

`GroupedSettings` is the machinery (pydantic-settings, env prefix `CITEWISE_`); `IndexSettings` holds the index
layer's groups, `rag.settings.Settings` adds retrieval, answering, checks and the LLM, `ui.settings.AppSettings`
the server. Every group forbids unknown fields, so a typo fails loudly.

Each leaf also has one flat name, the name it had before the groups (`top_k` for `retrieval.top_k`), kept
working in one table per layer (`FLAT_NAMES`, merged by `flat_names()`):
- the environment: `CITEWISE_TOP_K=7` (the flat name) or `CITEWISE_RETRIEVAL__TOP_K=7` (group and field);
- keyword arguments: `Settings(store=..., top_k=3)` as well as `Settings(retrieval={"top_k": 3})`.
Arguments win over the environment, the environment over the defaults; one leaf set twice at the same level
(`top_k=3, retrieval={"top_k": 4}`, or both environment forms) is refused, naming both.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .budget import LoadBudget

ENV_PREFIX = "CITEWISE_"
NESTED_DELIMITER = "__"
EMBEDDING_DTYPES = ("auto", "float32", "bfloat16")


class Group(BaseModel):
    """One group of settings: immutable, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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


# -- the machinery


def _invalid(title: str, message: str, loc: tuple = (), value: Any = None) -> ValidationError:
    """A pydantic ValidationError with one message, so that callers catch settings errors one way."""
    error = {"type": "value_error", "loc": loc, "input": value, "ctx": {"error": ValueError(message)}}
    return ValidationError.from_exception_data(title, [error])


def _merge(base: Mapping, update: Mapping) -> dict:
    """`base` with `update` laid over it, group by group."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class _EnvironmentSource(PydanticBaseSettingsSource):
    """`CITEWISE_<FLAT_NAME>` and `CITEWISE_<GROUP>__<FIELD>` variables, as nested values."""

    def get_field_value(self, field, field_name):  # required by the base class; __call__ does the work
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.settings_cls.from_environment(os.environ)  # type: ignore[attr-defined]


class GroupedSettings(BaseSettings):
    """Settings made of groups (fields whose type is a `Group`), each leaf also reachable by its flat name."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    FLAT_NAMES: ClassVar[dict[str, str]] = {}
    """This layer's part of the table: old flat name -> "group.field" (or "field" for a top-level one)."""

    _given: dict[str, Any] = PrivateAttr(default_factory=dict)
    """What was given (arguments and environment, nested) before any profile: `updated` starts from it."""

    def __init__(self, **values: Any) -> None:
        super().__init__(**type(self).nest(values))

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments, then the environment read through the flat-name table (pydantic-settings' own environment
        # source would read CITEWISE_LLM as the JSON of the whole `llm` group).
        return init_settings, _EnvironmentSource(settings_cls)

    # -- the table
    @classmethod
    def flat_names(cls) -> dict[str, str]:
        """Every flat name of this class (its layers' tables together) -> "group.field" or "field"."""
        table: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            table.update(vars(klass).get("FLAT_NAMES", {}))
        return table

    @classmethod
    def groups(cls) -> dict[str, type[Group]]:
        """The group fields of this class and their types."""
        return {
            name: field.annotation
            for name, field in cls.model_fields.items()
            if isinstance(field.annotation, type) and issubclass(field.annotation, Group)
        }

    @classmethod
    def nest(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments with flat names routed into their groups; a group given as a model becomes the dict
        of what was set on it. An unknown name, or one leaf given twice, is refused with the valid names."""
        table, groups = cls.flat_names(), cls.groups()
        nested: dict[str, Any] = {}
        flat: list[tuple[str, Any]] = []
        for key, value in data.items():
            if key in groups and (key not in table or isinstance(value, (Mapping, BaseModel))):
                if isinstance(value, BaseModel):
                    value = value.model_dump(exclude_unset=True)
                nested[key] = dict(value) if isinstance(value, Mapping) else value
            elif key.startswith("_") or (key in cls.model_fields and key not in groups):
                nested[key] = value  # a top-level field, or one of pydantic-settings' own _arguments
            else:
                flat.append((key, value))
        for key, value in flat:
            path = table.get(key)
            if path is None:
                close = difflib.get_close_matches(key, list(table), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise _invalid(
                    cls.__name__,
                    f"unknown setting {key!r}{hint}; the settings are the groups {', '.join(groups)} and the names "
                    f"{', '.join(sorted(table))}",
                    (key,),
                    value,
                )
            group, _, field = path.partition(".")
            if not field:
                nested[group] = value
                continue
            target = nested.setdefault(group, {})
            if not isinstance(target, dict):
                raise _invalid(cls.__name__, f"{group} must be a mapping of its fields", (group,), target)
            if field in target:
                raise _invalid(cls.__name__, f"{path} is given twice: as {key!r} and in {group!r}", (key,), value)
            target[field] = value
        return nested

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> dict[str, Any]:
        """The settings the environment sets, nested: `CITEWISE_TOP_K` and `CITEWISE_RETRIEVAL__TOP_K` alike
        (case-insensitive). Variables of the prefix that name no setting (CITEWISE_DEBUG) are left alone."""
        prefix = cls.model_config.get("env_prefix", ENV_PREFIX).upper()
        env = {key.upper(): value for key, value in environ.items() if key.upper().startswith(prefix)}
        nested: dict[str, Any] = {}
        source: dict[str, str] = {}  # "group.field" -> the variable that set it
        for name, path in cls.flat_names().items():
            variable = prefix + name.upper()
            if variable in env:
                group, _, field = path.partition(".")
                if field:
                    nested.setdefault(group, {})[field] = env[variable]
                else:
                    nested[group] = env[variable]
                source[path] = variable
        for group in cls.groups():
            start = f"{prefix}{group.upper()}{NESTED_DELIMITER}"
            for variable, value in env.items():
                if variable.startswith(start):
                    field = variable[len(start) :].lower()
                    path = f"{group}.{field}"
                    if path in source:
                        raise _invalid(
                            cls.__name__, f"{path} is set twice: by {source[path]} and {variable}", (variable,), value
                        )
                    nested.setdefault(group, {})[field] = value
                    source[path] = variable
        return nested

    # -- building
    @model_validator(mode="wrap")
    @classmethod
    def _resolve(cls, data: Any, handler):
        if isinstance(data, cls) or not isinstance(data, Mapping):
            return handler(data)
        given = cls.nest(data)
        settings = handler(cls.with_profile(given))
        settings._given = given
        return settings

    @classmethod
    def with_profile(cls, given: dict[str, Any]) -> dict[str, Any]:
        """The values to validate: `given` with the defaults its profile sets (none at this layer)."""
        return given

    def updated(self, **changes: Any) -> GroupedSettings:
        """A new, validated settings object: what these were built from, with `changes` (flat names or groups)
        laid over it. A profile's values are worked out again; the environment is not read again."""
        return type(self).model_validate(_merge(self._given, type(self).nest(changes)))

    @classmethod
    def describe(cls, loc: tuple | str) -> str:
        """A validation error's location for a person: "retrieval.top_k (CITEWISE_TOP_K)"."""
        path = loc if isinstance(loc, str) else ".".join(map(str, loc))
        flat = next((name for name, leaf in cls.flat_names().items() if leaf == path), None)
        if flat is None:
            return path or "settings"
        return f"{path} ({cls.model_config.get('env_prefix', ENV_PREFIX)}{flat.upper()})"

    @classmethod
    def leaf_paths(cls) -> list[str]:
        """Every leaf setting as "group.field" (or "field"), in declaration order."""
        groups = cls.groups()
        paths = []
        for name in cls.model_fields:
            if name in groups:
                paths += [f"{name}.{field}" for field in groups[name].model_fields]
            else:
                paths.append(name)
        return paths


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
