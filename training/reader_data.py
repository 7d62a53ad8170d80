"""Convert public answer-sentence data into the reader's training and validation pairs, once.

    python -m training.reader_data --raw ../reader-data

Each pair is {"source", "group", "question", "title", "sentence", "label"}: does this sentence answer the question?
Training pairs come from data whose licence lets a shipped model learn from them; validation pairs from other
sources, so that the model is measured on text and questions it never saw (docs/models.md):

- training, SQuAD (CC BY-SA 4.0): the sentence holding a gold answer is positive, the paragraph's other sentences
  are negatives, and every sentence of an unanswerable question's paragraph is a negative (near misses written to
  fool readers). From three files:
  - SQuAD 2.0 development questions (chrischute/squad `data/dev-v2.0.json`: the CS224N half of the official dev
    set);
  - SQuAD 1.1's official development set (pulakdas1999/QnA_using_BERT `dev-v1.1.json.zip`, the official file,
    md5 3e85deb5...), only its 13 articles that are in neither half of SQuAD 2.0's dev set (`SQUAD11_ARTICLES`):
    the others repeat the questions above, or belong to the half CS224N kept as its test set;
  - the first ten articles of SQuAD 2.0's training set (PhongNTDo/guide_train_MRC_transformers `train-v2.0.json`).
- training: SelQA answer-sentence development questions (emorynlp/selqa `ass/selqa-ass-dev.json`, Apache-2.0).
- validation only: WikiQA development questions (original Microsoft TSV; research licence, so never trained on)
  and TrecQA DEV (castorini/data `TrecQA/data/DEV.xml`).

No test split of any benchmark is read. The raw files are fetched from their public repositories (recorded in
`training/data/SOURCES.json`) into the folder given by --raw; the output is small and kept in the repository.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from index.chunking import split_sentences

OUT = Path(__file__).resolve().parent / "data"
TRAIN_FILE = "reader-train.jsonl.gz"
VALIDATION_FILE = "reader-validation.jsonl.gz"


SQUAD11_ARTICLES = frozenset(
    "American_Broadcasting_Company Apollo_program Chloroplast Doctor_Who Genghis_Khan Kenya Martin_Luther "
    "Newcastle_upon_Tyne Nikola_Tesla Super_Bowl_50 Teacher United_Methodist_Church Victoria_and_Albert_Museum".split()
)
"""The articles of SQuAD 1.1's development set that are in neither half of SQuAD 2.0's (whose questions they share)."""


def read_json(path: Path):
    """A JSON file, or the one JSON file of a zip archive (as the official SQuAD files are often stored)."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            (name,) = [n for n in archive.namelist() if n.endswith(".json")]
            return json.loads(archive.read(name).decode("utf-8"))
    return json.loads(path.read_text(encoding="utf-8"))


def squad(path: Path, source: str = "squad2-dev", articles: frozenset[str] | None = None) -> Iterator[dict]:
    """Pairs of a SQuAD file (1.1 or 2.0), of the `articles` named (all when None)."""
    for article in read_json(path)["data"]:
        if articles is not None and article["title"] not in articles:
            continue
        title = article["title"].replace("_", " ")
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            spans = split_sentences(context)
            for qa in paragraph["qas"]:
                starts = {a["answer_start"] for a in qa.get("answers", [])}
                for start, end in spans:
                    positive = any(start <= s < end for s in starts)
                    yield pair(source, qa["id"], qa["question"], title, context[start:end], positive)


def selqa(path: Path) -> Iterator[dict]:
    for number, item in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        answers = set(item["answers"])
        title = item.get("article", "")
        for index, sentence in enumerate(item["candidates"]):
            yield pair("selqa-dev", f"selqa-{number}", item["question"], title, sentence, index in answers)


def wikiqa(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            yield pair(
                "wikiqa-dev", row["QuestionID"], row["Question"], row["DocumentTitle"], row["Sentence"],
                row["Label"] == "1",
            )  # fmt: skip


def trecqa(path: Path) -> Iterator[dict]:
    """TrecQA's pseudo-XML: in each <QApairs>, the line after <question>, <positive> and <negative> holds the
    tab-separated tokens."""
    lines = path.read_text(encoding="utf-8").splitlines()
    group, question = "", ""
    for number, line in enumerate(lines):
        tag = line.strip()
        if tag.startswith("<QApairs"):
            group = "trecqa-" + re.sub(r"\D+", ".", tag).strip(".")
        elif tag in ("<question>", "<positive>", "<negative>") and number + 1 < len(lines):
            text = detokenize(lines[number + 1])
            if tag == "<question>":
                question = text
            else:
                yield pair("trecqa-dev", group, question, "", text, tag == "<positive>")


def detokenize(tokens: str) -> str:
    text = " ".join(tokens.split("\t"))
    for escaped, plain in (("-LRB-", "("), ("-RRB-", ")"), ("``", '"'), ("''", '"')):
        text = text.replace(escaped, plain)
    return re.sub(r" ([,.;:?!)'])", r"\1", re.sub(r"\( ", "(", text))


def pair(source: str, group: str, question: str, title: str, sentence: str, label: bool) -> dict:
    return {
        "source": source,
        "group": group,
        "question": " ".join(question.split()),
        "title": " ".join(title.split()),
        "sentence": " ".join(sentence.split()),
        "label": int(label),
    }


def write(rows: list[dict], path: Path) -> dict:
    """Write the pairs (gzip without a name or time, so the same input gives the same bytes); their counts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows).encode()
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(body)
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        bucket = counts.setdefault(row["source"], {"pairs": 0, "positives": 0, "questions": 0})
        bucket["pairs"] += 1
        bucket["positives"] += row["label"]
    for source in counts:
        counts[source]["questions"] = len({r["group"] for r in rows if r["source"] == source})
    return {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, required=True, help="Folder with the fetched raw files.")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    raw = args.raw
    train = [
        *squad(raw / "squad2-chrischute" / "dev-v2.0.json"),
        *selqa(raw / "selqa" / "selqa-ass-dev.json"),
        *squad(raw / "squad11-dev" / "dev-v1.1.json.zip", "squad11-dev", SQUAD11_ARTICLES),
        *squad(raw / "squad2-train-head" / "train-v2.0.json", "squad2-train"),
    ]
    validation = [*wikiqa(raw / "wikiqa-raw" / "WikiQA-dev.tsv"), *trecqa(raw / "trecqa" / "DEV.xml")]
    record = {"train": write(train, args.out / TRAIN_FILE), "validation": write(validation, args.out / VALIDATION_FILE)}
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
