"""`citewise eval`: retrieval, answer, citation and abstention metrics on a dataset (DESIGN.md layout)."""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from index.errors import CitewiseError
from rag.text import normalize_answer

UNANSWERABLE = "insufficient information."
MRR_DEPTH = 10


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: list[str]
    gold_docs: list[str]
    type: str
    subtype: str | None

    @property
    def answerable(self) -> bool:
        return bool(self.gold_docs) and not (len(self.answers) == 1 and self.answers[0].strip().lower() == UNANSWERABLE)


def load_questions(dataset: Path) -> list[Question]:
    path = Path(dataset) / "questions.jsonl"
    if not path.is_file() or not (Path(dataset) / "docs").is_dir():
        raise CitewiseError(f"{dataset} is not an evaluation dataset: it needs docs/ and questions.jsonl")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            gold = list(dict.fromkeys(e["doc"] for e in row.get("evidence", [])))
            questions.append(
                Question(
                    str(row["id"]),
                    row["question"],
                    list(row.get("answers", [])),
                    gold,
                    row.get("type", "all"),
                    row.get("subtype"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CitewiseError(f"{path}:{number}: not a valid question row ({exc})") from None
    return questions


def eval_store(base: Path, dataset: Path) -> Path:
    """A store of the dataset's own beside the user's store, reused while the dataset is unchanged."""
    key = hashlib.sha256(str(Path(dataset).resolve()).encode()).hexdigest()[:10]
    return Path(base).expanduser() / "eval" / f"{Path(dataset).resolve().name}-{key}"


def contains_answer(answer: str, gold: str) -> bool:
    """The normalised gold answer appears in the normalised answer as a whole-word sequence."""
    gold_tokens = normalize_answer(gold).split()
    tokens = normalize_answer(answer).split()
    if not gold_tokens:
        return False
    n = len(gold_tokens)
    return any(tokens[i : i + n] == gold_tokens for i in range(len(tokens) - n + 1))


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 between a short answer and a gold answer."""
    predicted, wanted = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = sum(min(predicted.count(t), wanted.count(t)) for t in set(predicted))
    if not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def score_question(q: Question, answer, name_of: dict[str, str], k: int) -> dict:
    ranked = list(dict.fromkeys(name_of.get(p.doc_id, p.doc_id) for p in answer.passages))
    gold = set(q.gold_docs)
    row: dict = {
        "id": q.id,
        "type": q.type,
        "subtype": q.subtype,
        "answerable": q.answerable,
        "abstained": answer.abstained,
        "latency_ms": answer.timings_ms.get("total", 0.0),
    }
    if q.answerable:
        top = ranked[:k]
        first = next((i for i, d in enumerate(ranked[:MRR_DEPTH]) if d in gold), None)
        row.update(
            {
                f"hit@{k}": float(any(d in gold for d in top)),
                f"recall@{k}": len(gold & set(top)) / len(gold),
                f"all_gold@{k}": float(gold <= set(top)),
                f"mrr@{MRR_DEPTH}": 0.0 if first is None else 1.0 / (first + 1),
                "answer_contained": float(
                    not answer.abstained and any(contains_answer(answer.answer, a) for a in q.answers)
                ),
            }
        )
        if {normalize_answer(a) for a in q.answers} <= {"yes", "no"}:
            row["yes_no_answered"] = float(answer.verdict is not None)
            row["yes_no_wrong"] = float(
                answer.verdict is not None and normalize_answer(answer.verdict) not in map(normalize_answer, q.answers)
            )
        if answer.short_answer is not None:
            row["short_answer_f1"] = max(token_f1(answer.short_answer.text, a) for a in q.answers)
        cited = {name_of.get(c.doc_id, c.doc_id) for c in answer.citations}
        if cited:
            row["citation_precision"] = len(cited & gold) / len(cited)
        row["citation_recall"] = len(cited & gold) / len(gold)
    return row


def summarise(rows: list[dict]) -> dict:
    summary: dict = {"questions": len(rows)}
    metric_names = sorted(
        {m for r in rows for m in r if "@" in m or m.startswith(("answer_", "citation_", "short_answer", "yes_no"))}
    )
    for metric in metric_names:
        values = [r[metric] for r in rows if metric in r]
        summary[metric] = round(statistics.fmean(values), 4) if values else None
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    if unanswerable:
        summary["abstention_accuracy"] = round(statistics.fmean(r["abstained"] for r in unanswerable), 4)
    if answerable:
        summary["short_answers"] = round(sum("short_answer_f1" in r for r in answerable) / len(answerable), 4)
        summary["false_abstention_rate"] = round(statistics.fmean(r["abstained"] for r in answerable), 4)
    latencies = sorted(r["latency_ms"] for r in rows)
    if latencies:
        summary["latency_p50_ms"] = round(latencies[len(latencies) // 2], 1)
        summary["latency_p95_ms"] = round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1)
    return summary


def evaluate(assistant, dataset: Path, k: int = 5, progress=None) -> dict:
    """Ingest the dataset's documents into the assistant's store, ask every question, return the metrics."""
    dataset = Path(dataset)
    questions = load_questions(dataset)
    started = time.perf_counter()
    report = assistant.ingest([dataset / "docs"], sync=True)
    ingest_seconds = time.perf_counter() - started
    name_of = {doc_id: Path(path).name for path, doc_id in assistant.library.catalog.sources().items()}
    if questions:  # load the model and open the store before timing, so latencies are warm
        assistant.warm_up()
        assistant.ask(questions[0].question)
    rows = []
    for number, q in enumerate(questions, start=1):
        answer = assistant.ask(q.question, retrieve_k=max(k, MRR_DEPTH))
        rows.append(score_question(q, answer, name_of, k))
        if progress:
            progress(number, len(questions))
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[f"type={row['type']}"].append(row)
        if row["subtype"]:
            groups[f"subtype={row['subtype']}"].append(row)
    return {
        "dataset": str(dataset),
        "k": k,
        "documents": len(assistant.documents()),
        "profile": assistant.profile,
        "ingest": {
            "added": len(report.added),
            "unchanged": len(report.unchanged),
            "failed": len(report.failed),
            "seconds": round(ingest_seconds, 2),
        },
        "overall": summarise(rows),
        "groups": {name: summarise(group) for name, group in sorted(groups.items())},
        "questions": rows,
    }
