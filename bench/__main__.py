"""`python -m bench`: every benchmark, results in bench/results/ (JSON each, plus a Markdown summary).

`python -m bench --quick --json` runs a reduced version of all of them (about 2 minutes here) and prints one
JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import shutil
import tempfile
from pathlib import Path

from bench import coldstart, encoders, ingest, pages, quality, scale
from bench.common import REPO, machine

RESULTS = REPO / "bench" / "results"
DEFAULT_DATASET = REPO.parent / "shared" / "eval" / "hotpotqa100"


def versions() -> dict:
    from importlib.metadata import version

    return {
        name: version(name)
        for name in (
            "torch",
            "sentence-transformers",
            "openvino",
            "nncf",
            "onnxruntime",
            "chromadb",
            "langchain-core",
            "bm25s",
            "gradio",
        )
    }


def quick(dataset: Path) -> dict:
    from bench.query import summary, timed
    from rag import Assistant
    from rag.evaluation import load_questions

    ingested = ingest.run(dataset, "float32", limit=150, repeats=1)
    backends = encoders.speeds(dataset, limit=100, repeats=1)["backends"]
    work = Path(tempfile.mkdtemp(prefix="citewise-quick-"))
    assistant = Assistant.open(store=work / "store")
    assistant.ingest([dataset / "docs"])
    questions = [q.question for q in load_questions(dataset)]
    assistant.warm_up()
    search = summary(timed(lambda q: assistant.search(q, k=5), questions))
    ask = summary(timed(assistant.ask, questions))
    query_encode = summary(timed(assistant.embeddings.embed_query, questions))
    recall = quality.run(dataset, store=work / "store", langchain=False)["citewise_hybrid"]["recall_at_5"]
    shutil.rmtree(work, ignore_errors=True)
    return {
        "encoder_backend": ingested["backend"],
        "chunks_per_s": {
            "raw_encoder_torch_fp32": round(ingested["raw_encoder"]["chunks_per_s"], 1),
            "citewise_ingest": round(ingested["citewise"]["chunks_per_s"], 1),
            "langchain": round(ingested["langchain"]["chunks_per_s"], 1),
            "backends": {name: row["chunks_per_s"] for name, row in backends.items()},
        },
        "tokens_per_document": {
            "citewise": ingested["tokens_per_document"],
            "langchain": ingested["langchain"]["tokens_per_document"],
        },
        "ingest_vs_encoder": round(ingested["ingest_vs_encoder"], 3),
        "ingest_vs_langchain": round(ingested["ingest_vs_langchain"], 3),
        "reingest_fraction": round(ingested["reingest_fraction"], 5),
        "query_encode_p50_ms": query_encode["p50_ms"],
        "query_encode_p95_ms": query_encode["p95_ms"],
        "search_p50_ms": search["p50_ms"],
        "search_p95_ms": search["p95_ms"],
        "ask_p50_ms": ask["p50_ms"],
        "ask_p95_ms": ask["p95_ms"],
        "recall_at_5": recall,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def full(dataset: Path) -> dict:
    from bench import query

    RESULTS.mkdir(parents=True, exist_ok=True)
    results = {
        "ingest": ingest.run(dataset, "float32", repeats=3),
        "encoders": {
            **encoders.speeds(dataset, limit=300, repeats=3),
            "token_costs": encoders.token_costs(dataset),
        },
        "query": query.run(dataset, None, rounds=2),
        "quality": quality.run(dataset),
        "quality_torch": quality.run(dataset, backend="torch", langchain=False),
        "coldstart": coldstart.run(runs=3),
        "pages": pages.run(20),
    }
    scaled = scale.run(dataset, [1000, 10000, 100000], ["embedded", "server"], 1, REPO / "bench" / ".work" / "scale")
    scaled["estimates"] = scale.extrapolate(scaled)
    scale.plot(scaled, RESULTS / "latency-vs-store-size.png")
    results["scale"] = scaled
    stamp = {"date": datetime.date.today().isoformat(), "machine": machine(), "versions": versions()}
    for stale in ("ingest_float32", "ingest_bfloat16", "quality_float32", "quality_bfloat16"):
        (RESULTS / f"{stale}.json").unlink(missing_ok=True)  # files of the runs before encoder backends
    for name, result in results.items():
        (RESULTS / f"{name}.json").write_text(json.dumps({**stamp, **result}, indent=2))
    (RESULTS / "README.md").write_text(summary_markdown(results, stamp))
    return results


def summary_markdown(results: dict, stamp: dict) -> str:
    m = stamp["machine"]
    lines = [
        f"# Benchmark results ({stamp['date']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, torch {m['torch']} "
        f"({m['torch_threads']} threads). Versions: "
        + ", ".join(f"{k} {v}" for k, v in stamp["versions"].items())
        + ".",
        "",
        "Made by `make bench`; each figure is measured side by side in one run.",
        "",
        "## Ingestion (hotpotqa100, 994 documents; median of 3 alternated runs)",
        "",
        "| citewise backend | raw encoder (torch fp32) chunks/s | citewise chunks/s | LangChain chunks/s | "
        "citewise/encoder | citewise/LangChain | tokens/doc citewise / LangChain | unchanged re-ingest |",
        "|---|---|---|---|---|---|---|---|",
    ]
    r = results["ingest"]
    lines.append(
        f"| {r['backend']} | {r['raw_encoder']['chunks_per_s']:.1f} | {r['citewise']['chunks_per_s']:.1f} | "
        f"{r['langchain']['chunks_per_s']:.1f} | {r['ingest_vs_encoder']:.2f}x | {r['ingest_vs_langchain']:.2f}x | "
        f"{r['tokens_per_document']} / {r['langchain']['tokens_per_document']} | "
        f"{100 * r['reingest_fraction']:.2f}% |"
    )
    lines += [
        "",
        encoders.report(
            {
                "speeds": [results["encoders"]],
                "token_costs": {results["encoders"]["dataset"]: results["encoders"]["token_costs"]},
            }
        ),
    ]
    q = results["query"]
    lines += ["", "## Query latency, warm (hotpotqa100 store)", "", "| what | p50 ms | p95 ms |", "|---|---|---|"]
    for name in ("citewise_search", "citewise_search_no_hop", "citewise_ask", "langchain_similarity_search"):
        lines.append(f"| {name} | {q[name]['p50_ms']} | {q[name]['p95_ms']} |")
    lines += [
        "",
        "## Retrieval quality beside speed (hotpotqa100, open retrieval)",
        "",
        "| ranking | recall@5 (auto backend) | MRR@10 (auto backend) | recall@5 (torch) | MRR@10 (torch) |",
        "|---|---|---|---|---|",
    ]
    ours, torch = results["quality"], results["quality_torch"]
    for name, values in ours.items():
        if isinstance(values, dict) and "recall_at_5" in values:
            other = torch.get(name, {})
            lines.append(
                f"| {name} | {values['recall_at_5']:.3f} | {values['mrr_at_10']:.3f} | "
                f"{other.get('recall_at_5', float('nan')):.3f} | {other.get('mrr_at_10', float('nan')):.3f} |"
            )
    c = results["coldstart"]
    lines += [
        "",
        "## Cold start (fresh process, median of 3)",
        "",
        f"`citewise docs` {c['docs_seconds']} s; `citewise ask` {c['ask_seconds']} s; a bare script importing "
        f"sentence-transformers, loading the model and encoding one query {c['bare_model_seconds']} s; ask "
        f"beyond bare {c['ask_beyond_bare_seconds']} s ({c.get('ask_vs_bare', '-')}x the bare script).",
        "",
        "## Scanned PDFs and page images (bench/pages.py: a 20-page PDF drawn and scanned at run time)",
        "",
        f"Text PDF {results['pages']['text_pdf']['pages_per_s']} pages/s; the scanned twin read by OCR "
        f"{results['pages']['scanned_pdf_ocr']['pages_per_s']} pages/s "
        f"({results['pages']['scanned_vs_text_time']}x the time); page image first render "
        f"{results['pages']['page_image']['render_first_time_ms']} ms, served warm p50 "
        f"{results['pages']['page_image']['served_warm_p50_ms']} ms.",
        "",
        "## Scale (chunk vectors reused from the real model for copies of real text; see bench/scale.py)",
        "",
        "| Chroma | chunks | search p50/p95 ms | ask p50/p95 ms | peak RSS MB (client) | server RSS MB | "
        "store MB | build s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["scale"]["rows"]:
        lines.append(
            f"| {r['mode']} | {r['chunks']:,} | {r['search_p50_ms']} / {r['search_p95_ms']} | "
            f"{r['ask_p50_ms']} / {r['ask_p95_ms']} | {r['peak_rss_mb']} | {r.get('server_peak_rss_mb', '-')} | "
            f"{r['store_mb']} | {r['build_seconds']} |"
        )
    lines += [
        "",
        "![latency against store size](latency-vs-store-size.png)",
        "",
        f"Linear estimates (embedded): {json.dumps(results['scale']['estimates'])}",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--quick", action="store_true", help="A reduced run of every benchmark (~2 minutes).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        result = quick(args.dataset)
        print(json.dumps(result, indent=None if args.json else 2))
        return
    results = full(args.dataset)
    print((RESULTS / "README.md").read_text() if not args.json else json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
