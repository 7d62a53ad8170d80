"""Every quality figure of `citewise eval` on several dev sets side by side, for one set of settings or
several: the check that a default helps on data of different kinds and hurts none.

    python -m bench.devsets --dataset ../shared/eval/hotpotqa100 --dataset ../shared/eval/realtimeqa2022 \
        --variant document_weight=0 --variant document_weight=1

Each dataset is ingested once into bench/.work/devsets/NAME (reused while its files are unchanged); each
variant opens the same store with its settings overridden.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.common import REPO

METRICS = (
    "hit@5",
    "recall@5",
    "all_gold@5",
    "mrr@10",
    "answer_contained",
    "citation_precision",
    "citation_recall",
    "short_answer_f1",
    "short_answers",
    "false_abstention_rate",
    "abstention_accuracy",
    "yes_no_answered",
    "yes_no_wrong",
    "latency_p50_ms",
    "latency_p95_ms",
    "linked_share",
)


def parse_variant(text: str) -> dict:
    overrides = {}
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        try:  # numbers, true/false, lists; anything else (torch, openvino-int8) is a string
            overrides[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key.strip()] = value
    return overrides


# Settings that change what is stored: a variant setting any of them gets a store of its own, and one setting
# any of the encoder's an encoder of its own.
ENCODER_SETTINGS = ("embedding_model", "embedding_backend", "embedding_dtype")
INDEX_SETTINGS = (*ENCODER_SETTINGS, "chunk_tokens", "chunk_overlap_sentences")


def store_name(dataset: Path, overrides: dict) -> str:
    own = [f"{key}={overrides[key]}" for key in INDEX_SETTINGS if key in overrides]
    return dataset.name + ("@" + ",".join(own) if own else "")


def run(datasets: list[Path], variants: list[str], work: Path) -> dict:
    from rag import Assistant
    from rag.evaluation import evaluate

    results: dict = {}
    encoders: dict = {}  # one loaded encoder per backend and precision, shared by the variants that use it
    for dataset in datasets:
        for variant in variants:
            overrides = parse_variant(variant)
            encoder_key = tuple(overrides.get(key) for key in ENCODER_SETTINGS)
            assistant = Assistant.open(
                store=work / store_name(dataset, overrides), embeddings=encoders.get(encoder_key), **overrides
            )
            encoders[encoder_key] = assistant.embeddings
            result = evaluate(assistant, dataset, k=5)
            result["overall"]["linked_share"] = round(titled_links(assistant), 3)
            results.setdefault(variant or "defaults", {})[dataset.name] = result
    return results


def titled_links(assistant) -> float:
    """The share of documents naming another by title, on which the 'auto' profile decides."""
    from rag.retrieval.profile import linked_share

    retrieval = assistant.retrieval
    doc_ids = [r.doc_id for r in retrieval.records()]
    return linked_share(doc_ids, retrieval.titles(), lambda doc_id: retrieval.document(doc_id).text)


def table(results: dict) -> str:
    lines = []
    for variant, by_set in results.items():
        lines.append(f"## {variant}")
        names = list(by_set)
        lines.append("| metric | " + " | ".join(names) + " |")
        lines.append("|---|" + "---|" * len(names))
        lines.append("| profile | " + " | ".join(by_set[n]["profile"] for n in names) + " |")
        for metric in METRICS:
            values = [by_set[n]["overall"].get(metric) for n in names]
            if any(v is not None for v in values):
                lines.append(f"| {metric} | " + " | ".join("-" if v is None else f"{v:g}" for v in values) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--variant", action="append", default=None, help="KEY=VALUE[,KEY=VALUE] settings")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".work" / "devsets")
    parser.add_argument("--json", type=Path, default=None, help="Also write every per-question row here.")
    args = parser.parse_args()
    results = run(args.dataset, args.variant or [""], args.work)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
