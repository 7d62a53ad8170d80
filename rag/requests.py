"""One request model per operation: what `ask` and `search` take, whichever door the caller comes through
(Python, command line, REST, MCP).

A refused field gives the same `QuestionError` message at every door: where Citewise has its own check (the
question, the history, the filters, the mode) the validator runs that check and its `QuestionError` passes through
pydantic unchanged; pydantic's own refusals (a k out of range, a list where text belongs) become one
`QuestionError` naming each field in `build`. The question's length limit is a setting of the store, so
`Assistant` checks it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rag.errors import QuestionError
from rag.questions.checks import check_history, check_question
from rag.retrieval.filters import Filters

MAX_ASK_K = 50
"""Most passages an answer reads (the bound of the `top_k` setting)."""
MAX_SEARCH_K = 100
"""Most passages a search returns."""
MODES = ("extractive", "llm")

Request = TypeVar("Request", bound=BaseModel)


class FilterFields(BaseModel):
    """Metadata filters: a document must match every given field. Unknown names and unreadable dates are refused
    with a `QuestionError`; empty values are ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = Field(default=None, description="Only documents whose title contains this text (any case).")
    source: str | None = Field(
        default=None,
        description="Only documents whose publisher (site, outlet) or file path contains this text (any case).",
    )
    author: str | None = Field(default=None, description="Only documents whose author contains this text (any case).")
    after: str | None = Field(
        default=None,
        description="Only documents dated on or after this day, YYYY-MM-DD (inclusive; undated documents are left "
        "out).",
    )
    before: str | None = Field(
        default=None,
        description="Only documents dated on or before this day, YYYY-MM-DD (inclusive; undated documents are left "
        "out).",
    )

    @model_validator(mode="before")
    @classmethod
    def _parsed(cls, value: Any) -> Any:
        """Filters.parse's checks and normalisation (dates to YYYY-MM-DD, text stripped, empty values dropped)."""
        if isinstance(value, FilterFields):
            return value
        if isinstance(value, Filters):
            value = asdict(value)
        if not isinstance(value, Mapping):
            return value  # pydantic refuses it: "Input should be a valid dictionary"
        parsed = Filters.parse(dict(value))
        return {} if parsed is None else {name: text for name, text in asdict(parsed).items() if text is not None}

    def parsed(self) -> Filters | None:
        """As `rag.retrieval.filters.Filters`, or None when no field is given."""
        given = self.model_dump(exclude_none=True)
        return Filters(**given) if given else None


class _Scoped(BaseModel):
    """The documents an operation may use: `documents` (ids) and the documents `filters` match."""

    model_config = ConfigDict(frozen=True)

    documents: list[str] | None = Field(
        default=None, description="Only these document ids (with `filters`: those of them that match)."
    )
    filters: FilterFields | None = Field(default=None, description="Only documents whose metadata match these.")

    @field_validator("filters", mode="after")
    @classmethod
    def _no_empty_filters(cls, value: FilterFields | None) -> FilterFields | None:
        return value if value is not None and value.parsed() is not None else None


class AskRequest(_Scoped):
    """A question to answer with citations (`Assistant.ask`, `Assistant.stream`, POST /api/v1/ask, MCP `ask`)."""

    question: str = Field(
        description="The question, plain text; surrounding whitespace is dropped. Empty or over the store's "
        "`max_question_chars` (default 2,000 characters) is refused."
    )
    history: list[tuple[str, str]] = Field(
        default_factory=list,
        description="Earlier turns of the conversation as [question, answer text] pairs, oldest first; a "
        "follow-up question is understood from them.",
    )
    k: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ASK_K,
        description=f"Passages the answer is read from, 1 to {MAX_ASK_K} (default: the `top_k` setting, 5).",
    )
    mode: Literal["extractive", "llm"] | None = Field(
        default=None,
        description='"extractive" quotes the documents; "llm" has the configured chat model write the answer, '
        "then checks each cited sentence. Default: llm when a chat model is configured, else extractive.",
    )

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, value: Any) -> str:
        return check_question(value, sys.maxsize)  # the store's limit: Assistant checks it against its settings

    @field_validator("history", mode="before")
    @classmethod
    def _history(cls, value: Any) -> list[tuple[str, str]]:
        return check_history(value)

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Any:
        if value is not None and value not in MODES:
            raise QuestionError(f"mode must be 'extractive' or 'llm', got {value!r}")
        return value


class SearchRequest(_Scoped):
    """A search for passages, without an answer (`Assistant.search`, GET /api/v1/search, MCP `search`)."""

    query: str = Field(
        description="What to look for, plain text; empty or over the store's `max_question_chars` is refused."
    )
    k: int | None = Field(
        default=None,
        ge=1,
        le=MAX_SEARCH_K,
        description=f"Passages returned, best first, 1 to {MAX_SEARCH_K} (default: the `top_k` setting, 5).",
    )

    @field_validator("query", mode="before")
    @classmethod
    def _query(cls, value: Any) -> str:
        return check_question(value, sys.maxsize)


def build(model: type[Request], **fields: Any) -> Request:
    """The request from its fields, or a `QuestionError`: Citewise's own message for a field it checks, one line
    naming each field pydantic refused otherwise."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise QuestionError(describe_errors(exc.errors())) from None


def describe_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """'invalid request: k: Input should be less than or equal to 50; ...' (at most five fields; never the
    value, which may be huge or binary)."""
    problems = []
    for error in list(errors)[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(problems)
