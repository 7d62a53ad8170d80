"""Words, stems and stop words for answering, checking and the question's features: `index.terms`, the tokenizer
the keyword index uses, so `content_terms(text)` are exactly the terms the index holds for the text."""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterable

from index.terms import STOPWORDS, stem, words
from index.terms import terms as content_terms

__all__ = [
    "MIN_FAMILY_STEM",
    "QUESTION_WORDS",
    "STOPWORDS",
    "content_terms",
    "found_terms",
    "normalize_answer",
    "related",
    "stem",
    "words",
]

QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())
"""The words that open a question (all of them stop words)."""

MIN_FAMILY_STEM = 5


def related(a: str, b: str) -> bool:
    """Stems of one word family ("reserv" of reserves, "reservist"): equal, or one extends the other."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_FAMILY_STEM and long.startswith(short)


def found_terms(wanted: Iterable[str], terms: Collection[str]) -> frozenset[str]:
    """The `wanted` terms found among `terms`, counting word-family matches (`related`)."""
    stems = [u for u in terms if len(u) >= MIN_FAMILY_STEM]  # shorter words match only exactly
    return frozenset(
        t for t in wanted if t in terms or (len(t) >= MIN_FAMILY_STEM and any(related(t, u) for u in stems))
    )


_NO_PUNCTUATION = str.maketrans("", "", string.punctuation + "’‘“”")


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().translate(_NO_PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())
