"""Errors of the answering layer."""

from __future__ import annotations

from index.errors import CitewiseError


class QuestionError(CitewiseError):
    """The question cannot be asked as given (empty, too long, not text)."""


class ModelError(CitewiseError):
    """The configured chat model could not answer (unreachable, timed out, malformed reply)."""

    http_status = 502

    @property
    def reason(self) -> str:
        """The failure in a few words, for the notice beside the answer."""
        return str(self)
