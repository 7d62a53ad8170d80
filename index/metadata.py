"""Metadata a document states about itself in header lines at its top ("Title: ...", "Source: cnn.com",
"Authors: ...", "Published: 2022/06/16"), as exported news articles, notes and e-mails often begin."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FIELDS = {
    "title": "title",
    "subject": "title",
    "source": "publisher",
    "publisher": "publisher",
    "site": "publisher",
    "author": "author",
    "authors": "author",
    "by": "author",
    "from": "author",
    "published": "date",
    "date": "date",
    "url": "url",
    "link": "url",
}
TITLE_KEYS = frozenset(key for key, field in _FIELDS.items() if field == "title")
HEADER_LINE = re.compile(r"^[ \t]*(" + "|".join(_FIELDS) + r")[ \t]*:[ \t]*(.*?)[ \t]*$", re.I | re.M)
_HEADER_SCAN_LINES = 12


@dataclass(frozen=True)
class Header:
    fields: dict[str, str]
    """title, publisher, author, date, url: as written, only those stated (non-empty)."""
    end: int
    """Offset just past the header block (0 when the text has none)."""


def read_header(text: str) -> Header:
    """The block of "Key: value" lines at the very top of a text: at least two of them, or a title line alone."""
    fields: dict[str, str] = {}
    end = 0
    offset = 0
    lines = 0
    for line in text.splitlines(keepends=True):
        lines += 1
        stripped = line.strip()
        match = HEADER_LINE.match(line.rstrip("\n"))
        if match:
            key = _FIELDS[match.group(1).lower()]
            if match.group(2) and key not in fields:
                fields[key] = match.group(2)
            end = offset + len(line.rstrip("\n"))
        elif stripped or end:
            break
        offset += len(line)
        if lines >= _HEADER_SCAN_LINES:
            break
    # One "Key: value" line can be prose ("By: the harbour master, in person."), but "Title: X" states a title
    # even alone; read as prose, the whole line became the title ("Title: X", issue 21).
    if len(fields) < 2 and set(fields) != {"title"}:
        return Header({}, 0)
    return Header(fields, end)


def is_header_line(text: str, start: int) -> bool:
    """The sentence at `start` is a "Key: value" metadata line, not prose."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    return HEADER_LINE.match(text[line_start : len(text) if line_end < 0 else line_end]) is not None
