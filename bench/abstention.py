"""Calibrate the abstention threshold on answerable and unanswerable questions, for two corpora.

Answerable: the demo corpus questions in bench/data/demo_calibration.jsonl and the hotpotqa100 questions;
unanswerable: questions about things absent from each corpus (bench/data/*.jsonl). Prints both error rates
(abstaining on answerable, answering unanswerable) for a sweep of thresholds and for the configured one.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench import common  # noqa: F401  (offline environment)

DATA = Path(__file__).parent / "data"


def scores(assistant, questions: list[str]) -> list[float]:
    return [assistant.ask(q).answerability for q in questions]


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    from rag import Assistant
    from rag.evaluation import load_questions

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--store", type=Path, default=None, help="Reuse a hotpotqa100 store (default: temporary).")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="citewise-abstain-"))
    demo = Assistant.open(store=work / "demo")
    demo.ingest(sorted((Path(__file__).resolve().parents[1] / "demo_corpus").glob("*.txt")))
    hotpot = Assistant.open(store=args.store or work / "hotpot", embeddings=demo.embeddings)
    hotpot.ingest([args.dataset / "docs"])
    demo_rows = read(DATA / "demo_calibration.jsonl")
    sets = {
        "demo answerable": scores(demo, [r["question"] for r in demo_rows if r["answerable"]]),
        "demo unanswerable": scores(demo, [r["question"] for r in demo_rows if not r["answerable"]]),
        "hotpot answerable": scores(hotpot, [q.question for q in load_questions(args.dataset)]),
        "hotpot unanswerable": scores(hotpot, [r["question"] for r in read(DATA / "hotpot_unanswerable.jsonl")]),
    }
    configured = demo.settings.abstain_threshold
    print(f"{'threshold':>9} {'abstain on answerable':>22} {'answer unanswerable':>20}")
    answerable = sets["demo answerable"] + sets["hotpot answerable"]
    unanswerable = sets["demo unanswerable"] + sets["hotpot unanswerable"]
    for threshold in sorted({round(0.05 * i, 2) for i in range(2, 14)} | {configured}):
        false_abstain = sum(s < threshold for s in answerable) / len(answerable)
        false_answer = sum(s >= threshold for s in unanswerable) / len(unanswerable)
        mark = "  <- configured" if threshold == configured else ""
        print(f"{threshold:>9.2f} {false_abstain:>22.1%} {false_answer:>20.1%}{mark}")
    for name, values in sets.items():
        wrong = sum((s < configured) if "unanswerable" not in name else (s >= configured) for s in values)
        print(f"{name}: {len(values)} questions, {wrong} wrong at threshold {configured}")


if __name__ == "__main__":
    main()
