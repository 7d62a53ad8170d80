"""What reading one file may cost: its size on disk, what a container format may unpack to, and wall-clock time.

A file over any of them fails alone with its reason (a `LoadError`); the other files of an ingestion go on.

The time budget is cooperative: `load` starts a `Reading` for the file and the loaders call `Reading.check()` in
their loops (per DOCX paragraph and table row, per PDF page and every few thousand characters, per OCR page,
between the steps of HTML extraction). What runs inside one C call or one third-party call cannot be interrupted
from Python: parsing a DOCX's XML (lxml), building a PDF page's text layer (pdfium), rendering a page, or
trafilatura's extraction of one page. The unpacked-size and file-size limits are what bound those; a file that
overran inside one still fails when it returns (`load` checks once more). Tesseract runs in its own process and is
killed when the file's time is up.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from .errors import LoadError


@dataclass(frozen=True)
class LoadBudget:
    """Limits of reading one file; None means no limit."""

    max_bytes: int | None = None
    """Size of the file on disk, in bytes."""
    max_unpacked_bytes: int | None = None
    """What a container format (DOCX is a zip archive) declares its parts unpack to, in bytes."""
    seconds: float | None = None
    """Wall-clock time to turn the file into text."""


UNLIMITED = LoadBudget()


class Reading:
    """One file being read under a budget: its name (for the error) and its deadline."""

    def __init__(self, name: str, budget: LoadBudget = UNLIMITED):
        self.name = name
        self.budget = budget
        self._deadline = None if budget.seconds is None else time.monotonic() + budget.seconds

    @property
    def max_unpacked_bytes(self) -> int | None:
        return self.budget.max_unpacked_bytes

    def remaining(self) -> float | None:
        """Seconds left (never below a millisecond, so it can be passed on as a timeout), or None for no limit."""
        if self._deadline is None:
            return None
        return max(self._deadline - time.monotonic(), 0.001)

    def expired(self) -> bool:
        return self._deadline is not None and time.monotonic() > self._deadline

    def check(self) -> None:
        """Raise the file's `LoadError` when its time is up."""
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise self.timeout_error()

    def timeout_error(self) -> LoadError:
        return LoadError(
            self.name,
            f"took longer than {self.budget.seconds:g} s to read; split the file or raise CITEWISE_LOAD_SECONDS",
        )


_current: ContextVar[Reading | None] = ContextVar("citewise_reading", default=None)


def current() -> Reading:
    """The file being read in this thread, or an unlimited reading when loaders are called outside `load`.

    A context variable, not an argument, so every loader keeps its `(data, path)` signature; worker threads do
    not inherit it: pass the `Reading` to them (index/pdf.py does for OCR)."""
    reading = _current.get()
    return reading if reading is not None else Reading("", UNLIMITED)


@contextmanager
def reading(name: str, budget: LoadBudget) -> Iterator[Reading]:
    """Read `name` under `budget` for the duration of the block."""
    active = Reading(name, budget)
    token = _current.set(active)
    try:
        yield active
    finally:
        _current.reset(token)
