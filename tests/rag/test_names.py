"""The name heuristics of rag/text/names.py: each answers its own question, and these pin how they differ."""

from __future__ import annotations

from rag.text.names import (
    answer_names,
    capitalised_words,
    is_named_thing,
    missing_name,
    name_runs,
    proper_names,
    unmentioned_names,
    without_names,
)


def test_proper_names_are_single_words_without_function_words():
    assert proper_names("The trophy went to Auston Matthews of the NHL.") == {"auston", "matthews", "nhl"}


def test_capitalised_words_cut_possessives_for_publisher_lookup():
    assert capitalised_words("What did CNN's team and the Guardian say?") == ["What", "CNN", "Guardian"]


def test_name_runs_are_multi_word_names_after_the_first_word():
    assert name_runs("Residents of West Virginia met Joe Manchin.") == ["west virginia", "joe manchin"]


def test_answer_names_keep_joining_words_and_numbers_with_spans():
    sentence = "It was the Statue of Liberty, not Apollo 11."
    found = answer_names(sentence)
    assert [n.written for n in found] == ["It", "Statue of Liberty", "Apollo 11"]
    assert all(sentence[n.start : n.end] == n.written for n in found)


def test_a_name_ending_the_sentence_leaves_its_full_stop_unless_it_is_an_abbreviation():
    """A short answer once read "Jay-Z.." because the sentence's full stop was taken for an initial's."""
    assert [n.written for n in answer_names("It was founded by rapper Jay-Z.")] == ["It", "Jay-Z"]
    assert [n.written for n in answer_names('Kyrie Irving signed with Jay-Z."')] == ["Kyrie Irving", "Jay-Z"]
    assert answer_names("They moved to the U.S.")[-1].written == "U.S."
    assert answer_names("She met St. Louis officials.")[-1].written == "St. Louis"


def test_without_names_drops_the_runs_asked():
    assert (
        without_names("USA Today reported the bridge closed", lambda n: n == "USA Today")
        == "reported the bridge closed"
    )


def test_missing_and_unmentioned_names():
    assert missing_name("He said Putin’s army left", "The army left") == "Putin"
    assert unmentioned_names("Where does Sue Bird live in the WNBA?", "sue bird lives in seattle") == ["WNBA"]


def test_named_things_among_alternatives():
    assert is_named_thing("the Eiffel Tower") and is_named_thing('"Dune"') and not is_named_thing("the old tower")
