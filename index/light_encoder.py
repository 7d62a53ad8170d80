"""The encoder without sentence-transformers or PyTorch, for a model already converted to OpenVINO: the model's
own Rust tokenizer (`tokenizers`), the cached OpenVINO transformer, and mean pooling and normalisation in numpy.

Importing sentence-transformers costs ~5 s on this project's machine (it imports transformers, torch.distributed
and scikit-learn): most of a cold `citewise ask`. This path serves only the model shapes it reproduces exactly
(a Transformer, mean pooling, an optional Normalize, no prompts or lower-casing of its own); any other model,
and the first use of a backend (which converts from PyTorch), go through sentence-transformers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from .encoders import INPUTS_FILE, openvino_config, without_telemetry

LIGHT_BACKENDS = ("openvino", "openvino-int8")


def open_light(model_path: Path, backend: str, cache: Path | None):
    """A `LightModel` when the converted model is cached and the model folder has a shape this path reproduces;
    None otherwise (the caller loads sentence-transformers)."""
    if backend not in LIGHT_BACKENDS or cache is None:
        return None
    xml, inputs = cache / "model.xml", cache / INPUTS_FILE
    if not (xml.is_file() and inputs.is_file() and (model_path / "tokenizer.json").is_file()):
        return None
    layout = model_layout(model_path)
    if layout is None:
        return None
    import openvino as ov

    without_telemetry()
    compiled = ov.Core().compile_model(str(xml), "CPU", openvino_config(backend))
    names = tuple(json.loads(inputs.read_text()))
    return LightModel(model_path, compiled, names, **layout)


def model_layout(model_path: Path) -> dict | None:
    """max_seq_length, dimension and normalize of a Transformer -> mean Pooling [-> Normalize] folder."""
    try:
        modules = json.loads((model_path / "modules.json").read_text())
        bert = json.loads((model_path / "sentence_bert_config.json").read_text())
        extra = model_path / "config_sentence_transformers.json"
        st_config = json.loads(extra.read_text()) if extra.is_file() else {}
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]) or modules[0]["path"]:
            return None
        pooling = json.loads((model_path / modules[1]["path"] / "config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None
    modes = {key: value for key, value in pooling.items() if key.startswith("pooling_mode_")}
    others = [value for key, value in modes.items() if key != "pooling_mode_mean_tokens"]
    if modes.get("pooling_mode_mean_tokens") is not True or any(others):
        return None
    if bert.get("do_lower_case") or st_config.get("prompts") or st_config.get("default_prompt_name"):
        return None
    if not isinstance(bert.get("max_seq_length"), int) or not isinstance(pooling.get("word_embedding_dimension"), int):
        return None
    return {
        "max_seq_length": bert["max_seq_length"],
        "dimension": pooling["word_embedding_dimension"],
        "normalize": kinds[-1] == "Normalize",
    }


class LightTokenizer:
    """What LocalEmbeddings asks of a tokenizer: the Rust tokenizer, pieces of ids, the special tokens."""

    def __init__(self, model_path: Path, max_seq_length: int):
        from tokenizers import Tokenizer

        path = str(model_path / "tokenizer.json")
        self.backend_tokenizer = Tokenizer.from_file(path)
        added = self.backend_tokenizer.get_added_tokens_decoder().values()
        self.all_special_tokens = [token.content for token in added if token.special]
        # As sentence-transformers calls the tokenizer: pad to the longest text of the batch, cut at the window.
        self._batch = Tokenizer.from_file(path)
        self._batch.enable_truncation(max_length=max_seq_length, strategy="longest_first", direction="right")
        padding = self._batch.padding or {}
        self._batch.enable_padding(
            direction="right",
            pad_id=padding.get("pad_id", 0),
            pad_type_id=padding.get("pad_type_id", 0),
            pad_token=padding.get("pad_token", "[PAD]"),
        )

    def convert_ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        return [self.backend_tokenizer.id_to_token(int(i)) for i in ids]

    def batch(self, texts: list[str]) -> dict:
        import numpy as np

        encodings = self._batch.encode_batch(texts)
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }


class LightModel:
    """Stands in for the loaded SentenceTransformer inside LocalEmbeddings (the calls it makes, no others)."""

    def __init__(
        self, model_path: Path, compiled, names: tuple[str, ...], max_seq_length: int, dimension: int, normalize: bool
    ):
        self.max_seq_length = max_seq_length
        self.tokenizer = LightTokenizer(model_path, max_seq_length)
        self._request = compiled.create_infer_request()
        self._names = names
        self._dimension = dimension
        self._normalize = normalize

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def encode(
        self,
        texts: list[str],
        batch_size: int = 32,
        normalize_embeddings: bool = False,
        output_value: str | None = "sentence_embedding",
        **_options,
    ):
        """Sentence vectors (numpy, one row per text), or with `output_value=None` one dict per text with its
        input_ids, token_embeddings and sentence_embedding (real tokens only, no padding)."""
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # as sentence-transformers batches
        rows: list = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            features = self.tokenizer.batch([texts[i] for i in chosen])
            hidden = self._request.infer([features[name] for name in self._names])[0]
            mask = features["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            if self._normalize or normalize_embeddings:
                pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            for row, index in enumerate(chosen):
                if output_value is None:
                    length = int(features["attention_mask"][row].sum())
                    rows[index] = {
                        "input_ids": features["input_ids"][row, :length],
                        "token_embeddings": np.array(hidden[row, :length]),
                        "sentence_embedding": pooled[row].astype(np.float32),
                    }
                else:
                    rows[index] = pooled[row].astype(np.float32)
        return rows if output_value is None else np.stack(rows)  # LocalEmbeddings never asks for no texts
