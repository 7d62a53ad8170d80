"""Numbers as written in text: digits with their scale ("300,000", "2.5 million"), numbers in words ("twenty-five",
"half a million"), and whether a number is a year or a day of a date rather than a count."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.dates import MONTH, MONTHS


@dataclass(frozen=True)
class Number:
    """A number found in a text: `text[start:end] == written`."""

    value: float
    """Its value, scale applied ("2.5 million" -> 2500000.0, "half a million" -> 500000.0)."""
    written: str
    """As written, scale word included ("2.5 million", "twenty-five")."""
    start: int
    end: int


_NUMBER = re.compile(
    r"(?<![\w.\-/:])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\-/:]\d)"
    r"(\s*(?:million|billion|thousand|%|percent))?",
    re.I,
)
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")
_YEAR_BEFORE = re.compile(
    r"(?:\b(?:in|since|by|until|till|from|of|during|after|before|early|late|mid|around|"
    r"circa|c\.|year|years|spring|summer|autumn|fall|winter|" + MONTHS[3:-1] + r")|\d{1,2},?)\s+$",
    re.I,
)
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_YEAR = re.compile(r"^(1[5-9]\d\d|20\d\d)$")


def numbers(text: str) -> list[Number]:
    """Every number written in digits, with 'million' and the like applied.

    Parts of dates (2022-10-05) are not numbers; a year is written as itself (see `is_year`)."""
    found = []
    for match in _NUMBER.finditer(text):
        if any(m.start() <= match.start() < m.end() for m in _DATE_LIKE.finditer(text)):
            continue
        raw, scale = match.group(1), (match.group(2) or "").strip().lower()
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            continue
        value *= _SCALE.get(scale, 1.0)
        found.append(Number(value, match.group(0), match.start(), match.end()))
    return found


_ONES = dict(
    zip(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen".split(),
        range(20),
        strict=True,
    )
)
_TENS = dict(zip("twenty thirty forty fifty sixty seventy eighty ninety".split(), range(20, 100, 10), strict=True))
_LARGE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
NUMBER_WORDS = "(?:" + "|".join([*_ONES, *_TENS, "hundred", "dozen", *_LARGE]) + ")"
"""A number written as a word ("seven", "thousand"), as a regular expression."""
_SPELLED = re.compile(rf"\b(?:(?:a|an|half\s+an?)\s+)?{NUMBER_WORDS}(?:(?:[\s\-]+|\s+and\s+){NUMBER_WORDS})*\b", re.I)


def spelled_numbers(text: str) -> list[Number]:
    """Every number written in words: "a thousand" (1000), "twenty-five",
    "two hundred and fifty", "half a million", "three dozen". "one" alone counts (1): read it only where a
    number is expected."""
    found = []
    for match in _SPELLED.finditer(text):
        tokens = re.split(r"[\s\-]+", match.group(0).lower())
        half = tokens[0] == "half"
        total = current = 0.0
        for token in tokens[1 if half else 0 :]:
            if token in ("a", "an", "and"):
                continue
            if token in _ONES:
                current += _ONES[token]
            elif token in _TENS:
                current += _TENS[token]
            elif token == "hundred":
                current = (current or 1) * 100
            elif token == "dozen":
                current = (current or 1) * 12
            else:
                total += (current or 1) * _LARGE[token]
                current = 0.0
        value = (total + current) * (0.5 if half else 1.0)
        found.append(Number(value, match.group(0), match.start(), match.end()))
    return found


_MONTH_AFTER = re.compile(r"^\s*(?:st|nd|rd|th)?\s*(?:of\s+)?" + MONTH)
_MONTH_BEFORE = re.compile(MONTH + r"\s+$")


def is_day_of_month(text: str, offset: int, written: str) -> bool:
    """A day of a written date ("25 April 1845", "January 30, 1977"), not a count."""
    if not written.isdigit() or not 1 <= int(written) <= 31:
        return False
    after = text[offset + len(written) : offset + len(written) + 16]
    return bool(_MONTH_AFTER.match(after) or _MONTH_BEFORE.search(text[max(0, offset - 12) : offset]))


def is_year(written: str, text: str = "", offset: int = -1) -> bool:
    """A four-digit number from 1500 to 2099, and, when its sentence is given, written where years go
    ("in 2005", "June 2023") rather than counting something ("2000 Russians")."""
    if not _YEAR.match(written):
        return False
    if offset < 0:
        return True
    before = text[max(0, offset - 20) : offset]
    after = text[offset + len(written) : offset + len(written) + 2]
    return bool(_YEAR_BEFORE.search(before)) or not after or not after[:1].isspace() or not after[1:2].isalpha()
