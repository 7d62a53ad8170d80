"""Encoder backends: the model's transformer run by PyTorch, OpenVINO or ONNX Runtime.

Only the transformer changes hands: the model's own tokenizer, pooling and normalisation stay in
sentence-transformers (or their exact copy in `light_encoder`, for a cached OpenVINO model), so every backend
encodes the same texts into the same kind of vector. The faster runtimes
are converted offline from the local model folder at first use and cached beside the store (nothing is
downloaded). Measured on this project's machine, `python -m bench.encoders` (2 cores, AVX512-VNNI, no AMX):
openvino-int8 encodes 2.56x the chunks per second of torch, with recall@5 and MRR@10 within 0.01 of torch on
both dev sets; openvino 1.39x and onnx 1.05x give torch's vectors; torch-int8 2.07x loses more (see README).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from importlib.util import find_spec
from pathlib import Path

from .errors import CitewiseError

log = logging.getLogger(__name__)

BACKENDS = {
    "torch": "PyTorch as the model was saved (float32, or bfloat16 with CITEWISE_EMBEDDING_DTYPE)",
    "torch-int8": "PyTorch with the linear layers quantised to int8 at load (dynamic quantisation)",
    "openvino": "OpenVINO, float32 IR converted from the model",
    "openvino-int8": "OpenVINO, IR with int8 weights (NNCF weight compression), float32 activations",
    "onnx": "ONNX Runtime on an ONNX export of the model, full graph optimisation",
}
BACKEND_CHOICES = ("auto", *BACKENDS)
# What `auto` takes where OpenVINO runs: the fastest backend whose recall@5 and MRR@10 stay within 0.01 of
# torch on both dev sets (bench/encoders.py).
FAST_BACKEND = "openvino-int8"
# openvino-int8 quantises activations on the fly in groups of this many values (OpenVINO's default is 32).
# 128 (a third of MiniLM's 384-wide rows) against 32, this machine: ~1.2x the chunks/s, min cosine to torch
# 0.9983 vs 0.9988; against torch, recall@5 / MRR@10 hotpotqa100 0.945 / 0.931 (same), realtimeqa2022
# 0.9225 / 0.8601 (torch 0.9275 / 0.8576; group 32 0.925 / 0.8608): within 0.01 on both.
ACTIVATION_GROUP = 128
# OpenVINO's CPU plugin ships for these machines; elsewhere `auto` keeps PyTorch.
_OPENVINO_MACHINES = ("x86_64", "amd64", "aarch64", "arm64")

INPUTS_FILE = "inputs.json"  # beside a converted model: its input tensors, in the order it takes them

# A forward pass of the transformer: tokenizer outputs in, last hidden state [batch, tokens, dim] out.
Infer = Callable[[dict], object]


class BackendError(CitewiseError):
    """An encoder backend cannot run here; the message says why and what to choose instead."""

    http_status = 500  # the server's encoder setting or installation, not anything in the request


def resolve_backend(choice: str) -> str:
    """`auto` becomes the fast backend where OpenVINO is installed for this CPU, else torch. Cheap: no imports."""
    if choice not in BACKEND_CHOICES:
        raise BackendError(f"unknown encoder backend {choice!r}: choose one of {', '.join(BACKEND_CHOICES)}")
    if choice != "auto":
        return choice
    return FAST_BACKEND if openvino_available() else "torch"


def openvino_available() -> bool:
    return platform.machine().lower() in _OPENVINO_MACHINES and find_spec("openvino") is not None


def model_key(model_path: Path) -> str:
    """Names a model folder's state: a converted copy is reused only for the very files it came from."""
    digest = hashlib.sha256(str(model_path.resolve()).encode())
    for path in sorted(p for p in model_path.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(model_path)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{model_path.name}-{digest.hexdigest()[:12]}"


def attach(backend: str, model, cache: Path | None) -> None:
    """Make `model` (a loaded SentenceTransformer) run its transformer on `backend`."""
    if backend == "torch":
        return
    transformer = model[0]
    if backend == "torch-int8":
        import torch

        with _quietly():  # torch.ao.quantization warns of its coming move to torchao
            transformer.model = torch.ao.quantization.quantize_dynamic(
                transformer.model, {torch.nn.Linear}, dtype=torch.qint8
            )
        return
    names = _input_names(model)
    loader = {"openvino": _openvino, "openvino-int8": _openvino, "onnx": _onnx}[backend]
    try:
        infer = loader(backend, transformer.model, names, cache)
    except ImportError as exc:
        raise BackendError(
            f"encoder backend {backend!r} needs the Python package {exc.name or exc}: "
            "reinstall citewise, or set CITEWISE_EMBEDDING_BACKEND=torch"
        ) from exc
    transformer.forward = _RuntimeForward(infer, names, getattr(transformer, "module_output_name", None))


class _RuntimeForward:
    """Stands in for the transformer module's forward: same features in, `token_embeddings` out."""

    def __init__(self, infer: Infer, names: tuple[str, ...], output_name: str | None):
        self.infer = infer
        self.names = names
        self.output_name = output_name or "token_embeddings"

    def __call__(self, features: dict, **_kwargs) -> dict:
        import torch

        hidden = self.infer({name: features[name].numpy() for name in self.names})
        features[self.output_name] = torch.from_numpy(hidden)
        return features


def _input_names(model) -> tuple[str, ...]:
    features = model.preprocess(["a probe"])
    return tuple(name for name in ("input_ids", "attention_mask", "token_type_ids") if name in features)


def _exportable(hf_model, names: tuple[str, ...]):
    """The HF model as a module of positional tensors returning only the last hidden state (what exporters take)."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = hf_model

        def forward(self, *tensors):
            return self.model(**dict(zip(names, tensors, strict=True)), return_dict=True).last_hidden_state

    return LastHiddenState().eval()


def _example(names: tuple[str, ...]):
    import torch

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    values = {"input_ids": ids, "attention_mask": (ids > 0).long(), "token_type_ids": torch.zeros_like(ids)}
    return tuple(values[name] for name in names)


def _cached(cache: Path | None, filename: str, make: Callable[[Path], None]) -> Path:
    """The converted file in `cache`, made once: written into a scratch folder, then moved in whole, so an
    interrupted conversion or two processes converting at once never leave a half-written model behind."""
    if cache is not None and (cache / filename).is_file():
        return cache / filename
    parent = cache.parent if cache is not None else None
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".converting-", dir=parent))
    try:
        with _quietly():
            make(scratch / filename)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    if cache is None:  # converted for this process only: the caller loads it, then `_drop_uncached`
        return scratch / filename
    try:
        scratch.rename(cache)
    except OSError:  # another process finished first: use its copy
        shutil.rmtree(scratch, ignore_errors=True)
    return cache / filename


def _drop_uncached(path: Path, cache: Path | None) -> None:
    """Without a cache the converted model lives in a scratch folder; once loaded into memory it goes."""
    if cache is None:
        shutil.rmtree(path.parent, ignore_errors=True)


@contextlib.contextmanager
def _quietly() -> Iterator[None]:
    """Converters print tracer warnings, tables and progress bars; `citewise ... --json` keeps stdout for JSON."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        yield


def without_telemetry() -> None:
    """NNCF and OpenVINO's converter report usage to Intel when `openvino_telemetry` imports and no consent file
    says no; Citewise sends nothing anywhere, so that module is made unimportable before either loads."""
    if "openvino_telemetry" not in sys.modules:
        sys.modules["openvino_telemetry"] = None


def _openvino(backend: str, hf_model, names: tuple[str, ...], cache: Path | None) -> Infer:
    without_telemetry()
    import openvino as ov

    def convert(target: Path) -> None:
        log.info("converting the encoder to OpenVINO (%s), once", backend)
        model = ov.convert_model(_exportable(hf_model, names), example_input=_example(names))
        if backend == "openvino-int8":
            import nncf

            logging.getLogger("nncf").setLevel(logging.WARNING)
            model = nncf.compress_weights(model)  # int8 asymmetric, per output channel
        ov.save_model(model, target, compress_to_fp16=False)

    path = _cached(cache, "model.xml", convert)
    if cache is not None and not (cache / INPUTS_FILE).is_file():
        # The input order lets the next process run this model without sentence-transformers (light_encoder).
        scratch = cache / f".{INPUTS_FILE}.{os.getpid()}"
        scratch.write_text(json.dumps(list(names)))
        scratch.replace(cache / INPUTS_FILE)
    compiled = ov.Core().compile_model(str(path), "CPU", openvino_config(backend))
    _drop_uncached(path, cache)
    request = compiled.create_infer_request()
    # Inputs by position: the converted module takes its tensors in the order of `names`.
    return lambda arrays: request.infer([arrays[name] for name in names])[0].copy()


def openvino_config(backend: str) -> dict[str, str]:
    # Float32 activations: OpenVINO would otherwise pick bfloat16 on CPUs that have it. With int8 weights the
    # CPU plugin quantises activations on the fly in groups (its default 32 values).
    config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"}
    if backend == "openvino-int8":
        config["DYNAMIC_QUANTIZATION_GROUP_SIZE"] = str(ACTIVATION_GROUP)
    return config


def _onnx(backend: str, hf_model, names: tuple[str, ...], cache: Path | None) -> Infer:
    import onnxruntime as ort
    import torch

    def export(target: Path) -> None:
        log.info("exporting the encoder to ONNX, once")
        axes = {name: {0: "batch", 1: "tokens"} for name in (*names, "last_hidden_state")}
        torch.onnx.export(
            _exportable(hf_model, names),
            _example(names),
            str(target),
            input_names=list(names),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, dynamic shapes as declared
        )

    path = _cached(cache, "model.onnx", export)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = os.cpu_count() or 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    _drop_uncached(path, cache)
    return lambda arrays: session.run(None, {name: value.astype("int64") for name, value in arrays.items()})[0]
