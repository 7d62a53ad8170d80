"""The reader (a cross-encoder trained here, docs/models.md) measured: its two weights fitted on data and
reported leave-one-set-out, then each use on and off on every dev set in one run, with latency.

    python -m bench.reader --dataset ../shared/eval/realtimeqa2022 --dataset ../shared/eval/hotpotqa100 [--write]

1. Fitting. For every answerable question the pipeline's own read stage, run with both reader weights at 0,
   gives each read sentence's word-feature score and the reader's P(answers), and each retrieved passage's best
   P. Two logistic regressions (scikit-learn): "the sentence holds a gold answer" on (score, P), and "the passage
   is from a gold document" on (rank weight, best P); each weight is the ratio of the two coefficients (what P
   is worth in units of the other). Each is fitted on one set and measured on another: the answer held in the top
   two sentences, recall@5 and MRR@10 of the reranked passages. `--write` stores the weights fitted on all sets
   in rag/data/reading.json with that report.
2. Side by side (`bench.devsets`' evaluation; each set's weights are those fitted on the other sets): reader
   off; answer sentences only; sentences and answerability; all three and reranking.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.common import REPO

WORK = REPO / "bench" / ".work" / "devsets"
RETRIEVED = 10
"""Passages retrieved per question, as `citewise eval` retrieves (MRR@10)."""


def collect(dataset: Path, work: Path, embeddings=None):
    """Sentence rows (score, P, holds an answer; grouped per question part) and passage rows (rank weight, best
    P, gold document) of one dev set, from the read stage with the reader's weights at 0."""
    from rag import Assistant
    from rag.evaluation import contains_answer, load_questions
    from rag.reading.judging import best_readings, rank_weight
    from rag.stages import Turn

    assistant = Assistant.open(
        store=work / dataset.name,
        embeddings=embeddings,
        reader=True,
        reader_sentence_weight=0.0,
        reader_passage_weight=0.0,
        rerank=True,
    )
    assistant.ingest([dataset / "docs"])
    name_of = {doc_id: Path(path).name for path, doc_id in assistant.library.catalog.sources().items()}
    sentences, passages = [], []
    for q in (q for q in load_questions(dataset) if q.answerable):
        gold = set(q.gold_docs)
        for reading in assistant.pipeline.readings(Turn(question=q.question, k=RETRIEVED, answer_k=RETRIEVED)):
            best = best_readings(len(reading.passages), reading.sentences)
            rows = []
            for s in reading.sentences:
                if s.reading is None:
                    continue
                held = any(contains_answer(s.text, a) for a in q.answers)
                rows.append((s.score, s.reading, int(held), s.passage, s.text))
            sentences.append({"answers": q.answers, "rows": rows})
            passages.append(
                {
                    "gold": sorted(gold),
                    "rows": [
                        (rank_weight(rank), best[rank], name_of.get(p.doc_id, p.doc_id))
                        for rank, p in enumerate(reading.passages)
                    ],
                }
            )
            break  # the first part: the one every question has
    return {"sentences": sentences, "passages": passages}, assistant.embeddings


def ratio(x: np.ndarray, y: np.ndarray) -> float:
    """P's coefficient over the other feature's, from a logistic regression of y on the two columns of x."""
    from sklearn.linear_model import LogisticRegression

    if len(set(y.tolist())) < 2:
        return 0.0
    coefficients = LogisticRegression(C=1.0, max_iter=1000).fit(x, y).coef_[0]
    return max(0.0, float(coefficients[1] / coefficients[0])) if coefficients[0] > 0 else 0.0


def fit_sentence(groups: list[dict]) -> float:
    rows = [r for g in groups for r in g["rows"]]
    return ratio(np.array([(r[0], r[1]) for r in rows]), np.array([r[2] for r in rows]))


def fit_passage(groups: list[dict]) -> float:
    rows = [(r[0], r[1], int(r[2] in g["gold"])) for g in groups for r in g["rows"]]
    return ratio(np.array([(r[0], r[1]) for r in rows]), np.array([r[2] for r in rows]))


def sentence_quality(groups: list[dict], weight: float, top: int = 2) -> float:
    """Share of question parts whose `top` best sentences of the first five passages hold a gold answer."""
    from rag.evaluation import contains_answer
    from rag.reading.judging import weighed

    held = 0
    for g in groups:
        rows = sorted((r for r in g["rows"] if r[3] < 5), key=lambda r: -weighed(r[0], r[1], weight))[:top]
        held += any(contains_answer(" ".join(r[4] for r in rows), a) for a in g["answers"])
    return round(held / max(1, len(groups)), 4)


def passage_quality(groups: list[dict], weight: float) -> dict:
    from rag.reading.judging import weighed

    recall, reciprocal = [], []
    for g in groups:
        order = sorted(g["rows"], key=lambda r: -weighed(r[0], r[1], weight))
        documents = list(dict.fromkeys(r[2] for r in order))
        gold = set(g["gold"])
        recall.append(len(gold & set(documents[:5])) / len(gold))
        first = next((i for i, d in enumerate(documents[:RETRIEVED]) if d in gold), None)
        reciprocal.append(0.0 if first is None else 1 / (first + 1))
    return {"recall@5": round(float(np.mean(recall)), 4), "mrr@10": round(float(np.mean(reciprocal)), 4)}


def leave_one_set_out(collected: dict[str, dict]) -> dict:
    report = {}
    for held_out, data in collected.items():
        others = [c for name, c in collected.items() if name != held_out]
        sentence = fit_sentence([g for c in others for g in c["sentences"]])
        passage = fit_passage([g for c in others for g in c["passages"]])
        report[held_out] = {
            "fitted_on": [name for name in collected if name != held_out],
            "sentence_weight": round(sentence, 4),
            "passage_weight": round(passage, 4),
            "answer_in_top2_sentences": {
                "word features": sentence_quality(data["sentences"], 0.0),
                "with the reader": sentence_quality(data["sentences"], sentence),
            },
            "passages": {
                "retrieval order": passage_quality(data["passages"], 0.0),
                "reranked": passage_quality(data["passages"], passage),
            },
        }
    return report


def variants(fitted: dict) -> list[tuple[str, str]]:
    """(name, settings) of the side-by-side run, with the held-out weights of one set."""
    sentence, passage = fitted["sentence_weight"], fitted["passage_weight"]
    return [
        ("reader off", "reader=false"),
        ("answer sentences", f"reader=true,reader_answerability=false,reader_sentence_weight={sentence}"),
        ("+ answerability", f"reader=true,reader_sentence_weight={sentence}"),
        ("+ reranking", f"reader=true,reader_sentence_weight={sentence},rerank=true,reader_passage_weight={passage}"),
    ]


def main() -> None:
    from bench.devsets import METRICS, run

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--write", action="store_true", help="Write the weights fitted on all sets.")
    parser.add_argument("--fit-only", action="store_true", help="Fit and report; skip the side-by-side run.")
    args = parser.parse_args()
    collected, embeddings = {}, None
    for dataset in args.dataset:
        collected[dataset.name], embeddings = collect(dataset, args.work, embeddings)
    report = leave_one_set_out(collected)
    print(json.dumps(report, indent=1))
    if args.write:
        from rag.reading.judging import WEIGHTS_FILE

        everything = list(collected.values())
        weights = {
            "sentence": round(fit_sentence([g for c in everything for g in c["sentences"]]), 4),
            "passage": round(fit_passage([g for c in everything for g in c["passages"]]), 4),
            "description": "Fitted by bench/reader.py on " + ", ".join(collected) + " (answerable questions)",
            "leave_one_set_out": report,
        }
        WEIGHTS_FILE.write_text(json.dumps(weights, indent=1) + "\n")
        print(f"wrote {WEIGHTS_FILE}: sentence {weights['sentence']}, passage {weights['passage']}")
    if args.fit_only:
        return
    lines = []
    for dataset in args.dataset:
        named = variants(report[dataset.name])
        results = run([dataset], [settings for _, settings in named], args.work)
        lines.append(f"## {dataset.name} (weights fitted on {', '.join(report[dataset.name]['fitted_on'])})")
        lines.append("| metric | " + " | ".join(name for name, _ in named) + " |")
        lines.append("|---|" + "---|" * len(named))
        for metric in METRICS:
            values = [results[settings][dataset.name]["overall"].get(metric) for _, settings in named]
            if any(v is not None for v in values):
                lines.append(f"| {metric} | " + " | ".join("-" if v is None else f"{v:g}" for v in values) + " |")
        lines.append("")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
