"""Checks of a question and its history before any work is done, one clear message each."""

from __future__ import annotations

from rag.errors import QuestionError


def check_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        raise QuestionError("the question is not valid Unicode text (it holds an unpaired surrogate)") from None
    if "\x00" in question or sum(1 for ch in question if ord(ch) < 32 and ch not in "\n\t\r") > 0:
        raise QuestionError("the question contains binary control characters; send plain text")
    stripped = question.strip()
    if not stripped:
        raise QuestionError("the question is empty")
    if len(stripped) > max_chars:
        raise QuestionError(f"the question is {len(stripped):,} characters long; the limit is {max_chars:,}")
    return stripped


def check_history(history: object) -> list[tuple[str, str]]:
    """Earlier turns as (question, answer) pairs of valid text."""
    turns = []
    if history is not None and not isinstance(history, (list, tuple)):
        raise QuestionError("the history must be a list of (question, answer) pairs")
    for turn in history or []:
        if not (isinstance(turn, (list, tuple)) and len(turn) == 2 and all(isinstance(t, str) for t in turn)):
            raise QuestionError("each turn of the history must be a (question, answer) pair of texts")
        try:
            turn[0].encode("utf-8"), turn[1].encode("utf-8")
        except UnicodeEncodeError:
            raise QuestionError("the history is not valid Unicode text (it holds an unpaired surrogate)") from None
        turns.append((turn[0], turn[1]))
    return turns
