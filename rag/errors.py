"""Errors of the answering layer. Each class carries the HTTP status it answers with (who is at fault)."""

from __future__ import annotations

from index.errors import CitewiseError


class QuestionError(CitewiseError):
    """The question cannot be asked as given (empty, too long, not text, unknown filters or mode)."""

    http_status = 400


class ModelError(CitewiseError):
    """The configured chat model could not answer (unreachable, timed out, malformed reply, not set up).

    `str(error)` is the message for an API client or the command line; `reason` is the short clause a notice
    puts in parentheses: "The language model failed (it timed out); ...".
    """

    http_status = 502  # the model behind Citewise failed: a bad gateway, not a bad request
    reason = "it failed"

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class ModelTimeout(ModelError):
    """The model did not answer within `llm_timeout`."""

    http_status = 504
    reason = "it timed out"


class ModelUnreachable(ModelError):
    """No connection to the model's server (refused, reset, unknown host, network down)."""

    http_status = 502
    reason = "it could not be reached"


class ModelReplyError(ModelError):
    """The model's server answered, but with an error or with an empty or malformed reply."""

    http_status = 502
    reason = "its reply could not be used"


class ModelNotConfigured(ModelError):
    """The chat model cannot be set up: none is configured, its provider's package is missing, or its settings
    are refused by the provider's client."""

    http_status = 503  # the server's configuration: no request can fix it
    reason = "it is not set up"
