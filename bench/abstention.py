"""Fit the abstention model (rag/data/abstention.json) and report it leave-one-set-out.

Question sets, each answerable (label 1) or not (label 0):
- realtimeqa2022 (news): its 200 answerable and 50 unanswerable questions;
- hotpotqa100 (Wikipedia, multi-hop): its 100 questions, plus the unanswerable ones written for that corpus
  in bench/data/hotpot_unanswerable.jsonl;
- demo (the sample corpus): bench/data/demo_calibration.jsonl.
Leave-one-set-out: fit on one dev set, measure both error rates (abstaining on answerable, answering
unanswerable) on the other: the figure that predicts documents never seen. The shipped model is then fitted
on all sets. Fitting and cross-validation are scikit-learn's (`pipeline()`, `cross_val_predict` with
`LeaveOneGroupOut`); the shipped model is the fitted pipeline's numbers as JSON (`LogisticModel.from_pipeline`),
read at run time without scikit-learn. Re-run after changing a feature:

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
"""P(answerable) below which Citewise abstains (`answering.abstain_threshold`, chosen from the leave-one-set-out
sweep below): measured with the value the product uses."""
REGULARISATION = 1.0
"""Inverse L2 strength of the logistic regression (scikit-learn's C)."""


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def question_features(assistant, question: str, names: tuple[str, ...]) -> list[list[float]]:
    """The abstention model's features as `Assistant.ask` computes them: the pipeline's own read stage, with
    the settings resolved for the collection (one row per part of a multi-part question)."""
    from rag.stages import Turn

    readings = assistant.pipeline.readings(Turn(question=question))
    return [r.features.vector(names) for r in readings if r.features is not None]


def labelled(assistant, rows: list[tuple[str, int]], names: tuple[str, ...]) -> tuple[list[list[float]], list[int]]:
    """Feature rows and labels: a question with no sentence read gives none (it is abstained from whatever the
    model says), a multi-part question one per part (each part is decided alone)."""
    features, labels = [], []
    for question, label in rows:
        for vector in question_features(assistant, question, names):
            features.append(vector)
            labels.append(label)
    return features, labels


def collect(datasets: list[Path], work: Path, reader: bool) -> dict[str, tuple[list[list[float]], list[int]]]:
    from rag import Assistant
    from rag.answering.answerability import FEATURE_NAMES, READER_FEATURE_NAMES
    from rag.evaluation import load_questions

    names = READER_FEATURE_NAMES if reader else FEATURE_NAMES

    sets: dict[str, tuple[list[list[float]], list[int]]] = {}
    embeddings = None
    for dataset in datasets:
        assistant = Assistant.open(store=work / dataset.name, embeddings=embeddings, reader=reader)
        embeddings = assistant.embeddings
        assistant.ingest([dataset / "docs"])
        rows = [(q.question, int(q.answerable)) for q in load_questions(dataset)]
        extra = EXTRA_UNANSWERABLE.get(dataset.name)
        if extra:
            rows += [(r["question"], int(r["answerable"])) for r in read(extra)]
        sets[dataset.name] = labelled(assistant, rows, names)
    demo = Assistant.open(store=work / "demo", embeddings=embeddings, reader=reader)
    demo.ingest(sorted((REPO / "demo_corpus").glob("*.txt")))
    rows = read(DATA / "demo_calibration.jsonl")
    sets["demo"] = labelled(demo, [(r["question"], int(r["answerable"])) for r in rows], names)
    return sets


def pipeline():
    """Standardise, then logistic regression (classes balanced: far fewer unanswerable questions), as
    `LogisticModel.from_pipeline` turns it into the shipped JSON."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=1000))


SWEEP = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def rates(p: np.ndarray, y: np.ndarray, threshold: float | None = None) -> dict:
    """Both error rates at `threshold`, from P(answerable) `p` of questions labelled `y`."""
    threshold = THRESHOLD if threshold is None else threshold
    answerable, unanswerable = p[y == 1], p[y == 0]
    return {
        "false_abstention": round(float((answerable < threshold).mean()), 3) if len(answerable) else None,
        "answered_unanswerable": round(float((unanswerable >= threshold).mean()), 3) if len(unanswerable) else None,
        "answerable": int(len(answerable)),
        "unanswerable": int(len(unanswerable)),
    }


def main() -> None:
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict

    from rag.answering.answerability import FEATURE_NAMES, MODEL_FILE, READER_FEATURE_NAMES, READER_MODEL_FILE
    from rag.logistic import LogisticModel

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".work" / "devsets")
    parser.add_argument("--features", type=Path, default=REPO / "bench" / ".work" / "abstention-features.json")
    parser.add_argument("--reuse", action="store_true", help="Reuse the features of the last run.")
    parser.add_argument(
        "--reader",
        action="store_true",
        help=f"Fit the model that also weighs the shipped reader's best sentence ({READER_MODEL_FILE.name}).",
    )
    parser.add_argument("--write", action="store_true", help="Write the model fitted on all sets to rag/data/.")
    args = parser.parse_args()
    names, model_file = (READER_FEATURE_NAMES, READER_MODEL_FILE) if args.reader else (FEATURE_NAMES, MODEL_FILE)
    if args.reader:
        args.features = args.features.with_name("abstention-reader-features.json")
    if args.reuse and args.features.is_file():
        sets = json.loads(args.features.read_text())
    else:
        sets = collect(args.dataset, args.work, args.reader)
        args.features.parent.mkdir(parents=True, exist_ok=True)
        args.features.write_text(json.dumps(sets))
    arrays = {name: (np.array(x, dtype=float), np.array(y)) for name, (x, y) in sets.items()}
    x = np.vstack([a[0] for a in arrays.values()])
    y = np.concatenate([a[1] for a in arrays.values()])
    group = np.concatenate([[name] * len(a[1]) for name, a in arrays.items()])
    # Each set's P(answerable) from the model fitted on the other sets (demo's too, but it is never reported
    # held out: it is small and written for the sample corpus).
    unseen = cross_val_predict(pipeline(), x, y, groups=group, cv=LeaveOneGroupOut(), method="predict_proba")[:, 1]
    report: dict = {"threshold": THRESHOLD, "leave_one_set_out": {}, "in_sample": {}}
    for held_out in (name for name in arrays if name != "demo"):
        train = [n for n in arrays if n != held_out]
        key = f"fit on {'+'.join(train)} -> {held_out}"
        held = group == held_out
        report["leave_one_set_out"][key] = {str(t): rates(unseen[held], y[held], t) for t in SWEEP}
    fitted = pipeline().fit(x, y)
    p = fitted.predict_proba(x)[:, 1]
    for name in arrays:
        report["in_sample"][name] = rates(p[group == name], y[group == name])
    report["weights"] = dict(zip(names, np.round(fitted[-1].coef_[0], 3).tolist(), strict=True))
    print(json.dumps(report, indent=1))
    if args.write:
        shipped = LogisticModel.from_pipeline(fitted, names)
        description = "Fitted by bench/abstention.py on " + ", ".join(
            f"{n} ({len(a[1])} questions)" for n, a in arrays.items()
        )
        shipped.write(model_file, description=description, report=report)
        print(f"wrote {model_file}")


if __name__ == "__main__":
    main()
