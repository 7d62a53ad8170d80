"""Negation: the one list of words that negate, whether a text's main clause is negated, and the text without
them (to compare a claim with its opposite: "did not abandon" against "abandoned")."""

from __future__ import annotations

import re

from rag.text.tokens import words

NEGATIONS = frozenset({"not", "no", "never", "none", "neither", "nor", "nobody", "nothing", "without"})
"""Words that negate; "n't" ("didn't", "don’t") negates too."""
_ASIDE = re.compile(r",\s*(?:although|though|even though|while|whereas|which|who|whom|despite)\b[^,]*,", re.I)
"""A clause set off by commas ("The plan, although not popular, raised taxes"): its negation is its own."""
_NEGATION = re.compile(rf"\b(?:{'|'.join(sorted(NEGATIONS))})\b|n['’]t\b", re.I)


def negated(text: str) -> bool:
    """Negation in the main clause, not in an aside."""
    lowered = _ASIDE.sub(" ", text).lower().replace("’", "'")
    return bool({w for w in words(lowered)} & NEGATIONS) or "n't" in lowered


def without_negation(text: str) -> str:
    """The text with its negating words taken out ("did not abandon" -> "did   abandon")."""
    return _NEGATION.sub(" ", text)
