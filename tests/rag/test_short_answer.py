"""The answering phrase of a factoid question is found inside the cited sentence, of the asked kind, and never
a restatement of the question; yes/no and why-questions get none."""

from __future__ import annotations

import pytest

from rag.answering.short_answer import find_phrase, short_answer
from rag.questions.kinds import question_kind
from rag.types import Citation


@pytest.mark.parametrize(
    ("question", "sentence", "phrase"),
    [
        (
            "Who won the Hart Trophy?",
            "The trophy went to Auston Matthews on Tuesday.",
            "Auston Matthews",
        ),
        ("Which automaker recalled 2.9 million vehicles?", "Ford is recalling 2.9 million vehicles.", "Ford"),
        ("How many reservists were called up?", "Putin ordered a call-up of 300,000 reserves.", "300,000 reserves"),
        ("How much did it cost?", "The bridge cost $4.5 million to build.", "$4.5 million"),
        ("When was the lighthouse first lit?", "The lighthouse was first lit on 12 March 1871.", "12 March 1871"),
        ("What year did the harbour reopen?", "The harbour reopened in 1998 after the storms.", "1998"),
        ("What is the new album titled?", 'Her upcoming release "Renaissance" arrives this summer.', "Renaissance"),
        (
            "Which country was shaken by an earthquake?",
            "The 2010 earthquake struck west of Port-au-Prince.",
            "Port-au-Prince",
        ),
        ("Which company won?", "It's Apple that won the contract.", "Apple"),
        (
            "Who landed in Taiwan?",
            "WASHINGTON – House Speaker Nancy Pelosi landed in Taiwan on Tuesday.",
            "House Speaker Nancy Pelosi",
        ),
        (
            "Which country elected a leftist leader?",
            "Voters in Colombia's election chose a leftist.",
            "Colombia",
        ),
    ],
)
def test_phrase_of_the_question_kind(question, sentence, phrase):
    span = find_phrase(question, sentence)
    assert span is not None and sentence[span[0] : span[1]] == phrase


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Did Ford recall vehicles?", "Ford is recalling 2.9 million vehicles."),
        ("Why was the park shut down?", "The park was shut down after floods damaged roads."),
        ("How many boats were counted?", "The survey counted boats and yachts in the harbour."),
        ("Who is Auston Matthews?", "Auston Matthews plays hockey."),
    ],
)
def test_no_phrase_when_none_fits(question, sentence):
    assert find_phrase(question, sentence) is None


def test_kinds():
    assert question_kind("How many moons does Neptune have?") == "quantity"
    assert question_kind("In what year was it built?") == "time"
    assert question_kind("Whose idea was it?") == "person"
    assert question_kind("Is it raining?") is None


def test_short_answer_offsets_point_into_the_document():
    document = "Intro line.\nThe harbour counted 37 fishing boats in May 2024. More text."
    start = document.index("The harbour")
    end = document.index(" More")
    citation = Citation(1, "d", "s", "t", start, end, document[start:end], True, 1.0)
    found = short_answer("How many fishing boats did the harbour count?", [citation])
    assert found is not None and found.citation == 1
    assert document[found.start : found.end] == found.text == "37 fishing boats"


def test_a_short_answer_is_one_sentence_with_one_full_stop():
    from rag.answering.compose import sentence_of

    assert sentence_of("Jay-Z") == "Jay-Z."
    assert sentence_of("U.S.") == "U.S."
