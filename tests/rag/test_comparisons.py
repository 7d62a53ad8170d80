"""Yes/no questions that compare two things ("in the same province?") get "Yes"/"No" only from sentences that
name the compared thing outright; a part whose evidence names none is said to be undecided. A yes/no part is
also checked against its next best sentences, and a deciding one is cited."""

from __future__ import annotations

import pytest

from helpers.stores import answering_store
from rag.checking.comparisons import about, compare, stated_value
from rag.questions.yesno import compared_kind


@pytest.mark.parametrize(
    "sentence, value",
    [
        ("Nantong is a prefecture-level city in Jiangsu province, China.", "Jiangsu"),
        ("It lies in the north of the province of Jiangxi.", "Jiangxi"),
        ("The port serves the Hebei Province coast.", "Hebei"),
        ("The Jiangsu Province borders Anhui Province.", None),  # two provinces: which is meant is not said
        ("The town lies between two provinces, Anhui and Henan.", None),  # the plural names no one province
        ("It is a city in Jiangsu, China.", None),  # the kind is not written: not guessed
        ("The Hartley province was founded in 1840.", "Hartley"),
    ],
)
def test_the_value_is_the_one_name_written_beside_the_kind(sentence, value):
    assert stated_value("province", sentence) == value


def test_a_synonym_of_the_kind_is_not_taken_for_it():
    """ "group" is not "band": a verdict states the answer outright, so it rests on the question's own word."""
    assert stated_value("band", "He is the lead singer of the German synthpop group Alphaville.") is None
    assert stated_value("band", "He joined the band Alphaville in 1982.") == "Alphaville"


def test_same_values_answer_yes_different_ones_no_and_a_missing_one_nothing():
    subjects = ["Larkfield", "Kelso"]
    osterland = [("Larkfield is a town in Osterland province.", "Larkfield")]
    same = compare("province", subjects, [osterland, [("Kelso is a town in Osterland province.", "Kelso")]])
    assert same.verdict == "Yes"
    different = compare("province", subjects, [osterland, [("Kelso lies in Westmark province.", "Kelso")]])
    assert different.verdict == "No" and different.values == ("Osterland", "Westmark")
    assert different.deciding == (0, 0)
    unnamed = compare("province", subjects, [osterland, [("Kelso has a stone bridge.", "Kelso")]])
    assert unnamed.verdict is None and unnamed.values == ("Osterland", None)


def test_only_a_sentence_about_the_part_names_its_value():
    """A sentence of the evidence about another place, in another document, says nothing of the part."""
    assert not about("Kelso", "Ashby is a village in Westmark province.", "Ashby")
    assert about("Kelso", "The town lies in Westmark province.", "Kelso")
    found = compare(
        "province",
        ["Larkfield", "Kelso"],
        [
            [("Larkfield is a town in Osterland province.", "Larkfield")],
            [("Ashby is a village in Westmark province.", "Ashby"), ("Kelso is in Osterland province.", "Kelso")],
        ],
    )
    assert found.verdict == "Yes" and found.deciding == (0, 1)


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Are Nantong and Jingdezhen situated in the same province?", "province"),
        ("Were Scott Derrickson and Ed Wood of the same nationality?", "nationality"),
        ("Is Kelso older than Larkfield?", ""),  # another relation: nothing to compare by name
        ("Which province are Nantong and Jingdezhen in, the same one?", ""),  # not a yes/no question
        ("Are the same bridges older than the ferries?", ""),
    ],
)
def test_the_compared_kind_is_the_word_after_the_same(question, kind):
    assert compared_kind(question) == kind


TOWNS = {
    "larkfield.txt": "Larkfield\n\nLarkfield is a harbour town in Osterland province. It has 37 fishing boats.\n",
    "kelso.txt": "Kelso\n\nKelso is a market town in Westmark province. Its stone bridge dates from 1797.\n",
    "ashby.txt": "Ashby\n\nAshby is a village in Osterland province, known for its mill.\n",
    "dunmore.txt": "Dunmore\n\nDunmore is a fishing village with a lighthouse and a chapel.\n",
}


@pytest.fixture(scope="module")
def towns(tmp_path_factory, real_embeddings):
    return answering_store(tmp_path_factory.mktemp("towns"), real_embeddings, TOWNS)


@pytest.mark.slow
def test_a_comparison_is_answered_from_each_towns_own_document(towns):
    different = towns.ask("Are Larkfield and Kelso in the same province?")
    assert different.verdict == "No" and different.answer.startswith("No. ")
    quotes = " ".join(c.quote for c in different.citations)
    assert "Osterland province" in quotes and "Westmark province" in quotes
    same = towns.ask("Are Larkfield and Ashby in the same province?")
    assert same.verdict == "Yes" and {c.source.rsplit("/", 1)[-1] for c in same.citations} >= {
        "larkfield.txt",
        "ashby.txt",
    }


@pytest.mark.slow
def test_a_comparison_whose_part_names_no_value_says_which(towns):
    unknown = towns.ask("Are Larkfield and Dunmore in the same province?")
    assert unknown.verdict is None and unknown.to_dict()["verdict"] is None
    assert unknown.answer.startswith("Undecided: the passages found do not name the province of Dunmore.")
