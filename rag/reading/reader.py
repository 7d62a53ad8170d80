"""The shipped reader, run with OpenVINO and the model's Rust tokenizer (no PyTorch): `score(question, texts)`
gives one logit per text, higher when the text answers the question. `load_reader()` is None when the weights are
not shipped or OpenVINO cannot run here; every caller then keeps today's features."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_DIR = Path(__file__).resolve().parent / "model"
MAX_TOKENS = 96
BATCH = 32


class Reader:
    def __init__(self, folder: Path = MODEL_DIR):
        import openvino as ov
        from tokenizers import Tokenizer

        from index.encoders import without_telemetry

        without_telemetry()
        record = json.loads((folder / "training.json").read_text())
        self.inputs: tuple[str, ...] = tuple(record["inputs"])
        self.max_tokens = int(record.get("max_tokens", MAX_TOKENS))
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=self.max_tokens, strategy="only_second")
        self._tokenizer.enable_padding()
        config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"}
        self._compiled = ov.Core().compile_model(str(folder / "reader.xml"), "CPU", config)
        self._lock = threading.Lock()

    def score(self, question: str, texts: Sequence[str]) -> list[float]:
        scores: list[float] = []
        for start in range(0, len(texts), BATCH):
            encodings = self._tokenizer.encode_batch([(question, text) for text in texts[start : start + BATCH]])
            arrays = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            with self._lock:  # one compiled model, one inference at a time per call site
                logits = self._compiled([arrays[name] for name in self.inputs])[0]
            scores.extend(float(value) for value in np.asarray(logits).reshape(-1))
        return scores


@lru_cache(maxsize=1)
def load_reader() -> Reader | None:
    """The shipped reader, loaded once; None without its weights or without OpenVINO on this machine."""
    from index.encoders import openvino_available

    if not (MODEL_DIR / "reader.xml").is_file() or not openvino_available():
        return None
    return Reader(MODEL_DIR)


def reader_text(title: str, sentence: str) -> str:
    """The second text of a pair, as the reader was trained on it (training/train_reader.py)."""
    return f"{title}: {sentence}" if title else sentence
