"""training/export_reader.py and rag/reading/reader.py: a reader exported to OpenVINO with int8 weights scores
question/sentence pairs as the PyTorch model it came from does, through the Rust tokenizer alone. A tiny randomly
initialised classifier over the bundled encoder's vocabulary stands in for the trained one."""

from __future__ import annotations

import json

import pytest

from rag.reading.reader import Reader, reader_text
from training.export_reader import export
from training.train_reader import encode

PAIRS = [
    ("Who wrote Emma?", "Emma", "Emma was written by Jane Austen in 1815."),
    ("Who wrote Emma?", "Emma", "The novel is set in the village of Highbury."),
    ("When was the Kelso bridge rebuilt?", "", "The old bridge at Kelso was rebuilt in stone after the flood of 1797."),
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from index.embedding import bundled_model_path

    torch.manual_seed(7)
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_path())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, num_labels=1)  # fmt: skip
    model = BertForSequenceClassification(config).eval()
    folder = tmp_path_factory.mktemp("trained")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "training.json").write_text(json.dumps({"max_tokens": 96, "seed": 7}))
    return folder, model, tokenizer


def test_the_exported_reader_scores_as_the_trained_model(trained, tmp_path):
    import torch

    folder, model, tokenizer = trained
    report = export(folder, tmp_path / "model")
    assert report["max_abs_logit_difference"] < 0.05 and report["bytes"] > 0
    reader = Reader(tmp_path / "model")
    rows = [{"question": q, "title": t, "sentence": s} for q, t, s in PAIRS]
    with torch.inference_mode():
        expected = model(**encode(tokenizer, rows)).logits.squeeze(-1).tolist()
    for question in {q for q, _, _ in PAIRS}:
        mine = [(i, reader_text(t, s)) for i, (q, t, s) in enumerate(PAIRS) if q == question]
        scores = reader.score(question, [text for _, text in mine])
        assert scores == pytest.approx([expected[i] for i, _ in mine], abs=0.05)
    assert reader.score("Who wrote Emma?", []) == []
    assert json.loads((tmp_path / "model" / "training.json").read_text())["inputs"] == [
        "input_ids", "attention_mask", "token_type_ids"]  # fmt: skip
