"""Follow-up questions ("And who ordered it?") resolved against the conversation before retrieval."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text import content_terms

_CONNECTIVE = re.compile(r"^\s*(and|but|also|so|what about|how about|and what|then)\b", re.I)
_PERSONAL = re.compile(r"\b(it|its|they|them|their|theirs|he|him|his|she|her|hers)\b", re.I)
_DEMONSTRATIVE = re.compile(r"\b(that|this|those|these|there|then|the same|such)\b", re.I)
MAX_FOLLOWUP_WORDS = 14
MAX_OWN_TERMS = 3
"""A question with more meaningful words than this says what it is about: its "that" is a relative pronoun
("the film that won the 1998 Oscar"), not a pointer into the conversation ("Why did that happen?")."""

History = Sequence[tuple[str, str]]


def is_followup(question: str) -> bool:
    if len(question.split()) > MAX_FOLLOWUP_WORDS:
        return False
    if _CONNECTIVE.search(question) or _PERSONAL.search(question):
        return True
    return bool(_DEMONSTRATIVE.search(question)) and len(set(content_terms(question))) <= MAX_OWN_TERMS


def condense(question: str, history: History | None) -> tuple[str, str]:
    """(query to retrieve with, earlier question the answer should also match), for the extractive path.

    Without a language model the follow-up is not rewritten word by word; it is searched together with the
    question it follows, which is what brings back the passages the pronouns point to.
    """
    if not history or not is_followup(question):
        return question, ""
    previous = history[-1][0].strip()
    return f"{question} {previous}", previous
