"""Numbers, years and names as the answerer and the conflict finder read them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.text import content_terms, is_day_of_month, is_year, numbers, proper_names, related


def test_numbers_with_separators_and_scales():
    assert [n.value for n in numbers("over 1,000 protesters and 8.7 million boxes, 12%")] == [1000, 8.7e6, 12]


def test_iso_dates_are_not_numbers():
    assert numbers("date 2022-10-05 Russia") == []


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Approximately 2000 Russians were detained", False),
        ("It was founded in 2005 and grew", True),
        ("The office opened in June 2023.", True),
        ("He was born 1970.", True),
    ],
)
def test_year_or_quantity_by_context(sentence, expected):
    number = numbers(sentence)[0]
    assert is_year(number.written, sentence, number.start) is expected


def test_names_include_inner_capitals():
    assert {"iphone", "putin"} <= proper_names("Did Putin buy an iPhone?")


def test_word_families_match():
    assert related("reserv", "reservist") and not related("cat", "category")
    assert "call" in content_terms("the call-up of reserves")


@pytest.mark.parametrize(
    "sentence, written, expected",
    [
        ("born 25 April 1845 in Adelaide", "25", True),
        ("born January 30, 1977", "30", True),
        ("on the 3rd of May", "3", True),
        ("over 25 protesters in April", "25", False),
        ("300 reservists", "300", False),
    ],
)
def test_days_of_written_dates(sentence, written, expected):
    assert is_day_of_month(sentence, sentence.index(written), written) is expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a thousand people", 1000),
        ("two hundred and fifty", 250),
        ("twenty-five", 25),
        ("half a million", 500000),
        ("three dozen eggs", 36),
        ("Seven ships", 7),
    ],
)
def test_numbers_written_in_words(text, value):
    """Numbers in words read as numbers, for comparing "a thousand" with "1,000"."""
    from rag.text import spelled_numbers

    assert [n.value for n in spelled_numbers(text)] == [value]


_NUMBER_PIECES = st.sampled_from(
    ["1,000", "8.7 million", "12%", "2022-10-05", "twenty-five", "a thousand", "half a million", "three dozen",
     "two hundred and fifty", "$4", "40C", "3rd", "one", " ", ", ", "-", "/", "people", "Seven", "\n"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_NUMBER_PIECES, st.text(max_size=6)), max_size=10).map("".join))
def test_numbers_know_where_they_are_written(text):
    """Every number, in digits or in words, says where it stands: `text[start:end] == written`, so a short answer or
    a changed number can be cut out of its sentence by offsets alone."""
    from rag.text import spelled_numbers

    for number in [*numbers(text), *spelled_numbers(text)]:
        assert text[number.start : number.end] == number.written
        assert number.end - number.start == len(number.written) > 0
