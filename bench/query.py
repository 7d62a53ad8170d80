"""Query latency, warm, in one process: citewise `search` and `ask` beside plain LangChain
`Chroma.similarity_search` (same model, same documents), on hotpotqa100's 994 documents."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.common import langchain_store, machine, percentile


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        out.append(1000 * (time.perf_counter() - started))
    return out


def summary(values: list[float]) -> dict:
    return {"p50_ms": round(percentile(values, 50), 2), "p95_ms": round(percentile(values, 95), 2)}


def run(dataset: Path, store: Path | None, rounds: int) -> dict:
    from rag import Assistant
    from rag.evaluation import load_questions

    work = Path(tempfile.mkdtemp(prefix="citewise-query-"))
    assistant = Assistant.open(store=store or work / "store")
    assistant.ingest([dataset / "docs"])
    questions = [q.question for q in load_questions(dataset)] * rounds
    plain = langchain_store(dataset / "docs", assistant.embeddings.model_path, work / "langchain")
    for q in questions[:5]:  # warm both
        assistant.ask(q)
        plain.similarity_search(q, k=5)
    result = {
        "questions": len(questions),
        "chunks": assistant.library.vectors.count(),
        "citewise_search": summary(timed(lambda q: assistant.search(q, k=5), questions)),
        "citewise_search_no_hop": summary(
            timed(lambda q: assistant.retrieval.search(q, k=5, second_hop=False), questions)
        ),
        "citewise_ask": summary(timed(assistant.ask, questions)),
        "langchain_similarity_search": summary(timed(lambda q: plain.similarity_search(q, k=5), questions)),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--store", type=Path, default=None, help="Reuse a citewise store of the dataset.")
    parser.add_argument("--rounds", type=int, default=2, help="Times each question is asked.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.dataset, args.store, args.rounds)
    result["machine"] = machine()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['questions']} queries over {result['chunks']} chunks, warm, one process "
        f"({result['machine']['cpu']}, {result['machine']['cores']} cores)"
    )
    for name in ("citewise_search", "citewise_search_no_hop", "citewise_ask", "langchain_similarity_search"):
        print(f"{name:<30} p50 {result[name]['p50_ms']:>7.1f} ms   p95 {result[name]['p95_ms']:>7.1f} ms")


if __name__ == "__main__":
    main()
