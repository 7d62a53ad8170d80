"""training/reader_data.py: each public format becomes (question, sentence, label) pairs, the label saying whether
the sentence holds a gold answer; unanswerable questions give only negatives; the output is byte-for-byte
reproducible."""

from __future__ import annotations

import gzip
import json

from training import reader_data

CONTEXT = "The Normans lived in Normandy. Normandy is a region in France. Rollo led them."


def squad_file(tmp_path):
    answer = CONTEXT.index("France")
    data = {"version": "v2.0", "data": [{"title": "Normans", "paragraphs": [{"context": CONTEXT, "qas": [
        {"id": "a", "question": "In what country is Normandy?", "answers": [{"text": "France", "answer_start": answer}],
         "is_impossible": False},
        {"id": "b", "question": "Who gave Normandy its name in 1900?", "answers": [], "is_impossible": True,
         "plausible_answers": [{"text": "Rollo", "answer_start": CONTEXT.index("Rollo")}]},
    ]}]}]}  # fmt: skip
    path = tmp_path / "dev-v2.0.json"
    path.write_text(json.dumps(data))
    return path


def test_squad_labels_the_sentence_holding_the_answer_and_nothing_of_an_unanswerable_question(tmp_path):
    rows = list(reader_data.squad(squad_file(tmp_path)))
    answered = [r for r in rows if r["group"] == "a"]
    assert [r["label"] for r in answered] == [0, 1, 0]
    assert answered[1]["sentence"] == "Normandy is a region in France." and answered[1]["title"] == "Normans"
    assert [r["label"] for r in rows if r["group"] == "b"] == [0, 0, 0]  # near misses: all negatives


def test_selqa_wikiqa_and_trecqa_formats(tmp_path):
    selqa = tmp_path / "selqa.json"
    selqa.write_text(json.dumps([{"question": "Who wrote Emma?", "article": "Emma", "candidates": [
        "Emma is a novel.", "It was written by Jane Austen."], "answers": [1]}]))  # fmt: skip
    assert [(r["sentence"], r["label"]) for r in reader_data.selqa(selqa)] == [
        ("Emma is a novel.", 0), ("It was written by Jane Austen.", 1)]  # fmt: skip
    wikiqa = tmp_path / "wikiqa.tsv"
    wikiqa.write_text(
        "QuestionID\tQuestion\tDocumentID\tDocumentTitle\tSentenceID\tSentence\tLabel\n"
        'Q1\thow are glacier caves formed?\tD1\tGlacier cave\tD1-0\tA "partly" submerged cave .\t0\n'
        "Q1\thow are glacier caves formed?\tD1\tGlacier cave\tD1-1\tA glacier cave is formed within ice .\t1\n"
    )
    rows = list(reader_data.wikiqa(wikiqa))
    assert [r["label"] for r in rows] == [0, 1] and rows[0]["sentence"] == 'A "partly" submerged cave .'
    trec = tmp_path / "DEV.xml"
    trec.write_text(
        "<QApairs id='1.4'>\n<question>\nWho\tled\tthem\t?\nWP\tVBD\tPRP\t.\n</question>\n"
        "<positive>\nRollo\t-LRB-\tthe\tViking\t-RRB-\tled\tthem\t.\nNNP\n</positive>\n"
        "<negative>\nThey\tlived\tin\tNormandy\t.\nPRP\n</negative>\n</QApairs>\n"
    )
    rows = list(reader_data.trecqa(trec))
    assert [(r["question"], r["sentence"], r["label"]) for r in rows] == [
        ("Who led them?", "Rollo (the Viking) led them.", 1),
        ("Who led them?", "They lived in Normandy.", 0),
    ]
    assert {r["group"] for r in rows} == {"trecqa-1.4"}


def test_the_written_file_is_reproducible(tmp_path):
    rows = list(reader_data.squad(squad_file(tmp_path)))
    first = reader_data.write(rows, tmp_path / "one.jsonl.gz")
    second = reader_data.write(rows, tmp_path / "two.jsonl.gz")
    assert first["sha256"] == second["sha256"]
    assert first["counts"] == {"squad2-dev": {"pairs": 6, "positives": 1, "questions": 2}}
    with gzip.open(tmp_path / "one.jsonl.gz", "rt") as handle:
        assert [json.loads(line) for line in handle] == rows


def test_a_zipped_squad_file_is_read_and_only_the_articles_named_are_kept(tmp_path):
    """SQuAD 1.1's official dev set is stored zipped, and only its articles in neither half of SQuAD 2.0's dev set
    are trained on: the others repeat questions already used or belong to the half kept for testing."""
    import zipfile

    plain = squad_file(tmp_path)
    archive = tmp_path / "dev-v1.1.json.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(plain, "dev-v1.1.json")
    rows = list(reader_data.squad(archive, "squad11-dev", frozenset({"Normans"})))
    assert {r["source"] for r in rows} == {"squad11-dev"}
    assert [r["label"] for r in rows if r["group"] == "a"] == [0, 1, 0]
    assert list(reader_data.squad(archive, "squad11-dev", frozenset({"Kenya"}))) == []
    assert "Normans" not in reader_data.SQUAD11_ARTICLES and len(reader_data.SQUAD11_ARTICLES) == 13
