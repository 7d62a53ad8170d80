"""training/train_reader.py's listwise objective: each question's sentences compete with each other and with
"none answers" (SQuAD 2.0's unanswerable questions), on whole questions with their hardest wrong sentences."""

from __future__ import annotations

import pytest

from training.train_reader import listwise_batches, listwise_loss


def pair(group: str, label: int, sentence: str, question: str = "When was the Kelso bridge rebuilt?") -> dict:
    return {"group": group, "label": label, "question": question, "sentence": sentence, "title": ""}


ROWS = [
    pair("a", 0, "Kelso has a market on Fridays."),
    pair("a", 1, "The Kelso bridge was rebuilt in 1797."),
    pair("a", 0, "The Kelso bridge crosses the Tweed and was painted in 1990."),
    pair("a", 0, "Rain fell all week."),
    pair("b", 0, "The Larkfield pier was rebuilt in 1890.", "When was the Larkfield ferry sunk?"),
    pair("b", 0, "Ferries sail at noon.", "When was the Larkfield ferry sunk?"),
]


def test_batches_hold_whole_questions_with_their_hardest_wrong_sentences():
    batches = listwise_batches(ROWS, negatives=1, batch=8, seed=1, epochs=2)
    assert {epoch for epoch, _ in batches} == {0, 1}
    first_epoch = [row for epoch, chunk in batches if epoch == 0 for row in chunk]
    by_group = {g: [r["sentence"] for r in first_epoch if r["group"] == g] for g in ("a", "b")}
    # the answering sentence, then the wrong one sharing most of the question's words
    assert by_group["a"] == [
        "The Kelso bridge was rebuilt in 1797.",
        "The Kelso bridge crosses the Tweed and was painted in 1990.",
    ]
    assert by_group["b"] == ["The Larkfield pier was rebuilt in 1890."]  # unanswered: only the hardest wrong one
    groups = [r["group"] for r in first_epoch]
    assert groups == sorted(groups, key=groups.index)  # each question contiguous


def test_the_loss_rewards_the_answering_sentence_and_none_for_an_unanswered_question():
    import torch

    answered = [pair("a", 1, "right"), pair("a", 0, "wrong")]
    unanswered = [pair("b", 0, "wrong"), pair("b", 0, "also wrong")]
    assert listwise_loss(torch.tensor([6.0, -6.0]), answered) < 0.01
    assert listwise_loss(torch.tensor([-6.0, 6.0]), answered) > 5
    assert listwise_loss(torch.tensor([-6.0, -6.0]), unanswered) < 0.01
    assert listwise_loss(torch.tensor([6.0, -6.0]), unanswered) > 5
    both = listwise_loss(torch.tensor([6.0, -6.0, -6.0, -6.0]), answered + unanswered)
    assert both == pytest.approx(
        (listwise_loss(torch.tensor([6.0, -6.0]), answered) + listwise_loss(torch.tensor([-6.0, -6.0]), unanswered)) / 2
    )
