"""Follow-up questions ("And who ordered it?") resolved against the conversation before retrieval."""

from __future__ import annotations

import re
from collections.abc import Sequence

_FOLLOWUP = re.compile(
    r"^\s*(and|but|also|so|what about|how about|and what|then)\b|\b(it|its|they|them|their|theirs|he|him|his|she|"
    r"her|hers|that|this|those|these|there|then|the same|such)\b",
    re.I,
)
MAX_FOLLOWUP_WORDS = 14

History = Sequence[tuple[str, str]]


def is_followup(question: str) -> bool:
    return len(question.split()) <= MAX_FOLLOWUP_WORDS and bool(_FOLLOWUP.search(question))


def condense(question: str, history: History | None) -> tuple[str, str]:
    """(query to retrieve with, earlier question the answer should also match), for the extractive path.

    Without a language model the follow-up is not rewritten word by word; it is searched together with the
    question it follows, which is what brings back the passages the pronouns point to.
    """
    if not history or not is_followup(question):
        return question, ""
    previous = history[-1][0].strip()
    return f"{question} {previous}", previous
