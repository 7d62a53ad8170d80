"""Errors of the index layer. Each names the input it is about; the CLI and UI translate them once."""

from __future__ import annotations


class CitewiseError(Exception):
    """Base of every error Citewise raises on purpose; its message is meant for the user."""


class LoadError(CitewiseError):
    """A file could not be turned into text."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StoreError(CitewiseError):
    """The store (catalog, Chroma, keyword index) could not be opened or written."""


class UnknownDocumentError(CitewiseError):
    """A document id or path names nothing in the catalog."""
