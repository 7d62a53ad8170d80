"""The kind of answer a question asks for: the one place that decides it for answering, short answers,
conflicts and abstention."""

from __future__ import annotations

import re

_WH = re.compile(
    r"\b(?P<kind>how (?:many|much|long|far|old|big|large|tall|soon)|who|whom|whose|what|which|when|where)\b", re.I
)


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
