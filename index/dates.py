"""Month names and written dates: the one place that knows them. Regular expressions only find where a date is
written; python-dateutil reads what a found one says ("Sept. 21, 2022" and "21 September 2022" are one date).
Loaders date documents with it, and `rag.text.dates` (answering, short answers, conflicts, filters) builds on it.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from dateutil import parser as _dateutil

MONTH_NAMES = "January February March April May June July August September October November December".split()
MONTHS = "(?:" + "|".join(MONTH_NAMES) + ")"
"""A full month name (case as written)."""
MONTH = rf"\b(?:{'|'.join(MONTH_NAMES)}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)(?:\.|(?![\w\-]))"
"""A month's name, full or abbreviated ("Sept.", "Jan"; case as written), not the "Mar" of "Maryland" or
"Mar-a-Lago"."""
WEEKDAYS = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_ORDINAL = r"(?:st|nd|rd|th)?"

MONTH_DAY = re.compile(rf"(?P<month>{MONTH})\s+(?P<day>\d{{1,2}})\b")
"""A month and a day: "Sept. 21", "January 30"."""
DAY_MONTH = re.compile(rf"\b(?P<day>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<month>{MONTH})")
"""A day and a month: "21 September", "3rd of May"."""
WRITTEN_DATE = re.compile(
    rf"\b(?:{WEEKDAYS},?\s+)?(?:{MONTH}\s+\d{{1,2}}{_ORDINAL}(?:,?\s+\d{{4}})?|\d{{1,2}}{_ORDINAL}\s+"
    rf"(?:of\s+)?{MONTH}(?:,?\s+\d{{4}})?|{MONTH}\s+\d{{4}}|{WEEKDAYS})\b"
)
"""A date as prose writes it, as far as it goes: "Wednesday, Sept. 21, 2022", "21st of September", "June 2023",
"Tuesday"."""
MONTH_YEAR = re.compile(rf"(?P<month>{MONTHS})\s+(?P<year>19\d\d|20\d\d)\b", re.I)
"""A full month name and a year ("September 2022", any case): a month of the calendar."""
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_SCAN_CHARS = 1000
_MONTHS_ANY_CASE = MONTHS.lower()

_DOCUMENT_DATES = (  # in this order of trust: a stated ISO date over a date in prose
    ISO_DATE,
    re.compile(r"\b(\d{4})/(\d{2})/(\d{2})\b"),
    re.compile(rf"\b(?:{_MONTHS_ANY_CASE})\s+\d{{1,2}},\s+\d{{4}}\b", re.I),
    re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS_ANY_CASE})\s+\d{{4}}\b", re.I),
)
_NO_DATE = datetime(2000, 1, 1)  # a leap year: "February 29" reads without its year


def read_date(written: str, default: date | None = None) -> date | None:
    """The date a found date string names, read by dateutil ("Sept. 21, 2022", "21 September 2022",
    "2022-09-21", "2022-09-21T10:00:00" -> 2022-09-21); a part it does not state (the year of "Sept. 21", the day
    of "September 2022") is `default`'s. None when it is no date ("Feb 30", "2022-13-45")."""
    base = datetime.combine(default, datetime.min.time()) if default else _NO_DATE
    try:
        return _dateutil.parse(written, default=base).date()
    except (ValueError, OverflowError):
        return None


def month_number(name: str) -> int | None:
    """1-12 for a month's name, full or abbreviated ("Sept." -> 9), read by dateutil."""
    return _dateutil.parserinfo().month(name.strip().rstrip("."))


def find_date(text: str) -> str | None:
    """The first date stated near the top of a document, as YYYY-MM-DD."""
    head = text[:_DATE_SCAN_CHARS]
    for pattern in _DOCUMENT_DATES:
        for match in pattern.finditer(head):
            found = read_date(match.group(0))
            if found is not None:
                return found.isoformat()
    return None


def as_iso_date(value: object) -> str | None:
    """A stated date (text in any form above, or a datetime) as YYYY-MM-DD; None when it is not one."""
    if value is None:
        return None
    if isinstance(value, datetime):  # e.g. a .docx file's core properties
        return value.date().isoformat()
    return find_date(str(value))
