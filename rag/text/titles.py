"""Names written in a text that are titles of documents: the links of encyclopedia-like collections."""

from __future__ import annotations

import re

from rag.text import STOPWORDS

PAREN = re.compile(r"\s*\([^)]*\)")
_NAME_PHRASE = re.compile(
    r"(?:[A-Z0-9][\w'’.\-]*|(?<=\s)(?:of|the|and|de|du|la|le|von|van|der|in|for|on)(?=\s+[A-Z]))"
    r"(?:\s+(?:[A-Z0-9][\w'’.\-]*|(?:of|the|and|de|du|la|le|von|van|der|in|for|on)(?=\s+[A-Z])))*"
)
_QUOTED = re.compile(r"[\"“]([^\"”]{2,80})[\"”]")


def normalise_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.lower()).split())


def name_phrases(text: str) -> set[str]:
    """Normalised capitalised phrases and their sub-phrases, plus quoted strings: candidate titles."""
    phrases: set[str] = set()
    for match in [*_NAME_PHRASE.finditer(text), *_QUOTED.finditer(text)]:
        tokens = normalise_title(match.group(match.lastindex or 0)).split()
        for i in range(len(tokens)):
            for j in range(i + 1, min(len(tokens), i + 8) + 1):
                phrase = " ".join(tokens[i:j])
                if len(phrase) >= 3 and phrase not in STOPWORDS:
                    phrases.add(phrase)
    return phrases
