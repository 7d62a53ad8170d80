"""Fit the support checker (rag/data/support.json) on human judgements and report it beside the rule-based
`rag.verify`, cross-validated: stratified 5-fold, and leave-one-source-out (fit on three sources of
attribution-dev, measure on the fourth), with macro-F1 and the share of claims called supported.

    python -m bench.support --dataset ../shared/eval/attribution-dev --news ../shared/eval/realtimeqa2022 [--write]

The features (from the bundled model) are computed once and cached in bench/.work/support-features.npz.
Fitting and cross-validation are scikit-learn's (`pipeline()`, `cross_val_predict`); the shipped model is the
fitted pipeline's numbers as JSON (`LogisticModel.from_pipeline`), read at run time without scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

from bench.common import REPO

DATA = Path(__file__).parent / "data"

REGULARISATION = 1.0
"""Inverse L2 strength of the logistic regression (scikit-learn's C)."""
MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


def read_pairs(dataset: Path) -> list[dict]:
    rows = [json.loads(line) for line in (dataset / "pairs.jsonl").read_text().splitlines() if line.strip()]
    for row in rows:
        row["claim"] = MARKERS.sub("", row["claim"]).strip()
        row["cited"] = "\n\n".join(row["references"])
    return rows


def collect(rows: list[dict], cache: Path) -> np.ndarray:
    """The features of every pair with the bundled encoder, cached in `cache` until the pairs or the code that
    makes the features change."""
    import hashlib

    from index.embedding import LocalEmbeddings
    from rag.checking import support
    from rag.checking.support import support_features

    pairs = json.dumps([[r["claim"], r["cited"]] for r in rows])
    sources = [Path(support.__file__), *sorted((REPO / "rag" / "text").glob("*.py"))]
    code = "".join(path.read_text() for path in sources)
    encoder = LocalEmbeddings(dtype="float32", batch_size=32)  # the backend users get (auto)
    key = hashlib.sha256((pairs + code + encoder.backend).encode()).hexdigest()
    if cache.is_file():
        stored = np.load(cache, allow_pickle=False)
        if str(stored["key"]) == key:
            return stored["x"]
    x = np.array([support_features(r["claim"], r["cited"], encoder.encode_tokens).vector() for r in rows])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, key=np.array(key), x=x)
    return x


def written_pairs(news: Path | None, seed: int = 0) -> list[dict]:
    """bench/data/support_pairs.jsonl (written from the sample corpus: paraphrases, changed numbers, swapped
    names, negations, partial claims), plus pairs made at run time from realtimeqa2022's evidence sentences
    (never stored): the sentence against its article paragraph (supported), and with a number or a name
    changed (not supported)."""
    import random

    from bench.verify import change_name, change_number

    rows = [json.loads(line) for line in (DATA / "support_pairs.jsonl").read_text().splitlines() if line.strip()]
    if news is None or not (news / "questions.jsonl").is_file():
        return rows
    rng = random.Random(seed)
    evidence = [
        e["text"]
        for line in (news / "questions.jsonl").read_text().splitlines()
        for e in json.loads(line)["evidence"]
        if e.get("text") and len(e["text"].split()) >= 8
    ]
    pool = sorted({w for text in evidence for w in re.findall(r"\b[A-Z][a-z]{3,}\b", text)})
    for text in evidence:
        rows.append({"kind": "news: the evidence sentence", "claim": text, "cited": text, "label": True})
        for kind, changed in (
            ("news: changed number", change_number(text, rng)),
            ("news: swapped name", change_name(text, pool, rng)),
        ):
            if changed and changed != text:
                rows.append({"kind": kind, "claim": changed, "cited": text, "label": False})
    return rows


def judge_written(rows: list[dict]) -> dict:
    """Share right per kind of pair, for the shipped checker (real encoder) and the old rules."""
    from bench.verify import RULES_THRESHOLD
    from bench.word_overlap import verify
    from index.embedding import LocalEmbeddings
    from rag.checking.support import SupportChecker
    from rag.settings import CheckSettings

    checker = SupportChecker(LocalEmbeddings(dtype="float32").encode_tokens, CheckSettings().support_threshold)
    right: dict[str, list[tuple[bool, bool]]] = {}
    for row in rows:
        by_checker = checker.check(row["claim"], row["cited"]).supported == row["label"]
        by_rules = verify(row["claim"], row["cited"], RULES_THRESHOLD).supported == row["label"]
        right.setdefault(row["kind"], []).append((by_checker, by_rules))
    return {
        kind: {
            "pairs": len(r),
            "checker": round(sum(a for a, _ in r) / len(r), 3),
            "rules": round(sum(b for _, b in r) / len(r), 3),
        }
        for kind, r in sorted(right.items())
    }


def checker_cross_validated(rows: list[dict], x: np.ndarray, y: np.ndarray, folds) -> np.ndarray:
    """Each pair's verdict (1 supported) by the shipped `SupportChecker` itself, its model fitted on the other
    folds: the product's marker stripping, no-model verdicts (an empty claim, a quoted one), hard checks and
    `checks.support_threshold`, so the reported figure is the checker users get, not a copy of its rules."""
    from index.embedding import LocalEmbeddings
    from rag.checking.support import FEATURE_NAMES, SupportChecker
    from rag.logistic import LogisticModel
    from rag.settings import CheckSettings

    encode = LocalEmbeddings(dtype="float32", batch_size=32).encode_tokens
    called = np.zeros(len(rows), dtype=int)
    for train, test in folds.split(x, y):
        model = LogisticModel.from_pipeline(pipeline().fit(x[train], y[train]), FEATURE_NAMES)
        checker = SupportChecker(encode, CheckSettings().support_threshold, model)
        verdicts = checker.check_each([(rows[i]["claim"], rows[i]["cited"]) for i in test])
        called[test] = [int(v.supported) for v in verdicts]
    return called


def pipeline():
    """Standardise, then logistic regression: what `LogisticModel.from_pipeline` turns into the shipped JSON."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=REGULARISATION, max_iter=1000))


def scores(y: np.ndarray, called: np.ndarray) -> dict:
    from sklearn.metrics import f1_score

    return {
        "macro_f1": round(float(f1_score(y, called, average="macro")), 3),
        "called_supported": round(float(called.mean()), 3),
        "pairs": int(len(y)),
    }


DEFAULT_CACHE = REPO / "bench" / ".work" / "support-features.npz"


def human_report(dataset: Path, news: Path | None = None, cache: Path = DEFAULT_CACHE):
    """The rules, the model and the checker on attribution-dev (5-fold and leave-one-source-out), and the
    shipped checker on the written and made pairs; with the model fitted on every pair (for --write)."""
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold, cross_val_predict

    from bench.verify import RULES_THRESHOLD
    from bench.word_overlap import verify
    from rag.checking.support import FEATURE_NAMES

    rows = read_pairs(dataset)
    y = np.array([int(r["label"]) for r in rows])
    sources = np.array([r["source"] for r in rows])
    x = collect(rows, cache)
    report: dict = {
        "rules (rag.verify)": {},
        "model, 5-fold": {},
        "checker (model + hard checks), 5-fold": {},
        "model, leave one source out": {},
    }
    rules = np.array([int(verify(r["claim"], r["cited"], RULES_THRESHOLD).supported) for r in rows])
    report["rules (rag.verify)"]["all"] = scores(y, rules)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    called = cross_val_predict(pipeline(), x, y, cv=folds)
    # Each source predicted by the model fitted on the other three.
    unseen = cross_val_predict(pipeline(), x, y, groups=sources, cv=LeaveOneGroupOut())
    report["model, 5-fold"]["all"] = scores(y, called)
    checked = checker_cross_validated(rows, x, y, folds)
    report["checker (model + hard checks), 5-fold"]["all"] = scores(y, checked)
    report["true supported share"] = round(float(y.mean()), 3)
    for source in sorted(set(sources)):
        held = sources == source
        report["rules (rag.verify)"][source] = scores(y[held], rules[held])
        report["model, 5-fold"][source] = scores(y[held], called[held])
        report["checker (model + hard checks), 5-fold"][source] = scores(y[held], checked[held])
        report["model, leave one source out"][source] = scores(y[held], unseen[held])
    fitted = pipeline().fit(x, y)
    report["written and made pairs"] = judge_written(written_pairs(news))
    report["weights"] = dict(zip(FEATURE_NAMES, np.round(fitted[-1].coef_[0], 3).tolist(), strict=True))
    return report, fitted


def main() -> None:
    from rag.checking.support import FEATURE_NAMES, MODEL_FILE
    from rag.logistic import LogisticModel

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--news", type=Path, default=None, help="realtimeqa2022, for pairs made from its evidence.")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--write", action="store_true", help=f"Write the model fitted on all pairs to {MODEL_FILE}.")
    args = parser.parse_args()
    report, fitted = human_report(args.dataset, args.news, args.cache)
    print(json.dumps(report, indent=1))
    if args.write:
        shipped = LogisticModel.from_pipeline(fitted, FEATURE_NAMES)
        pairs = sum(r["pairs"] for k, r in report["rules (rag.verify)"].items() if k != "all")
        shipped.write(
            MODEL_FILE, description=f"Fitted by bench/support.py on attribution-dev ({pairs} pairs)", report=report
        )
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
