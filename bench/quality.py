"""Retrieval quality beside speed on hotpotqa100 (open retrieval over all documents): recall@5 and MRR@10 for
dense only, BM25 only, hybrid without and with the second hop, and the plain LangChain similarity search."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench.common import langchain_store, machine


def metrics(rankings: list[list[str]], golds: list[list[str]]) -> dict:
    recall, mrr = [], []
    for ranked, gold in zip(rankings, golds, strict=True):
        ranked = list(dict.fromkeys(ranked))
        recall.append(len(set(ranked[:5]) & set(gold)) / len(gold))
        first = next((i for i, d in enumerate(ranked[:10]) if d in gold), None)
        mrr.append(0.0 if first is None else 1 / (first + 1))
    return {"recall_at_5": round(sum(recall) / len(recall), 4), "mrr_at_10": round(sum(mrr) / len(mrr), 4)}


def run(
    dataset: Path, store: Path | None = None, dtype: str = "float32", langchain: bool = True, backend: str = "auto"
) -> dict:
    from rag import Assistant
    from rag.evaluation import load_questions

    work = Path(tempfile.mkdtemp(prefix="citewise-quality-"))
    assistant = Assistant.open(store=store or work / "store", embedding_dtype=dtype, embedding_backend=backend)
    assistant.ingest([dataset / "docs"])
    name_of = {doc_id: Path(path).name for path, doc_id in assistant.library.catalog.sources().items()}
    questions = [q for q in load_questions(dataset) if q.answerable]
    golds = [q.gold_docs for q in questions]
    retrieval, library = assistant.retrieval, assistant.library
    doc_of = lambda chunk_id: name_of[retrieval.chunk(chunk_id).doc_id]  # noqa: E731
    runs = {
        "dense_only": [
            [name_of[h.doc_id] for h in library.vectors.query(library.embeddings.embed_query(q.question), 40)]
            for q in questions
        ],
        "bm25_only": [[doc_of(h.chunk_id) for h in library.keyword.search(q.question, 40)] for q in questions],
        "hybrid_no_hop": [
            [name_of[p.doc_id] for p in retrieval.search(q.question, k=10, second_hop=False).passages]
            for q in questions
        ],
        "citewise_hybrid": [
            [name_of[p.doc_id] for p in retrieval.search(q.question, k=10).passages] for q in questions
        ],
    }
    if langchain:
        plain = langchain_store(dataset / "docs", library.embeddings.model_path, work / "langchain")
        runs["langchain_similarity_search"] = [
            [d.metadata["source"] for d in plain.similarity_search(q.question, k=10)] for q in questions
        ]
    return {
        "questions": len(questions),
        "dtype": library.embeddings.dtype,
        "backend": library.embeddings.backend,
        **{name: metrics(rankings, golds) for name, rankings in runs.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--backend", default="auto", help="Encoder backend (CITEWISE_EMBEDDING_BACKEND).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.dataset, args.store, args.dtype, backend=args.backend)
    result["machine"] = machine()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['questions']} questions, backend {result['backend']}, dtype {result['dtype']}")
    for name, values in result.items():
        if isinstance(values, dict) and "recall_at_5" in values:
            print(f"{name:<30} recall@5 {values['recall_at_5']:.3f}   MRR@10 {values['mrr_at_10']:.3f}")


if __name__ == "__main__":
    main()
