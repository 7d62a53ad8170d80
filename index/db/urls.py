"""Database URLs: the default one of a store, the driver Citewise uses, and the masked form that is the only one
ever printed or logged."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ..errors import StoreError

DATABASE_FILE = "citewise.db"
DIALECTS = ("sqlite", "postgresql")


def default_url(store: Path) -> str:
    """The embedded default: a SQLite file in the store folder (nothing to start)."""
    return f"sqlite:///{Path(store).expanduser() / DATABASE_FILE}"


def parse(url: str) -> URL:
    """The URL with Citewise's driver (psycopg 3 for PostgreSQL); a clear error for anything else."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"database URL {mask(url)!r} is not a URL: {exc.__class__.__name__}") from None
    if parsed.get_backend_name() not in DIALECTS:
        raise StoreError(
            f"database URL {mask(url)!r}: unsupported database {parsed.get_backend_name()!r}; "
            "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB"
        )
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.database in (None, "", ":memory:"):
        raise StoreError("an in-memory SQLite database would lose the store when the process ends: give a file path")
    return parsed


def mask(url: str | URL) -> str:
    """The URL with its password replaced by ***: what reports, errors and logs show."""
    try:
        return (url if isinstance(url, URL) else make_url(url)).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: keep only what cannot hold a password
        text = str(url)
        return text.split("://", 1)[0] + "://***" if "://" in text else "***"


def redact(message: str, url: str | URL | None) -> str:
    """A driver's error message without the URL's password, should the driver have quoted it."""
    if url is None:
        return message
    password = (url if isinstance(url, URL) else make_url(url)).password
    return message.replace(str(password), "***") if password else message
