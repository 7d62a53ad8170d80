"""The API's errors as JSON: `{"error": message}` with the status the error's class carries, and the responses
the OpenAPI document lists for them."""

from __future__ import annotations

import logging

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from index.errors import CitewiseError
from rag.requests import describe_errors

log = logging.getLogger("ui.api")


class ErrorBody(BaseModel):
    error: str = Field(description="What went wrong, for a person to read.")


ERRORS = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "The request is not valid (the message says which part)."),
        (401, "A valid API key or sign-in is required."),
        (413, "The body is over the size limit."),
        (503, "The model is still loading, the store failed, or too many uploads are waiting."),
    )
}
NOT_FOUND = {404: {"model": ErrorBody, "description": "No such document (or not yours to read)."}}
MODEL_FAILED = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (502, "The language model failed (unreachable or a bad reply) where no extractive answer could be given."),
        (504, "The language model did not answer in time where no extractive answer could be given."),
    )
}


def describe_invalid(exc: RequestValidationError) -> str:
    """One line naming each invalid field (never echoing the value: it may be huge, binary, or not JSON)."""
    return describe_errors(exc.errors())


def error_body(exc: BaseException) -> dict:
    """{"error", "status"} of a failure after a streamed answer has begun (its status line is already sent): the
    error class's own status, 500 for anything unexpected (logged, its text kept in the server's log)."""
    if isinstance(exc, CitewiseError):
        return {"error": str(exc), "status": exc.http_status}
    log.exception("unexpected error in a streamed answer", exc_info=exc)
    return {"error": f"internal error ({type(exc).__name__}); see the server's log", "status": 500}
