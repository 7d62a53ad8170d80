"""Disagreeing sources: one sentence restated by another document but for its value, and the values that are one
in other words or units, or that answer other questions (rag/conflicts.py)."""

from __future__ import annotations

import pytest

from rag.answering.conflicts import find_conflicts, slot_values, stated_value
from rag.answering.values import different_values
from rag.stages import ScoredSentence
from rag.text import content_terms, numbers, proper_names, stem


def statement(doc_id: str, text: str, score: float = 0.8, coverage: float = 0.6, start: int = 0) -> ScoredSentence:
    """A scored sentence as `score_sentences` makes them."""
    terms = frozenset(content_terms(text))
    return ScoredSentence(0, doc_id, start, start + len(text), text, score, coverage, terms, 0.1, "", terms)


def subject(question: str) -> set[str]:
    """The question's names and numbers, stemmed, as `slot_disagreements` reads them."""
    return {stem(w) for w in proper_names(question)} | {stem(n.written) for n in numbers(question)}


def values(question: str, scored: list[ScoredSentence], document_text=None) -> set[frozenset[str]]:
    return {frozenset((d.first_value, d.second_value)) for d in find_conflicts(question, scored, document_text)}


WIMBLEDON = "Which tennis star pulled out of Wimbledon ahead of the semi-finals due to injury?"


def test_a_restated_sentence_with_another_name_is_a_conflict():
    """Two documents say the same sentence but for the asked name: both values, each from its own document."""
    scored = [
        statement("a", "(CNN) Rafael Nadal has withdrawn from Wimbledon due to an abdominal injury."),
        statement("b", "(CNN) Roger Federer has withdrawn from Wimbledon due to an abdominal injury.", 0.7),
    ]
    (found,) = find_conflicts(WIMBLEDON, scored)
    a, b, value_a, value_b = found.first, found.second, found.first_value, found.second_value
    assert (a.doc_id, b.doc_id, value_a, value_b) == ("a", "b", "Rafael Nadal", "Roger Federer")


def test_a_restatement_outside_the_retrieved_passages_is_found_in_its_document():
    """The other document's copy of the statement need not be among the retrieved sentences: it is found in the
    document's text, with its exact offsets."""
    said = "Rafael Nadal has withdrawn from Wimbledon due to an abdominal injury, his team said."
    other = "Tennis news.\n\nRoger Federer has withdrawn from Wimbledon due to an abdominal injury, his team said.\n"
    scored = [statement("a", said), statement("b", "Tennis news.", 0.3, 0.0)]
    (found,) = find_conflicts(WIMBLEDON, scored, {"a": said, "b": other}.get)
    b, value_b = found.second, found.second_value
    assert other[b.start : b.end] == b.text and value_b == "Roger Federer"


@pytest.mark.parametrize(
    ("question", "first", "second", "expected"),
    [
        ("How many people were evacuated?", "120,000", "85,000", ("120,000", "85,000")),
        ("When did the bridge reopen?", "on 21 September", "on 24 September", ("21 September", "24 September")),
        ("When will NASA try again?", "at least a few weeks", "at least next week", ("a few weeks", "next week")),
        (
            "Her wrist fracture came after:",
            "a bicycle accident",
            "a Segway crash",
            ("bicycle accident", "Segway crash"),
        ),
    ],
)
def test_values_of_each_kind_disagree(question, first, second, expected):
    """Quantities, dates, times from now, and for questions of no kind (fill-in-the-blank) a name against other
    words: the differing slot of the restated sentence, as written."""
    template = "Officials said the figure was {} according to the latest report from the agency."
    a, b = template.format(first), template.format(second)
    assert slot_values(a, b, subject(question), _kind(question)) == expected


def _kind(question: str) -> str:
    from rag.questions.kinds import question_kind

    return question_kind(question) or "other"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("1,000", "a thousand"),
        ("Sept. 21", "21 September 2022"),
        ("5 miles", "8 km"),
        ("40C", "104F"),
        ("£7m", "7 million"),
        ("12%", "12 per cent"),
        ("US", "United States"),
        ("Putin", "Vladimir Putin"),
        ("Rennaisance", "Renaissance"),
        ("5 km", "5 hours"),  # not one value, but measures of two things: other questions
    ],
)
def test_the_same_value_in_other_words_or_units_is_no_disagreement(first, second):
    assert not different_values(first, second) and not different_values(second, first)


def test_different_values_disagree():
    assert different_values("2000", "over 1,000")
    assert different_values("Sept. 21", "22 September")
    assert different_values("Iran", "Iraq")
    assert different_values("3 miles", "10 km")


def test_sentences_about_two_subjects_are_no_conflict():
    """The same template about two subjects differs in two places (the subject and the value), or in a name the
    question asks about; two descriptions of two things differ in more than a value."""
    question = "Kate Ramsay is a fictional character from an Australian soap opera created by who?"
    kate = 'Kate Ramsay is a fictional character from the soap opera "Neighbours", played by Ashleigh Brewer.'
    sophie = 'Sophie Ramsay is a fictional character from the soap opera "Neighbours", played by Kaiya Jones.'
    assert slot_values(kate, sophie, subject(question), "person") is None
    mother = "Kate Ramsay's mother is Libby Kennedy."
    assert slot_values(mother, "Sophie Ramsay's mother is Libby Kennedy.", subject(question), "person") is None
    lesotho = "Lesotho is a mountainous, landlocked country located in Southern Africa."
    zambia = "Zambia is a landlocked country located in Southern Africa, to the east of Angola."
    assert slot_values(lesotho, zambia, subject("Which landlocked country is in Southern Africa?"), "thing") is None


def test_values_answering_other_questions_are_no_conflict():
    """A count in a sentence restated for a which-question, a time against a clause for a question of no kind,
    ordinary words against ordinary words for a thing (a paraphrase), a capitalised word opening the sentence."""
    which = subject("Which airport has been the worst for delays?")
    a, b = (
        "More than 4,000 flights affected so far on Saturday.",
        "More than 2,700 flights affected so far on Saturday.",
    )
    assert slot_values(a, b, which, "thing") is None
    why = subject("Why was the park shut down?")
    a, b = "The North Entrance road was inundated with water.", "The North Entrance road was closed on Monday."
    assert slot_values(a, b, why, "other") is None
    plan = subject("Governors called on Biden to ditch plans for what?")
    a = "The governors called on him to withdraw his student loan forgiveness plan, the letter said."
    b = "The governors called on him to withdraw his student debt relief plan, the letter said."
    assert slot_values(a, b, plan, "thing") is None
    a, b = "Celebrated by many, the ruling changed the law.", "Championed by many, the ruling changed the law."
    assert slot_values(a, b, subject("What was the ruling?"), "thing") is None
    document = "Officials in Japan said so. Japan’s minister spoke."
    a, b = (
        "Japan’s minister said the missile flew over the islands.",
        "Korea’s minister said the missile flew over the islands.",
    )
    assert slot_values(a, b, subject("Which country did the missile fly over?"), "thing", (document, "")) == (
        "Japan’s",
        "Korea’s",
    )


def test_a_count_is_a_number_of_the_asked_measure():
    """'How many days' asks for days (the 10 of "10 Downing Street" is none); 'how many Russians' asks for a
    count, which "10 years" is not."""
    days = "Liz Truss resigned as prime minister after how many days in office?"
    assert stated_value("Truss said her goodbye outside 10 Downing Street on Thursday.", days, "quantity") is None
    assert stated_value("Truss lasted just 45 days in office.", days, "quantity") == (45.0, "45")
    russians = "How many Russians could soon be conscripted?"
    sentence = "Russians with citizenship for less than 10 years could be conscripted, 21,000 of them."
    assert stated_value(sentence, russians, "quantity") == (21000.0, "21,000")


def test_statements_in_other_words_compare_their_quantities_in_one_unit():
    """Two documents' own statements (not one restated): 5 miles and 8 km are one distance, 10 km another."""
    question = "How far did the Larkfield marchers walk?"
    miles = statement("a", "The Larkfield marchers walked 5 miles on Sunday.", coverage=0.8)
    assert (
        values(question, [miles, statement("b", "On Sunday the Larkfield marchers covered 8 km.", 0.7, 0.8)]) == set()
    )
    farther = statement("b", "On Sunday the Larkfield marchers covered 10 km.", 0.7, 0.8)
    assert values(question, [miles, farther]) == {frozenset(("5", "10"))}
