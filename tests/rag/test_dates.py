"""Written dates: found by one set of patterns, read by python-dateutil, compared by their stated parts."""

from __future__ import annotations

from datetime import date

import pytest

from rag.text.dates import DateParts, date_parts, day_key, earlier, month_start, read_date, written_dates


@pytest.mark.parametrize("written", ["Sept. 21, 2022", "21 September 2022", "2022-09-21", "September 21, 2022"])
def test_one_date_however_written(written):
    """dateutil reads every written form of a date as the same date, so documents and answers compare alike."""
    assert read_date(written) == date(2022, 9, 21)


@pytest.mark.parametrize("written", ["Feb 30", "2022-13-45", "no date"])
def test_impossible_dates_are_none(written):
    assert read_date(written) is None


def test_written_dates_are_found_with_their_spans():
    text = "On Wednesday, Sept. 21, 2022 it opened; by the 3rd of May and in June 2023 it had closed."
    found = written_dates(text)
    assert [d.written for d in found] == ["Wednesday, Sept. 21, 2022", "3rd of May", "June 2023"]
    assert all(text[d.start : d.end] == d.written for d in found)


def test_a_month_word_inside_a_name_is_no_date():
    """ "Marine 12" and "Mayor 5" are not months: the abbreviation stands alone or with its full stop."""
    assert written_dates("The Marine 12 unit and the Mayor 5 times") == []


def test_date_parts_state_only_what_is_written():
    assert date_parts("Sept. 21") == DateParts(month=9, day=21)
    assert date_parts("21 September 2022") == DateParts(2022, 9, 21)
    assert date_parts("Wednesday") == DateParts(weekday="wednesday")
    assert not date_parts("three ships")


def test_dates_that_do_not_contradict():
    assert not date_parts("Sept. 21").contradicts(date_parts("21 September 2022"))
    assert date_parts("Sept. 21").contradicts(date_parts("22 September"))


def test_day_key_is_alike_however_written():
    assert day_key("Sept. 21") == day_key("21st of September") == "sep 21"
    assert day_key("the bridge") is None


def test_month_start_and_order_of_dates():
    assert month_start("September 2022") == date(2022, 9, 1)
    assert earlier("2024-03-02", "2024-04-20") is True
    assert earlier("2024-04-20T10:00:00", "2024-03-02") is False
    assert earlier("2024-03-02", "2024-03-02T23:00:00") is None  # the same day
    assert earlier(None, "2024-03-02") is None
