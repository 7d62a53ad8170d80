"""Yes/no questions: "Yes" or "No" only when every part's evidence is checked as supporting or contradicting
the part, and the evidence itself either way.

A part's claim is the question without its auxiliary verb ("Did the Tribune report that the bridge closed?"
-> "the Tribune report that the bridge closed"); words that say who reported it are checked against the
cited document's title, publisher and author instead of its text. A claim is supported when the checker
(rag/verify.py) finds it in one cited sentence; contradicted when the sentence says the same words but negates
them, or gives another number for the same thing. Questions that relate their parts ("the same", "more than")
get no verdict, since no single sentence checks a relation; "before"/"after" between two reports is decided
by the documents' dates when both are known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.checking.verify import verify
from rag.text import content_terms, numbers, stem
from rag.text.dates import earlier
from rag.text.names import without_names
from rag.text.negation import negated, without_negation

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
SUPPORTS, CONTRADICTS = "supports", "contradicts"


def is_yes_no(question: str) -> bool:
    """A question opening with an auxiliary verb ("Did ...", "Is ...") and offering no alternatives."""
    tokens = question.strip().split(maxsplit=1)
    return bool(tokens) and tokens[0].lower() in AUXILIARIES and not re.search(r"\bor\b", question, re.I)


def relates_parts(question: str) -> bool:
    """The question asks how things relate (same, more than ...), which no single cited sentence settles."""
    return bool(_RELATION.search(question))


def claim_of(question: str) -> str:
    """The statement a yes/no question asks about: without its auxiliary verb, question mark and the words
    that only say someone reported it."""
    text = question.strip().rstrip("?").strip()
    first, _, rest = text.partition(" ")
    if first.lower() in AUXILIARIES:
        text = rest
    kept = [w for w in re.findall(r"\S+", text) if stem(w.strip(".,;:'\"“”‘’")) not in _ATTRIBUTION]
    return " ".join(kept)


@dataclass(frozen=True)
class PartCheck:
    outcome: str | None
    """'supports', 'contradicts', or None when the evidence does neither."""
    sentence: int | None = None
    """Index of the evidence sentence that decided it."""


@dataclass(frozen=True)
class Evidence:
    """One cited sentence and what its document says of itself."""

    sentence: str
    title: str = ""
    sources: tuple[str, ...] = ()
    """Its publisher and authors, lower case without spaces or punctuation ("usatodaycom", "mirabrook"): a
    claim's name of them is found inside one ("USA Today" -> "usatoday")."""


def evidence(sentence: str, title: str = "", publisher: str | None = None, author: str | None = None) -> Evidence:
    names = [publisher, *re.split(r"[,;&]| and ", author or "")]
    return Evidence(sentence, title, tuple(c for c in (_compact(n) for n in names if n) if len(c) >= 3))


def check_claim(claim: str, cited: list[Evidence], threshold: float) -> PartCheck:
    """The first cited sentence that supports the claim, else the first that contradicts it. Names in the
    claim that name the sentence's publisher or author ("USA Today" for usatoday.com) are what its document
    says of itself, so they are matched there and not looked for in the sentence."""
    contradiction = None
    for index, item in enumerate(cited):
        own_claim = without_sources(claim, item.sources)
        span = f"{item.sentence} {item.title}"
        if negated(own_claim) == negated(item.sentence) and verify(own_claim, span, threshold).supported:
            return PartCheck(SUPPORTS, index)
        if contradiction is None and _contradicts(own_claim, span, threshold):
            contradiction = index
    return PartCheck(CONTRADICTS, contradiction) if contradiction is not None else PartCheck(None)


def without_sources(claim: str, sources: tuple[str, ...]) -> str:
    def names_a_source(name: str) -> bool:
        compact = _compact(name)
        return len(compact) >= 3 and any(compact in source for source in sources)

    return without_names(claim, names_a_source)


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _contradicts(claim: str, span: str, threshold: float) -> bool:
    """Same words, opposite polarity; or same words with a different number where the claim states one."""
    if negated(claim) != negated(span) and verify(without_negation(claim), without_negation(span), threshold).supported:
        return True
    claim_numbers = {round(n.value, 6) for n in numbers(claim)}
    span_numbers = {round(n.value, 6) for n in numbers(span)}
    if not claim_numbers or not span_numbers or claim_numbers <= span_numbers:
        return False
    without = _NUMBER_WORDS.sub(" ", claim)
    return bool(content_terms(without)) and verify(without, _NUMBER_WORDS.sub(" ", span), threshold).score >= 0.8


_NUMBER_WORDS = re.compile(r"\d[\d,.]*(?:\s*(?:million|billion|thousand|%|percent))?", re.I)


def verdict(checks: list[PartCheck], asks_order: bool = False, order: bool | None = None) -> str | None:
    """'Yes' when every part is supported (and, when the question asks before/after, the order holds); 'No'
    when every part was checked and one is contradicted, or the order is the reverse; None otherwise."""
    if not checks or any(c.outcome is None for c in checks):
        return None
    if any(c.outcome == CONTRADICTS for c in checks):
        return "No"
    if asks_order:
        return None if order is None else ("Yes" if order else "No")
    return "Yes"


def order_holds(relation: str, first_date: str | None, second_date: str | None) -> bool | None:
    """Whether the first part's document is dated before (or after) the second's; None when a date is unknown
    or they share a day."""
    first_is_earlier = earlier(first_date, second_date)
    if first_is_earlier is None:
        return None
    return first_is_earlier if relation == "before" else not first_is_earlier
