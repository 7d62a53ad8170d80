"""Month names and written dates: the one place that knows them (loaders, answering, short answers)."""

from __future__ import annotations

import re
from datetime import datetime

MONTH_NAMES = "January February March April May June July August September October November December".split()
MONTHS = "(?:" + "|".join(MONTH_NAMES) + ")"
"""A full month name (case as written)."""
MONTHS_OR_ABBREVIATED = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
"""A month name, full or abbreviated ("Sept.", "Jan")."""
WEEKDAYS = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE_SCAN_CHARS = 1000
_MONTHS = MONTHS.lower()

_DATE_PATTERNS = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "%Y-%m-%d"),
    (re.compile(r"\b(\d{4})/(\d{2})/(\d{2})\b"), "%Y/%m/%d"),
    (re.compile(rf"\b(?:{_MONTHS})\s+\d{{1,2}},\s+\d{{4}}\b", re.I), "%B %d, %Y"),
    (re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{4}}\b", re.I), "%d %B %Y"),
)


def find_date(text: str) -> str | None:
    """The first date stated near the top of a document, as YYYY-MM-DD."""
    head = text[:_DATE_SCAN_CHARS]
    for pattern, fmt in _DATE_PATTERNS:
        for match in pattern.finditer(head):
            try:
                return datetime.strptime(match.group(0), fmt).date().isoformat()
            except ValueError:
                continue
    return None


def as_iso_date(value: object) -> str | None:
    """A stated date (text in any form above, or a datetime) as YYYY-MM-DD; None when it is not one."""
    if value is None:
        return None
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    return find_date(str(value))
