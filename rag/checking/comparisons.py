"""Verdicts of "the same" questions ("Are Nantong and Jingdezhen in the same province?"): each part's evidence is
searched, in the order it is cited, for the first sentence about the part's subject that names a thing of the
compared kind ("Jiangsu province", "the province of Jiangsu", "the band Alphaville"); "Yes" when both parts
name the same one, "No" when they name two different ones, and no verdict when a part names none. The kind is
the question's own word, never a synonym ("group" does not answer "band"), and a sentence naming two things of
the kind decides nothing: a verdict states the answer outright, so it is only given on explicit evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.text import stem, words

_NAME = r"[A-Z][\w'’\-]*(?:\s+(?:of\s+|de\s+)?[A-Z][\w'’\-]*)*"
_LEADING_ARTICLE = re.compile(r"^(?:The|A|An)\s+")


@dataclass(frozen=True)
class Comparison:
    verdict: str | None
    """'Yes', 'No', or None when a part's evidence names no thing of the kind."""
    deciding: tuple[int | None, ...]
    """Per part, the index of its evidence sentence that names the value (None: none does)."""
    values: tuple[str | None, ...]
    """Per part, the value as written ("Jiangsu")."""


def stated_value(kind: str, sentence: str) -> str | None:
    """The one name the sentence gives a thing of `kind` (the word as asked, singular), or None when it gives none
    or several: "a city in Jiangsu province", "the province of Jiangsu", "the band Alphaville"."""
    word = rf"(?i:{re.escape(kind)})"
    named = (
        m["value"]
        for pattern in (rf"(?P<value>{_NAME})\s+{word}\b", rf"\b{word}\s+(?:of\s+)?(?P<value>{_NAME})")
        for m in re.finditer(pattern, sentence)
    )
    values = {v.lower(): v for v in (_LEADING_ARTICLE.sub("", n) for n in named) if v.lower() != kind.lower()}
    return next(iter(values.values())) if len(values) == 1 else None


def about(subject: str, sentence: str, title: str) -> bool:
    """The sentence, or its document's title, names the subject (each of its meaningful words)."""
    wanted = {stem(w) for w in words(subject) if w[:1].isupper()}
    held = {stem(w) for w in words(f"{sentence} {title}")}
    return bool(wanted) and wanted <= held


def compare(kind: str, subjects: Sequence[str], evidence: Sequence[Sequence[tuple[str, str]]]) -> Comparison:
    """Each part's first (sentence, title) about its subject that states a value of `kind`, and the verdict."""
    deciding: list[int | None] = []
    values: list[str | None] = []
    for subject, sentences in zip(subjects, evidence, strict=True):
        found = next(
            (
                (i, value)
                for i, (sentence, title) in enumerate(sentences)
                if about(subject, sentence, title) and (value := stated_value(kind, sentence))
            ),
            (None, None),
        )
        deciding.append(found[0])
        values.append(found[1])
    if len(values) < 2 or any(v is None for v in values):
        return Comparison(None, tuple(deciding), tuple(values))
    same = len({v.lower() for v in values if v}) == 1
    return Comparison("Yes" if same else "No", tuple(deciding), tuple(values))
