"""Ingestion throughput, measured side by side in one run on the same machine and model.

(a) the raw encoder on citewise's own chunks, (b) `citewise ingest` (load, chunk, embed, store, commit),
(c) the plain LangChain pipeline (RecursiveCharacterTextSplitter + HuggingFaceEmbeddings +
Chroma.from_documents). Then a second, unchanged ingest as a fraction of the first.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from common import Timer, langchain_documents, langchain_embeddings, machine


def run(dataset: Path, dtype: str, limit: int | None) -> dict:
    from index.embedding import LocalEmbeddings
    from index.library import Library
    from index.loaders import load
    from index.settings import IndexSettings

    doc_dir = dataset / "docs"
    files = sorted(doc_dir.iterdir())[:limit]
    work = Path(tempfile.mkdtemp(prefix="citewise-bench-"))
    subset = work / "docs"
    subset.mkdir()
    for path in files:
        shutil.copy(path, subset / path.name)
    embeddings = LocalEmbeddings(dtype=dtype)
    embeddings.encode(["warm up the encoder"] * 8)
    settings = IndexSettings(store=work / "store", embedding_dtype=dtype)
    library = Library(settings, embeddings)
    _ = library.vectors  # import and open Chroma before timing, as the LangChain run has imported it too

    # (a) raw encoder on exactly the chunks citewise makes
    chunks = [c for p in sorted(subset.iterdir()) for c in library.chunk(load(p), p.name)]
    texts = [c.text for c in chunks]
    tokens = sum(embeddings.count_tokens(texts))
    with Timer() as raw:
        embeddings.encode(texts)

    # (b) citewise ingest, end to end
    with Timer() as ours:
        report = library.ingest([subset])
    assert not report.failed and len(report.added) == len(files)
    with Timer() as again:
        second = library.ingest([subset])
    assert len(second.unchanged) == len(files)

    # (c) plain LangChain pipeline on the same documents and model
    from langchain_chroma import Chroma

    lc_embeddings = langchain_embeddings(embeddings.model_path)
    lc_embeddings.embed_documents(["warm up the encoder"] * 8)
    with Timer() as plain:
        lc_docs = langchain_documents(subset)
        Chroma.from_documents(
            lc_docs, lc_embeddings, persist_directory=str(work / "langchain"), collection_name="plain"
        )
    lc_tokens = sum(embeddings.count_tokens([d.page_content for d in lc_docs]))
    shutil.rmtree(work, ignore_errors=True)

    result = {
        "documents": len(files),
        "dtype": embeddings.dtype,
        "chunks": len(chunks),
        "tokens": tokens,
        "raw_encoder": {
            "seconds": raw.seconds,
            "chunks_per_s": len(chunks) / raw.seconds,
            "tokens_per_s": tokens / raw.seconds,
        },
        "citewise": {
            "seconds": ours.seconds,
            "chunks_per_s": len(chunks) / ours.seconds,
            "tokens_per_s": tokens / ours.seconds,
            "docs_per_s": len(files) / ours.seconds,
        },
        "langchain": {
            "seconds": plain.seconds,
            "chunks": len(lc_docs),
            "chunks_per_s": len(lc_docs) / plain.seconds,
            "tokens_per_s": lc_tokens / plain.seconds,
            "docs_per_s": len(files) / plain.seconds,
        },
        "reingest_seconds": again.seconds,
    }
    result["ingest_vs_encoder"] = raw.seconds / ours.seconds
    result["ingest_vs_langchain"] = plain.seconds / ours.seconds
    result["reingest_fraction"] = again.seconds / ours.seconds
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True, help="Folder with docs/ (e.g. hotpotqa100).")
    parser.add_argument("--dtype", default="float32", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--limit", type=int, default=None, help="Use only the first N documents.")
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    args = parser.parse_args()
    result = run(args.dataset, args.dtype, args.limit)
    result["machine"] = machine()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['documents']} documents, {result['chunks']} chunks, {result['tokens']} tokens, "
        f"dtype {result['dtype']} on {result['machine']['cpu']} ({result['machine']['cores']} cores)"
    )
    print(f"{'pipeline':<14}{'seconds':>9}{'chunks/s':>10}{'tokens/s':>10}")
    for name in ("raw_encoder", "citewise", "langchain"):
        row = result[name]
        print(f"{name:<14}{row['seconds']:>9.2f}{row['chunks_per_s']:>10.1f}{row['tokens_per_s']:>10.0f}")
    print(f"citewise / raw encoder (same chunks, time ratio): {result['ingest_vs_encoder']:.2f}x")
    print(f"citewise / plain LangChain (same documents, time ratio): {result['ingest_vs_langchain']:.2f}x")
    print(
        f"unchanged re-ingest: {result['reingest_seconds']:.3f}s = {100 * result['reingest_fraction']:.2f}% "
        "of the first ingest"
    )


if __name__ == "__main__":
    main()
