"""Errors of the index layer. Each names the input it is about; the CLI and UI translate them once."""

from __future__ import annotations


class CitewiseError(Exception):
    """Base of every error Citewise raises on purpose; its message is meant for the user."""

    http_status = 500
    """The HTTP status the error answers with: the server's fault unless a subclass says it is the caller's."""


class LoadError(CitewiseError):
    """A file could not be turned into text."""

    http_status = 400  # the file the caller sent or named is unreadable, damaged or of an unsupported kind

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StoreError(CitewiseError):
    """The store (catalog, Chroma, keyword index) could not be opened or written."""

    http_status = 503  # the server's store is unavailable; the same request may succeed later


class UnknownDocumentError(CitewiseError):
    """A document id or path names nothing in the catalog."""

    http_status = 404


class SpanError(CitewiseError):
    """Character offsets that do not lie within a document (start <= end <= its length)."""

    http_status = 400


class TooLargeError(CitewiseError):
    """An input over a size limit of the server (an uploaded file, a request body)."""

    http_status = 413


class NotReadyError(CitewiseError):
    """The server cannot answer yet (the embedding model is still loading); the client should try again soon."""

    http_status = 503


# Import names whose distribution on PyPI is called something else: the fix a user types is `pip install DIST`.
_DISTRIBUTIONS = {
    "docx": "python-docx",
    "bs4": "beautifulsoup4",
    "Stemmer": "pystemmer",
    "lxml_html_clean": "lxml_html_clean",
    "charset_normalizer": "charset-normalizer",
    "pypdfium2": "pypdfium2",
    "trafilatura": "trafilatura",
}


def failure_reason(exc: BaseException, doing: str) -> str:
    """One line saying why one file failed and what to install or fix, for an exception nobody expected."""
    if isinstance(exc, LoadError):
        return exc.reason
    if isinstance(exc, ImportError):
        missing = getattr(exc, "name", None) or ""
        text = str(exc)
        # lxml >= 5.2 moved lxml.html.clean out; its ImportError names the new project in prose.
        if "lxml_html_clean" in text:
            missing = "lxml_html_clean"
        top = missing.split(".")[0]
        package = _DISTRIBUTIONS.get(top, top)
        if package:
            return (
                f"a Python package needed for {doing} is missing ({package}): "
                f"run `pip install {package}` or reinstall citewise"
            )
        return f"a Python package needed for {doing} is missing ({_first_line(text)}): reinstall citewise"
    if isinstance(exc, MemoryError):
        return f"out of memory while {doing}: split the file or raise the memory limit"
    if isinstance(exc, RecursionError):
        return f"the file is nested too deeply to parse while {doing}"
    detail = _first_line(str(exc))
    return (
        f"unexpected {type(exc).__name__} while {doing}{': ' + detail if detail else ''} "
        "(the file may be damaged; set CITEWISE_DEBUG=1 for the traceback)"
    )


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
