"""Multi-part questions are split into parts, each retrieved and answered with its own citations, in order;
a part the documents do not answer is said to be unanswered instead of sinking the whole answer."""

from __future__ import annotations

import pytest

from rag import Assistant
from rag.questions.parts import split_question


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "Which is older, the Eiffel Tower or the Statue of Liberty?",
            ["Which is older, the Eiffel Tower?", "Which is older, the Statue of Liberty?"],
        ),
        (
            "Were Scott Derrickson and Ed Wood of the same nationality?",
            ["Were Scott Derrickson of the same nationality?", "Were Ed Wood of the same nationality?"],
        ),
        (
            "Are Frozen and Escape from the Dark both animated features?",
            ["Are Frozen animated features?", "Are Escape from the Dark animated features?"],
        ),
        (
            "What did the Gazette report about the harbour repairs while the Times covered the ferry?",
            ["What did the Gazette report about the harbour repairs?", "the Times covered the ferry?"],
        ),
    ],
)
def test_splits(question, parts):
    assert [p.question for p in split_question(question)] == parts


@pytest.mark.parametrize(
    "question",
    [
        "How many reservists were called up?",
        "Is it raining or snowing?",  # alternatives that are not named things
        "What did Putin announce after the protests?",  # a time anchor, not a second question
        "Did cats and dogs both sleep?",
    ],
)
def test_single_questions_stay_whole(question):
    assert [p.question for p in split_question(question)] == [question]


@pytest.fixture
def towns(tmp_path, fake_embeddings) -> Assistant:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "larkfield.txt").write_text(
        "Larkfield\n\nLarkfield is a harbour town on the north coast. Larkfield was founded in 1204 by monks."
    )
    (docs / "osterby.txt").write_text(
        "Osterby\n\nOsterby is a ferry port across the bay. Osterby was founded in 1388 by fishermen."
    )
    (docs / "weather.txt").write_text("Weather\n\nRain falls on the bay in autumn. Storms close the ferry in winter.")
    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings, abstain_threshold=0.05)
    assistant.ingest([docs])
    return assistant


def test_each_part_is_answered_from_its_own_document(towns):
    answer = towns.ask("Which town was founded first, Larkfield or Osterby?")
    assert [p.question for p in answer.parts] == [
        "Which town was founded first, Larkfield?",
        "Which town was founded first, Osterby?",
    ]
    assert all(p.answered and p.citations for p in answer.parts)
    quotes = [[answer.citation(n).quote for n in p.citations] for p in answer.parts]
    assert any("1204" in q for q in quotes[0]) and any("1388" in q for q in quotes[1])
    assert answer.answer.index("Larkfield") < answer.answer.index("Osterby")
    for citation in answer.citations:
        assert towns.document(citation.doc_id).text[citation.start : citation.end] == citation.quote
    assert answer.to_dict()["parts"][0]["citations"] == list(answer.parts[0].citations)


def test_a_part_without_evidence_is_named_not_fatal(towns):
    answer = towns.ask("Which town was founded first, Larkfield or Zanzibar Quux?")
    assert [p.answered for p in answer.parts] == [True, False]
    assert not answer.abstained and "On Zanzibar Quux, the documents do not say." in answer.answer
    assert all("Zanzibar" not in c.quote for c in answer.citations)
