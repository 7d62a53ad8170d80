"""Written dates for answering: where prose writes a date (`written_dates`), what a value phrase states of one
(`date_parts`: "Sept. 21" and "21 September 2022" do not contradict), the first day of a month a question
names, and which of two document dates is earlier. The patterns that find dates and their reading by
python-dateutil are `index.dates`'s, re-exported here: there is one dates module."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date

from index.dates import (
    DAY_MONTH,
    ISO_DATE,
    MONTH,
    MONTH_DAY,
    MONTH_NAMES,
    MONTH_YEAR,
    MONTHS,
    WEEKDAYS,
    WRITTEN_DATE,
    as_iso_date,
    find_date,
    month_number,
    read_date,
)
from rag.text.numbers import is_year, numbers

__all__ = [
    "DAY_MONTH",
    "ISO_DATE",
    "MONTH",
    "MONTHS",
    "MONTH_DAY",
    "MONTH_NAMES",
    "MONTH_YEAR",
    "WEEKDAYS",
    "WRITTEN_DATE",
    "DateParts",
    "WrittenDate",
    "as_iso_date",
    "date_parts",
    "day_key",
    "earlier",
    "find_date",
    "month_number",
    "month_start",
    "read_date",
    "written_dates",
]


@dataclass(frozen=True)
class WrittenDate:
    """A date as prose writes it: `text[start:end] == written`."""

    written: str
    start: int
    end: int


def written_dates(text: str) -> list[WrittenDate]:
    """Every date written in prose, as far as it goes: "Wednesday, Sept. 21, 2022", "21st of September",
    "June 2023", "Tuesday"."""
    return [WrittenDate(m.group(0), m.start(), m.end()) for m in WRITTEN_DATE.finditer(text)]


@dataclass(frozen=True)
class DateParts:
    """The parts of a date a phrase states (None: not stated)."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: str | None = None
    """Lower case ("wednesday")."""

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def contradicts(self, other: DateParts) -> bool:
        """A part both state differs ("Sept. 21" and "22 September"); "Sept. 21" and "21 September 2022" agree."""
        return any(
            getattr(self, f.name) is not None
            and getattr(other, f.name) is not None
            and getattr(self, f.name) != getattr(other, f.name)
            for f in fields(self)
        )


_WEEKDAY = re.compile(rf"\b{WEEKDAYS}\b", re.I)
_MONTH_WORD = re.compile(MONTH)


def _month_and_day(month: str, day: str) -> tuple[int | None, int]:
    """A found month and day read by dateutil; as written when they are no date ("Feb 30", "May 45": dateutil reads
    the second as May 2045)."""
    read = read_date(f"{month} {day}") if 1 <= int(day) <= 31 else None
    return (read.month, read.day) if read else (month_number(month), int(day))


def date_parts(text: str) -> DateParts:
    """The year, month, day and weekday a written date states, as far as it states them: "Sept. 21",
    "21 September 2022", "Wednesday", "2022-09-21"."""
    iso = ISO_DATE.search(text)
    read = read_date(iso.group(0)) if iso else None
    if read is not None:
        return DateParts(read.year, read.month, read.day)
    found = MONTH_DAY.search(text) or DAY_MONTH.search(text)
    month = day = None
    if found:
        month, day = _month_and_day(found["month"], found["day"])
    else:
        word = _MONTH_WORD.search(text)
        month = month_number(word.group(0)) if word else None
    years = [n.written for n in numbers(text) if is_year(n.written)]
    weekday = _WEEKDAY.search(text)
    return DateParts(int(years[0]) if years else None, month, day, weekday.group(0).lower() if weekday else None)


def day_key(phrase: str) -> str | None:
    """The month and day a phrase names, alike however written ("Sept. 21", "21 September" -> "sep 21")."""
    found = MONTH_DAY.search(phrase) or DAY_MONTH.search(phrase)
    if not found:
        return None
    month, day = _month_and_day(found["month"], found["day"])
    return f"{MONTH_NAMES[month - 1][:3].lower()} {day}" if month else None


def month_start(written: str) -> date | None:
    """The first day of the month a phrase names ("September 2022" -> 2022-09-01)."""
    read = read_date(written)
    return read.replace(day=1) if read else None


def earlier(first: str | None, second: str | None) -> bool | None:
    """Whether the first date (YYYY-MM-DD, a datetime's text, or written) is earlier than the second; None when one
    is unknown or they are the same day."""
    a, b = read_date(first or ""), read_date(second or "")
    if a is None or b is None or a == b:
        return None
    return a < b
