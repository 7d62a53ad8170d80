"""Yes/no questions: which questions are (an auxiliary verb first, no alternatives), which relate their parts
("the same", "more than": no single sentence checks a relation), and the claim each asks about: the question
without its auxiliary verb and the words that only say someone reported it ("Did the Tribune report that the
bridge closed?" -> "the Tribune that the bridge closed"). The verdict is rag/checking/verdicts.py's."""

from __future__ import annotations

import re

from rag.text import stem

AUXILIARIES = frozenset(
    "is are was were do does did has have had can could will would should shall may might must".split()
)
_ATTRIBUTION = frozenset(
    stem(w)
    for w in """article articles report reported reports reporting suggest suggests suggested suggesting indicate
    indicates indicated indicating say says said state states stated claim claims claimed mention mentions
    mentioned write writes wrote written publish published according news story piece coverage source""".split()
)
"""Words naming the act of reporting, not what was reported: the cited sentence does not repeat them."""
_RELATION = re.compile(
    r"\b(same|different|differ|differs|neither|more|less|fewer|than|older|younger|larger|smaller|"
    r"bigger|higher|lower|longer|shorter|consistent|inconsistent|compared?|similar)\b",
    re.I,
)
ORDER = re.compile(r",?\s+\b(before|after)\b\s+", re.I)


def is_yes_no(question: str) -> bool:
    """A question opening with an auxiliary verb ("Did ...", "Is ...") and offering no alternatives."""
    tokens = question.strip().split(maxsplit=1)
    return bool(tokens) and tokens[0].lower() in AUXILIARIES and not re.search(r"\bor\b", question, re.I)


def relates_parts(question: str) -> bool:
    """The question asks how things relate (same, more than ...), which no single cited sentence settles."""
    return bool(_RELATION.search(question))


_SAME_KIND = re.compile(r"\bthe\s+same\s+([a-z]+)\b", re.I)


def compared_kind(question: str) -> str:
    """The kind of thing a yes/no question asks two things to share ("Are A and B in the same province?" ->
    "province"), when that is the only relation it asks; empty otherwise."""
    found = _SAME_KIND.search(question)
    if not found or not is_yes_no(question) or relates_parts(_SAME_KIND.sub(" ", question)):
        return ""
    return found.group(1).lower()


def claim_of(question: str) -> str:
    """The statement a yes/no question asks about: without its auxiliary verb, question mark and the words
    that only say someone reported it."""
    text = question.strip().rstrip("?").strip()
    first, _, rest = text.partition(" ")
    if first.lower() in AUXILIARIES:
        text = rest
    kept = [w for w in re.findall(r"\S+", text) if stem(w.strip(".,;:'\"“”‘’")) not in _ATTRIBUTION]
    return " ".join(kept)
