"""Helpers shared by the benchmarks: timing, machine facts, the plain LangChain baseline."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

from ui.ports import free_port, wait_for_port  # noqa: F401 - benchmarks import them from here

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def langchain_documents(doc_dir: Path):
    """The plain LangChain pipeline's chunks: RecursiveCharacterTextSplitter 1000/200."""
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = [
        Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
        for p in sorted(doc_dir.iterdir())
    ]
    return splitter.split_documents(docs)


def langchain_embeddings(model_path: Path):
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=str(model_path), model_kwargs={"device": "cpu"}, encode_kwargs={"normalize_embeddings": True}
    )


def langchain_store(doc_dir: Path, model_path: Path, directory: Path):
    """The plain LangChain pipeline's store: its own chunks, HuggingFaceEmbeddings, Chroma.from_documents."""
    from langchain_chroma import Chroma

    return Chroma.from_documents(
        langchain_documents(doc_dir),
        langchain_embeddings(model_path),
        persist_directory=str(directory),
        collection_name="plain",
    )


CITEWISE = str(Path(sys.executable).with_name("citewise"))


def cli_env() -> dict[str, str]:
    """The environment of a citewise process a benchmark starts: offline, no analytics, no stray settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEWISE_")}
    return env | {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
