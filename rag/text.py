"""Small text tools shared by answering, verification and conflict detection."""

from __future__ import annotations

import re
import string

from index.dates import MONTHS, MONTHS_OR_ABBREVIATED
from index.keyword import stemmer

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-.]*[A-Za-z0-9]|[A-Za-z0-9]")
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

STOPWORDS = frozenset(
    """
a about above after again against all am an and any are aren't as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not of off
on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves also one many much ago said says
say tell told according s t
""".split()
)

QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())


def words(text: str) -> list[str]:
    return _WORD.findall(text)


_POSSESSIVE = re.compile(r"['’]s$")


def stem(word: str) -> str:
    """The stem of a word, possessive dropped ("NHL’s" and "NHL's" -> "nhl")."""
    return stemmer().stemWord(_POSSESSIVE.sub("", word.lower()).strip("'’.-"))


def content_terms(text: str) -> list[str]:
    """Stemmed words that carry meaning (no stop words), in order; hyphenated words count by their parts."""
    terms = []
    for word in words(text):
        for part in word.split("-") if "-" in word else (word,):
            if part and part.lower() not in STOPWORDS and part.lower() not in QUESTION_WORDS:
                terms.append(stem(part))
    return terms


MIN_FAMILY_STEM = 5


def related(a: str, b: str) -> bool:
    """Stems of one word family ("reserv" of reserves, "reservist"): equal, or one extends the other."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_FAMILY_STEM and long.startswith(short)


def numbers(text: str) -> list[tuple[float, str, int]]:
    """(value, as written, offset) of every number, with 'million' and the like applied.

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
        found.append((value, match.group(0).strip(), match.start()))
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


def spelled_numbers(text: str) -> list[tuple[float, str, int]]:
    """(value, as written, offset) of every number written in words: "a thousand" (1000), "twenty-five",
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
        found.append((value, match.group(0), match.start()))
    return found


_MONTH = MONTHS_OR_ABBREVIATED
_MONTH_AFTER = re.compile(r"^\s*(?:st|nd|rd|th)?\s*(?:of\s+)?" + _MONTH + r"\b")
_MONTH_BEFORE = re.compile(r"\b" + _MONTH + r"\s+$")


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


def proper_names(text: str) -> set[str]:
    """Capitalised words that are not sentence-initial function words: a cheap stand-in for named entities."""
    names = set()
    tokens = words(text)
    for index, token in enumerate(tokens):
        capitalised = token[:1].isupper() or any(c.isupper() for c in token[1:])  # "Putin", "iPhone"
        if capitalised and token.lower() not in STOPWORDS and (index > 0 or len(token) > 1):
            names.add(token.lower().strip(".'’"))
    return names


_NO_PUNCTUATION = str.maketrans("", "", string.punctuation + "’‘“”")


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().translate(_NO_PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())
