"""Names: capitalised words as a cheap stand-in for named entities."""

from __future__ import annotations

from rag.text.tokens import STOPWORDS, words


def proper_names(text: str) -> set[str]:
    """Capitalised words that are not sentence-initial function words: a cheap stand-in for named entities."""
    names = set()
    tokens = words(text)
    for index, token in enumerate(tokens):
        capitalised = token[:1].isupper() or any(c.isupper() for c in token[1:])  # "Putin", "iPhone"
        if capitalised and token.lower() not in STOPWORDS and (index > 0 or len(token) > 1):
            names.add(token.lower().strip(".'’"))
    return names
