"""Fit the abstention model (rag/data/abstention.json) and report it leave-one-set-out.

Question sets, each answerable (label 1) or not (label 0):
- realtimeqa2022 (news): its 200 answerable and 50 unanswerable questions;
- hotpotqa100 (Wikipedia, multi-hop): its 100 questions, plus the unanswerable ones written for that corpus
  in bench/data/hotpot_unanswerable.jsonl;
- demo (the sample corpus): bench/data/demo_calibration.jsonl.
Leave-one-set-out: fit on one dev set, measure both error rates (abstaining on answerable, answering
unanswerable) on the other: the figure that predicts documents never seen. The shipped model is then fitted
on all sets. Re-run after changing a feature:

    python -m bench.abstention --dataset ../shared/eval/realtimeqa2022 --dataset ../shared/eval/hotpotqa100
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.common import REPO
from rag.settings import AnsweringSettings

DATA = Path(__file__).parent / "data"
EXTRA_UNANSWERABLE = {"hotpotqa100": DATA / "hotpot_unanswerable.jsonl"}
THRESHOLD = AnsweringSettings().abstain_threshold
"""P(answerable) below which Citewise abstains (the setting's default, `answering.abstain_threshold`), chosen from
the leave-one-set-out sweep below."""
REGULARISATION = 1.0
"""Inverse L2 strength of the logistic regression (scikit-learn's C)."""


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def question_features(assistant, question: str) -> list[float]:
    from rag.answering.chain import Turn
    from rag.answering.reading import score_sentences

    chain = assistant.chain
    turn = chain.prepare.invoke(Turn(question=question, k=assistant.settings.retrieval.top_k))
    passages = turn.run.passages[: assistant.settings.retrieval.top_k]
    scored = score_sentences(question, passages, chain.document_text, "", assistant.settings.answering)
    return chain.evidence(turn, scored).vector()


def collect(datasets: list[Path], work: Path) -> dict[str, tuple[list[list[float]], list[int]]]:
    from rag import Assistant
    from rag.evaluation import load_questions

    sets: dict[str, tuple[list[list[float]], list[int]]] = {}
    embeddings = None
    for dataset in datasets:
        assistant = Assistant.open(store=work / dataset.name, embeddings=embeddings)
        embeddings = assistant.embeddings
        assistant.ingest([dataset / "docs"])
        rows = [(q.question, int(q.answerable)) for q in load_questions(dataset)]
        extra = EXTRA_UNANSWERABLE.get(dataset.name)
        if extra:
            rows += [(r["question"], int(r["answerable"])) for r in read(extra)]
        sets[dataset.name] = ([question_features(assistant, q) for q, _ in rows], [label for _, label in rows])
    demo = Assistant.open(store=work / "demo", embeddings=embeddings)
    demo.ingest(sorted((REPO / "demo_corpus").glob("*.txt")))
    rows = read(DATA / "demo_calibration.jsonl")
    sets["demo"] = ([question_features(demo, r["question"]) for r in rows], [int(r["answerable"]) for r in rows])
    return sets


def fit(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=1000)
    model.fit((x - mean) / scale, y)
    return model, mean, scale


SWEEP = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def rates(model, mean, scale, x: np.ndarray, y: np.ndarray, threshold: float | None = None) -> dict:
    threshold = THRESHOLD if threshold is None else threshold
    p = model.predict_proba((x - mean) / scale)[:, 1]
    answerable, unanswerable = p[y == 1], p[y == 0]
    return {
        "false_abstention": round(float((answerable < threshold).mean()), 3) if len(answerable) else None,
        "answered_unanswerable": round(float((unanswerable >= threshold).mean()), 3) if len(unanswerable) else None,
        "answerable": int(len(answerable)),
        "unanswerable": int(len(unanswerable)),
    }


def main() -> None:
    from rag.answering.answerability import FEATURE_NAMES, MODEL_FILE
    from rag.logistic import LogisticModel

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".work" / "devsets")
    parser.add_argument("--features", type=Path, default=REPO / "bench" / ".work" / "abstention-features.json")
    parser.add_argument("--reuse", action="store_true", help="Reuse the features of the last run.")
    parser.add_argument("--write", action="store_true", help=f"Write the model fitted on all sets to {MODEL_FILE}.")
    args = parser.parse_args()
    if args.reuse and args.features.is_file():
        sets = json.loads(args.features.read_text())
    else:
        sets = collect(args.dataset, args.work)
        args.features.parent.mkdir(parents=True, exist_ok=True)
        args.features.write_text(json.dumps(sets))
    arrays = {name: (np.array(x, dtype=float), np.array(y)) for name, (x, y) in sets.items()}
    dev = [name for name in arrays if name != "demo"]
    report: dict = {"threshold": THRESHOLD, "leave_one_set_out": {}, "in_sample": {}}
    for held_out in dev:
        train = [n for n in arrays if n != held_out]
        x = np.vstack([arrays[n][0] for n in train])
        y = np.concatenate([arrays[n][1] for n in train])
        model, mean, scale = fit(x, y)
        key = f"fit on {'+'.join(train)} -> {held_out}"
        report["leave_one_set_out"][key] = {str(t): rates(model, mean, scale, *arrays[held_out], t) for t in SWEEP}
    x = np.vstack([a[0] for a in arrays.values()])
    y = np.concatenate([a[1] for a in arrays.values()])
    model, mean, scale = fit(x, y)
    for name, (xs, ys) in arrays.items():
        report["in_sample"][name] = rates(model, mean, scale, xs, ys)
    report["weights"] = dict(zip(FEATURE_NAMES, np.round(model.coef_[0], 3).tolist(), strict=True))
    print(json.dumps(report, indent=1))
    if args.write:
        shipped = LogisticModel.from_fit(model, mean, scale, FEATURE_NAMES)
        description = "Fitted by bench/abstention.py on " + ", ".join(
            f"{n} ({len(a[1])} questions)" for n, a in arrays.items()
        )
        shipped.write(MODEL_FILE, description=description, report=report)
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
