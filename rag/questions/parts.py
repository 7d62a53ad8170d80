"""Multi-part questions: a comparison of two named things, a question about two of them at once, or two clauses
joined by while / whereas / before / after become parts, each retrieved and answered with its own evidence.

"Which is older, the Eiffel Tower or the Statue of Liberty?" -> "Which is older, the Eiffel Tower?",
"Which is older, the Statue of Liberty?"; "Were Scott Derrickson and Ed Wood of the same nationality?" ->
"Were Scott Derrickson of the same nationality?", "Were Ed Wood of the same nationality?"; "Did A report X
before B reported Y?" -> "Did A report X?", "Did B reported Y?" (the second joined by "before"). The parts are
search queries, not prose shown as they are; the answer names each part by its subject.
"""

from __future__ import annotations

import re

from rag.questions.yesno import ORDER, is_yes_no
from rag.stages import QuestionPart
from rag.text import content_terms
from rag.text.names import NAMED_THING, is_named_thing

_ALTERNATIVES = re.compile(
    rf"^(?P<head>.+?),?\s+(?:either\s+)?(?P<a>(?:the\s+)?{NAMED_THING})\s+or\s+(?P<b>(?:the\s+)?{NAMED_THING})\s*\?\s*$"
)
_PAIR = re.compile(
    rf"^(?P<head>(?i:(?:are|were|is|was|do|did|does|have|has|had)\s+(?:both\s+)?)|.*?\b(?i:both)\s+)"
    rf"(?P<a>(?:the\s+)?{NAMED_THING})\s+and\s+(?P<b>(?:the\s+)?{NAMED_THING})\s+(?P<rest>[a-z].*)$"
)
_CLAUSES = re.compile(r",?\s+\b(?:while|whereas)\b\s+", re.I)
MIN_CLAUSE_TERMS = 3
"""A clause is a part of its own only when it says enough (three meaningful words) to be searched alone."""


def split_question(question: str) -> list[QuestionPart]:
    """The parts of a multi-part question; one part (the question itself) otherwise."""
    text = question.strip()
    alternatives = _ALTERNATIVES.match(text)
    if alternatives and is_named_thing(alternatives["a"]) and is_named_thing(alternatives["b"]):
        head = alternatives["head"].rstrip(",")
        return [QuestionPart(f"{head}, {alternatives[x]}?", alternatives[x]) for x in ("a", "b")]
    pair = _PAIR.match(text)
    if pair and is_named_thing(pair["a"]) and is_named_thing(pair["b"]):
        head = re.sub(r"\bboth\s+$", "", pair["head"], flags=re.I)
        rest = re.sub(r"^both\s+", "", pair["rest"], flags=re.I)
        return [QuestionPart(f"{head}{pair[x]} {rest}".strip(), pair[x]) for x in ("a", "b")]
    if is_yes_no(text):
        pieces = ORDER.split(text)  # [first, relation, second] for "Did A happen before B happened?"
        if len(pieces) == 3 and all(len(set(content_terms(c))) >= MIN_CLAUSE_TERMS for c in pieces[::2]):
            first, relation, second = (p.strip(" ,?") for p in pieces)
            second_question = f"{text.split()[0]} {second}?"
            subject = first.split(maxsplit=1)[1]  # without its auxiliary verb
            return [QuestionPart(first + "?", subject), QuestionPart(second_question, second, relation.lower())]
    clauses = [c.strip(" ,") for c in _CLAUSES.split(text)]
    if len(clauses) == 2 and all(len(set(content_terms(c))) >= MIN_CLAUSE_TERMS for c in clauses):
        first, second = clauses
        return [QuestionPart(first.rstrip("?") + "?", first.rstrip("?")), QuestionPart(second, second.rstrip("?"))]
    return [QuestionPart(text, text)]
