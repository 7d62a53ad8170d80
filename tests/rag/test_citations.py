"""Marker parsing, one edge case per test (after haystack's AnswerBuilder and paper-qa's citation tests)."""

from __future__ import annotations

from rag.checking.citations import marker_numbers, parse_answer, strip_markers
from rag.text.sentences import answer_sentences


def test_single_marker():
    parsed = parse_answer("Putin ordered it [1].", 3)
    assert [(s.text, s.cited) for s in parsed.sentences] == [("Putin ordered it.", (1,))]


def test_comma_list_marker():
    assert parse_answer("Both agree [1, 3].", 3).sentences[0].cited == (1, 3)


def test_adjacent_markers():
    assert parse_answer("Both agree [1][3].", 3).sentences[0].cited == (1, 3)


def test_zero_is_dropped_not_wrapped_to_the_last_passage():
    sentence = parse_answer("Wrong [0].", 3).sentences[0]
    assert sentence.cited == () and sentence.dropped == (0,)


def test_out_of_range_is_dropped_and_reported():
    parsed = parse_answer("One [1]. Seven [7].", 5)
    assert parsed.sentences[1].cited == () and parsed.dropped == [7]


def test_marker_at_sentence_start_belongs_to_previous_sentence():
    sentences = answer_sentences("The film came out in 1986. [2] It was directed by King [1].")
    assert sentences == ["The film came out in 1986. [2]", "It was directed by King [1]."]


def test_marker_in_the_middle():
    sentence = parse_answer("Putin [2] ordered the mobilization.", 2).sentences[0]
    assert sentence.cited == (2,) and sentence.text == "Putin ordered the mobilization."


def test_sentence_without_marker():
    parsed = parse_answer("Cited [1]. Not cited at all.", 2)
    assert parsed.sentences[1].cited == () and parsed.has_markers


def test_answer_without_any_marker():
    parsed = parse_answer("No markers here. None at all.", 2)
    assert not parsed.has_markers and len(parsed.sentences) == 2


def test_marker_numbers_in_order_of_appearance():
    assert marker_numbers("a [1, 3][2] b [ 4 ]") == [1, 3, 2, 4]


def test_strip_markers_leaves_clean_text():
    assert strip_markers("Hello [1] world [2].") == "Hello world."


def test_answer_sentences_split_as_documents_do():
    """Answers are cut by the document splitter: an abbreviation does not end a sentence, and a marker right after
    the full stop stays with its sentence."""
    assert answer_sentences("The U.S. Army said so [1]. Officials agreed [2].") == [
        "The U.S. Army said so [1].",
        "Officials agreed [2].",
    ]
    assert answer_sentences("It was built in 1900.[1] Next one [2].") == ["It was built in 1900.[1]", "Next one [2]."]


def test_a_lone_marker_joins_the_sentence_before():
    assert answer_sentences("It opened. [1] [2]") == ["It opened. [1] [2]"]
