"""Which questions lean on the conversation: connectives and pronouns do; a relative 'that' inside a question
that says everything itself does not."""

from __future__ import annotations

import pytest

from rag.questions.followup import condense, is_followup


@pytest.mark.parametrize(
    "question",
    ["And who announced it?", "When did he join Tesla?", "Why did that happen?", "What about the second one?"],
)
def test_questions_that_lean_on_the_conversation(question):
    assert is_followup(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who directed the film that won the 1998 Oscar?",
        "Which river flows through the city that hosted the 1936 Olympics?",
        "How many reservists were called up?",
    ],
)
def test_questions_that_stand_alone(question):
    assert not is_followup(question)


def test_only_follow_ups_are_searched_with_the_previous_question():
    history = [("Who ordered the mobilization?", "Putin [1]")]
    assert condense("And who announced it?", history) == (
        "And who announced it? Who ordered the mobilization?",
        "Who ordered the mobilization?",
    )
    assert condense("Who directed the film that won the 1998 Oscar?", history)[1] == ""
