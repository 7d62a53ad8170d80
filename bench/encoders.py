"""Encoder backends side by side, in one run on the same chunks: chunks/s and tokens/s of each backend
(alternated runs, medians), first-use conversion and cached load seconds, query encode ms, how close each
backend's vectors are to PyTorch float32; then what a document costs in tokens under several chunk lengths
and overlaps; with --quality, recall@5 and MRR@10 of `citewise eval` for every backend and chunking on each
dataset (a store per variant; see bench/devsets.py).

    python -m bench.encoders --dataset ../shared/eval/hotpotqa100 --dataset ../shared/eval/realtimeqa2022 --quality
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.common import REPO, Timer, machine, percentile
from index.encoders import FAST_BACKEND

BACKENDS = ("torch", "torch-int8", "openvino", "openvino-int8", "onnx")
CHUNKINGS = ((200, 1), (200, 0), (128, 1), (128, 0), (256, 1), (256, 0))  # (chunk_tokens, overlap_sentences)


def dataset_chunks(dataset: Path, embeddings, limit: int | None, chunk_tokens: int = 200, overlap: int = 1):
    from index.library import Library
    from index.loaders import load
    from index.settings import IndexSettings

    files = sorted((dataset / "docs").iterdir())[:limit]
    settings = IndexSettings(
        store=Path(tempfile.mkdtemp(prefix="citewise-chunks-")),
        chunk_tokens=chunk_tokens,
        chunk_overlap_sentences=overlap,
    )
    library = Library(settings, embeddings)
    documents = [(path.name, load(path)) for path in files]
    shutil.rmtree(settings.storage.path, ignore_errors=True)
    return documents, [chunk for name, loaded in documents for chunk in library.chunk(loaded, name)]


def speeds(dataset: Path, backends=BACKENDS, limit: int | None = 300, repeats: int = 3) -> dict:
    """Every backend encodes the same chunks; runs alternate so that no backend gets the quiet minutes."""
    import numpy as np

    from index.embedding import LocalEmbeddings
    from rag.evaluation import load_questions

    work = Path(tempfile.mkdtemp(prefix="citewise-encoders-"))
    encoders, conversion, cached_load = {}, {}, {}
    for backend in backends:
        with Timer() as first:  # load the model and convert it (nothing to convert for torch)
            LocalEmbeddings(dtype="float32", backend=backend, cache=work).encode(["warm up"])
        with Timer() as again:  # a new process's load: the converted model comes from the cache
            encoders[backend] = LocalEmbeddings(dtype="float32", backend=backend, cache=work)
            encoders[backend].encode(["warm up"] * 8)
        conversion[backend], cached_load[backend] = first.seconds, again.seconds
    reference = encoders.get("torch") or LocalEmbeddings(dtype="float32", backend="torch")
    _, chunks = dataset_chunks(dataset, reference, limit)
    texts = [chunk.text for chunk in chunks]
    tokens = sum(reference.count_tokens(texts))
    seconds: dict[str, list[float]] = {backend: [] for backend in backends}
    vectors = {}
    for repeat in range(repeats):
        order = list(backends[repeat % len(backends) :]) + list(backends[: repeat % len(backends)])
        for backend in order:
            with Timer() as timer:
                vectors[backend] = encoders[backend].encode(texts)
            seconds[backend].append(timer.seconds)
    truth = vectors["torch"] if "torch" in vectors else reference.encode(texts)
    queries = [q.question for q in load_questions(dataset)][:100]
    rows = {}
    for backend in backends:
        median = statistics.median(seconds[backend])
        cosine = np.sum(vectors[backend] * truth, axis=1)
        query_ms = []
        for query in queries:
            with Timer() as timer:
                encoders[backend].embed_query(query)
            query_ms.append(1000 * timer.seconds)
        rows[backend] = {
            "chunks_per_s": round(len(texts) / median, 1),
            "tokens_per_s": round(tokens / median),
            "seconds": [round(s, 2) for s in seconds[backend]],
            "conversion_s": round(conversion[backend], 1),
            "cached_load_s": round(cached_load[backend], 1),
            "query_encode_p50_ms": round(percentile(query_ms, 50), 2),
            "query_encode_p95_ms": round(percentile(query_ms, 95), 2),
            "cosine_to_torch_min": round(float(cosine.min()), 5),
            "cosine_to_torch_mean": round(float(cosine.mean()), 5),
        }
    base = rows.get("torch", {}).get("chunks_per_s")
    for row in rows.values():
        row["vs_torch"] = round(row["chunks_per_s"] / base, 2) if base else None
    shutil.rmtree(work, ignore_errors=True)
    return {"dataset": dataset.name, "chunks": len(texts), "tokens": tokens, "repeats": repeats, "backends": rows}


def padded_tokens(lengths: list[int], batch_size: int) -> int:
    """Tokens a forward pass computes when texts are sorted by length and padded to the longest of each batch."""
    ordered = sorted(lengths, reverse=True)
    return sum(
        max(ordered[i : i + batch_size]) * len(ordered[i : i + batch_size]) for i in range(0, len(ordered), batch_size)
    )


def token_costs(dataset: Path, chunkings=CHUNKINGS, batch_size: int = 16) -> list[dict]:
    """What a document costs the encoder: tokens of its chunks (overlap counted again), with padding."""
    from index.embedding import SPECIAL_TOKENS, LocalEmbeddings

    embeddings = LocalEmbeddings(dtype="float32", backend="torch")
    rows = []
    own_tokens = None
    for chunk_tokens, overlap in chunkings:
        documents, chunks = dataset_chunks(dataset, embeddings, None, chunk_tokens, overlap)
        if own_tokens is None:
            own_tokens = sum(embeddings.count_tokens([loaded.text for _, loaded in documents]))
        lengths = [n + SPECIAL_TOKENS for n in embeddings.count_tokens([chunk.text for chunk in chunks])]
        rows.append(
            {
                "chunk_tokens": chunk_tokens,
                "overlap_sentences": overlap,
                "chunks_per_document": round(len(chunks) / len(documents), 2),
                "tokens_per_document": round(sum(lengths) / len(documents), 1),
                "padded_tokens_per_document": round(padded_tokens(lengths, batch_size) / len(documents), 1),
                "document_tokens_per_document": round(own_tokens / len(documents), 1),
            }
        )
    return rows


def quality(datasets: list[Path], variants: list[str], work: Path) -> dict:
    """recall@5 and MRR@10 (citewise eval) of each variant on each dataset."""
    from bench import devsets

    results = devsets.run(datasets, variants, work)
    return {
        variant: {
            name: {
                "recall@5": result["overall"]["recall@5"],
                "mrr@10": result["overall"]["mrr@10"],
                "answer_contained": result["overall"].get("answer_contained"),
            }
            for name, result in by_set.items()
        }
        for variant, by_set in results.items()
    }


def report(result: dict) -> str:
    lines = []
    for speed in result["speeds"]:
        lines += [
            f"## Backends on {speed['dataset']}: {speed['chunks']} chunks, {speed['tokens']} tokens, "
            f"median of {speed['repeats']} alternated runs",
            "",
            "| backend | chunks/s | vs torch | query encode p50 ms | cosine to torch min / mean | "
            "first load s (converts) | cached load s |",
            "|---|---|---|---|---|---|---|",
        ]
        for backend, row in speed["backends"].items():
            lines.append(
                f"| {backend} | {row['chunks_per_s']} | {row['vs_torch']}x | {row['query_encode_p50_ms']} | "
                f"{row['cosine_to_torch_min']} / {row['cosine_to_torch_mean']} | {row['conversion_s']} | "
                f"{row['cached_load_s']} |"
            )
        lines.append("")
    for name, rows in result.get("token_costs", {}).items():
        lines += [
            f"## Tokens per document on {name} (any backend: one tokenizer)",
            "",
            "| chunk tokens | overlap sentences | chunks/doc | tokens/doc | padded tokens/doc | the text alone |",
            "|---|---|---|---|---|---|",
        ]
        for row in rows:
            lines.append(
                f"| {row['chunk_tokens']} | {row['overlap_sentences']} | {row['chunks_per_document']} | "
                f"{row['tokens_per_document']} | {row['padded_tokens_per_document']} | "
                f"{row['document_tokens_per_document']} |"
            )
        lines.append("")
    if result.get("quality"):
        names = sorted({name for by_set in result["quality"].values() for name in by_set})
        lines += [
            "## Retrieval quality (citewise eval, k=5)",
            "",
            "| variant | " + " | ".join(f"{n} recall@5 | {n} MRR@10" for n in names) + " |",
            "|---|" + "---|---|" * len(names),
        ]
        for variant, by_set in result["quality"].items():
            cells = [f"{by_set[n]['recall@5']} | {by_set[n]['mrr@10']}" if n in by_set else "- | -" for n in names]
            lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--limit", type=int, default=300, help="Documents whose chunks the speed runs encode.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quality", action="store_true", help="Also citewise eval of every variant (long).")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".work" / "devsets")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = {
        "machine": machine(),
        "speeds": [speeds(args.dataset[0], limit=args.limit, repeats=args.repeats)],
        "token_costs": {dataset.name: token_costs(dataset) for dataset in args.dataset},
    }
    if args.quality:
        variants = [f"embedding_backend={backend}" for backend in BACKENDS]
        variants += [
            f"embedding_backend={FAST_BACKEND},chunk_tokens={tokens},chunk_overlap_sentences={overlap}"
            for tokens, overlap in CHUNKINGS[1:]
        ]
        result["quality"] = quality(args.dataset, variants, args.work)
    print(json.dumps(result, indent=2) if args.json else report(result))


if __name__ == "__main__":
    main()
