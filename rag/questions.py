"""Checks on a question before any work is done, with one clear message each."""

from __future__ import annotations

from .errors import QuestionError


def check_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    if "\x00" in question or sum(1 for ch in question if ord(ch) < 32 and ch not in "\n\t\r") > 0:
        raise QuestionError("the question contains binary control characters; send plain text")
    stripped = question.strip()
    if not stripped:
        raise QuestionError("the question is empty")
    if len(stripped) > max_chars:
        raise QuestionError(f"the question is {len(stripped):,} characters long; the limit is {max_chars:,}")
    return stripped
