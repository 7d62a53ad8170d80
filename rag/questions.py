"""What a question is: checks before any work is done (one clear message each), and the kind of answer it asks
for, the one place that decides it for answering, short answers, conflicts and abstention."""

from __future__ import annotations

import re

from .errors import QuestionError

_WH = re.compile(
    r"\b(?P<kind>how (?:many|much|long|far|old|big|large|tall|soon)|who|whom|whose|what|which|when|where)\b", re.I
)


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
    for turn in history or []:
        if not (isinstance(turn, (list, tuple)) and len(turn) == 2 and all(isinstance(t, str) for t in turn)):
            raise QuestionError("each turn of the history must be a (question, answer) pair of texts")
        try:
            turn[0].encode("utf-8"), turn[1].encode("utf-8")
        except UnicodeEncodeError:
            raise QuestionError("the history is not valid Unicode text (it holds an unpaired surrogate)") from None
        turns.append((turn[0], turn[1]))
    return turns


def question_kind(question: str) -> str | None:
    """quantity, time, person, place or thing for a wh-question; None for yes/no and open questions."""
    match = _WH.search(question)
    if match is None:
        return None
    word = match.group("kind").lower()
    after = question[match.end() : match.end() + 30].lower()
    if word.startswith("how"):
        return "quantity" if word != "how soon" else "time"
    if word == "when" or re.match(r"\s+(year|date|day|month|time)\b", after):
        return "time"
    if word in ("who", "whom", "whose") or re.match(r"\s+(person|man|woman|player|actor|company)\b", after):
        return "person"
    if word == "where":
        return "place"
    if re.match(r"\s+(number|percentage|amount|share)\b", after):
        return "quantity"
    if word == "what" and re.match(r"\s+(is|was|are|were)\s+(the\s+)?(reason|cause|purpose)\b", after):
        return None  # why-questions in disguise: the sentence is the answer
    return "thing"
