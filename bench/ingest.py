"""Ingestion throughput, measured side by side in one run on the same machine and model.

(a) the raw PyTorch encoder (float32, or the dtype asked for) on citewise's own chunks, (b) `citewise ingest`
(load, chunk, embed with the encoder backend asked for, default auto, store, commit), (c) the plain LangChain
pipeline (RecursiveCharacterTextSplitter + HuggingFaceEmbeddings + Chroma.from_documents). Runs are alternated
(a b c, b c a, ...) and medians compared; then a second, unchanged ingest as a fraction of the first.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.common import Timer, langchain_documents, langchain_embeddings, machine


def run(
    dataset: Path, dtype: str = "float32", limit: int | None = None, repeats: int = 1, backend: str = "auto"
) -> dict:
    from langchain_chroma import Chroma

    from index.embedding import LocalEmbeddings
    from index.library import Library
    from index.loaders import load
    from index.settings import IndexSettings

    files = sorted((dataset / "docs").iterdir())[:limit]
    work = Path(tempfile.mkdtemp(prefix="citewise-bench-"))
    subset = work / "docs"
    subset.mkdir()
    for path in files:
        shutil.copy(path, subset / path.name)
    embeddings = LocalEmbeddings(dtype=dtype, backend="torch")  # the raw encoder: PyTorch, no conversion
    embeddings.encode(["warm up the encoder"] * 8)
    encoder = LocalEmbeddings(dtype=dtype, backend=backend, cache=work / "encoders")  # what citewise ingests with
    encoder.encode(["warm up the encoder"] * 8)  # converted once (cached in the store), before any timing
    probe = Library(IndexSettings(store=work / "probe", embedding_dtype=dtype), embeddings)
    chunks = [c for p in sorted(subset.iterdir()) for c in probe.chunk(load(p), p.name)]
    texts = [c.text for c in chunks]
    tokens = sum(embeddings.count_tokens(texts))
    lc_embeddings = langchain_embeddings(embeddings.model_path)
    if embeddings.dtype == "bfloat16":
        lc_embeddings._client = embeddings.model  # same weights and precision for the baseline
    lc_embeddings.embed_documents(["warm up the encoder"] * 8)
    lc_docs = langchain_documents(subset)
    lc_tokens = sum(embeddings.count_tokens([d.page_content for d in lc_docs]))
    seconds: dict[str, list[float]] = {"raw_encoder": [], "citewise": [], "langchain": [], "reingest": []}

    def raw() -> None:
        with Timer() as timer:
            embeddings.encode(texts)
        seconds["raw_encoder"].append(timer.seconds)

    def ours() -> None:
        store = Path(tempfile.mkdtemp(dir=work))
        library = Library(IndexSettings(store=store, embedding_dtype=dtype), encoder)
        _ = library.vectors  # import and open Chroma before timing, as the LangChain run has imported it too
        with Timer() as first:
            report = library.ingest([subset])
        assert not report.failed and len(report.added) == len(files)
        with Timer() as again:
            assert len(library.ingest([subset]).unchanged) == len(files)
        seconds["citewise"].append(first.seconds)
        seconds["reingest"].append(again.seconds)

    def plain() -> None:
        with Timer() as timer:
            Chroma.from_documents(
                langchain_documents(subset),
                lc_embeddings,
                persist_directory=tempfile.mkdtemp(dir=work),
                collection_name="plain",
            )
        seconds["langchain"].append(timer.seconds)

    order = [raw, ours, plain]
    for repeat in range(repeats):
        for step in order[repeat % 3 :] + order[: repeat % 3]:
            step()
    shutil.rmtree(work, ignore_errors=True)
    med = {name: statistics.median(values) for name, values in seconds.items()}
    return {
        "documents": len(files),
        "dtype": embeddings.dtype,
        "backend": encoder.backend,
        "repeats": repeats,
        "chunks": len(chunks),
        "tokens": tokens,
        "tokens_per_document": round(tokens / len(files), 1),
        "raw_encoder": {
            "seconds": med["raw_encoder"],
            "chunks_per_s": len(chunks) / med["raw_encoder"],
            "tokens_per_s": tokens / med["raw_encoder"],
        },
        "citewise": {
            "seconds": med["citewise"],
            "chunks_per_s": len(chunks) / med["citewise"],
            "tokens_per_s": tokens / med["citewise"],
            "docs_per_s": len(files) / med["citewise"],
        },
        "langchain": {
            "seconds": med["langchain"],
            "chunks": len(lc_docs),
            "tokens_per_document": round(lc_tokens / len(files), 1),
            "chunks_per_s": len(lc_docs) / med["langchain"],
            "tokens_per_s": lc_tokens / med["langchain"],
            "docs_per_s": len(files) / med["langchain"],
        },
        "reingest_seconds": med["reingest"],
        "ingest_vs_encoder": med["raw_encoder"] / med["citewise"],
        "ingest_vs_langchain": med["langchain"] / med["citewise"],
        "reingest_fraction": med["reingest"] / med["citewise"],
        "all_seconds": seconds,
    }


def report(result: dict) -> str:
    lines = [
        f"{result['documents']} documents, {result['chunks']} chunks, {result['tokens']} tokens "
        f"({result['tokens_per_document']} per document; LangChain's chunks "
        f"{result['langchain']['tokens_per_document']}), raw encoder torch {result['dtype']}, citewise backend "
        f"{result['backend']}, median of {result['repeats']} alternated runs",
        f"{'pipeline':<14}{'seconds':>9}{'chunks/s':>10}{'tokens/s':>10}",
    ]
    for name in ("raw_encoder", "citewise", "langchain"):
        row = result[name]
        lines.append(f"{name:<14}{row['seconds']:>9.2f}{row['chunks_per_s']:>10.1f}{row['tokens_per_s']:>10.0f}")
    lines.append(f"citewise / raw encoder (same chunks, time ratio): {result['ingest_vs_encoder']:.2f}x")
    lines.append(f"citewise / plain LangChain (same documents, time ratio): {result['ingest_vs_langchain']:.2f}x")
    lines.append(
        f"unchanged re-ingest: {result['reingest_seconds']:.3f}s = {100 * result['reingest_fraction']:.2f}% "
        "of the first ingest"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True, help="Folder with docs/ (e.g. hotpotqa100).")
    parser.add_argument("--dtype", default="float32", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--backend", default="auto", help="Encoder backend of the citewise ingest.")
    parser.add_argument("--limit", type=int, default=None, help="Use only the first N documents.")
    parser.add_argument("--repeats", type=int, default=3, help="Alternated runs of each pipeline.")
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    args = parser.parse_args()
    result = run(args.dataset, args.dtype, args.limit, args.repeats, args.backend)
    result["machine"] = machine()
    print(json.dumps(result, indent=2) if args.json else report(result))


if __name__ == "__main__":
    main()
