"""Verdicts of yes/no questions: "Yes" or "No" only when every part's evidence is checked as supporting or
contradicting the part, by the same support checker that judges every citation (rag/checking/support.py).

A part's claim (rag/questions/yesno.py `claim_of`) is checked against each cited sentence with its document's
title; names of the claim that name the document's publisher or author ("USA Today" for usatoday.com) are what
the document says of itself, so they are matched there and not looked for in the sentence. A claim is
contradicted when the checker finds that the sentence says the opposite (same words, one negated), or when
the sentence says the claim's other words with another number. A verdict states the answer outright, so a part
counts as supported only when, besides the checker's verdict, the sentence (with its title) holds every name of
the claim ("Géza von Cziffra was an Austro-Hungarian film director" does not make him an American director) and
every other meaningful word in one of its forms ("The council discussed the repairs" does not say that it
approved them). "before"/"after" between two reports is decided by the documents' dates when both are known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.checking.support import SupportChecker
from rag.stages import Verdict
from rag.text import content_terms, found_terms, numbers
from rag.text.dates import earlier
from rag.text.names import missing_name, without_names

SUPPORTS, CONTRADICTS = "supports", "contradicts"


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


def check_claim(claim: str, cited: Sequence[Evidence], checker: SupportChecker) -> PartCheck:
    """The first cited sentence that supports the claim, else the first that contradicts it."""
    return check_claims([(claim, cited)], checker)[0]


def check_claims(claims: Sequence[tuple[str, Sequence[Evidence]]], checker: SupportChecker) -> list[PartCheck]:
    """`check_claim` of each (claim, cited sentences). The parts' first cited sentences are checked together in
    one batch of the checker, then the next ones of the parts still undecided: a part its best sentence supports
    costs one sentence's check."""
    pairs = [
        [(without_sources(claim, item.sources), f"{item.sentence} {item.title}") for item in cited]
        for claim, cited in claims
    ]
    verdicts: list[list[Verdict]] = [[] for _ in claims]
    supporting: list[int | None] = [None] * len(claims)
    for rank in range(max((len(p) for p in pairs), default=0)):
        open_parts = [i for i, p in enumerate(pairs) if supporting[i] is None and rank < len(p)]
        for i, verdict in zip(open_parts, checker.check_each([pairs[i][rank] for i in open_parts]), strict=True):
            verdicts[i].append(verdict)
            if _supports(*pairs[i][rank], verdict):
                supporting[i] = rank
    checks = []
    for own, judged, found in zip(pairs, verdicts, supporting, strict=True):
        if found is not None:
            checks.append(PartCheck(SUPPORTS, found))
            continue
        contradicting = next(
            (
                i
                for i, ((claim, span), v) in enumerate(zip(own, judged, strict=True))
                if v.opposite or _other_number(claim, span, checker)
            ),
            None,
        )
        checks.append(PartCheck(CONTRADICTS, contradicting) if contradicting is not None else PartCheck(None))
    return checks


def _supports(claim: str, span: str, verdict: Verdict) -> bool:
    return verdict.supported and missing_name(claim, span) is None and unsaid_word(claim, span) is None


def unsaid_word(claim: str, span: str) -> str | None:
    """The first meaningful word of the claim (stemmed) that the span does not hold, in any of its family's forms.
    The checker weighs how much of a claim a sentence says; a verdict needs all of it ("The council discussed the
    repairs" does not say it approved them, nor that it rejected them)."""
    wanted = content_terms(claim)
    found = found_terms(wanted, set(content_terms(span)))
    return next((t for t in wanted if t not in found), None)


_NUMBER_PHRASE = re.compile(r"\d[\d,.]*(?:\s*(?:million|billion|thousand|%|percent))?", re.I)


def without_sources(claim: str, sources: tuple[str, ...]) -> str:
    def names_a_source(name: str) -> bool:
        compact = _compact(name)
        return len(compact) >= 3 and any(compact in source for source in sources)

    return without_names(claim, names_a_source)


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _other_number(claim: str, span: str, checker: SupportChecker) -> bool:
    """The span states a number where the claim states another, and supports the claim's other words."""
    claim_numbers = {round(n.value, 6) for n in numbers(claim)}
    span_numbers = {round(n.value, 6) for n in numbers(span)}
    if not claim_numbers or not span_numbers or claim_numbers <= span_numbers:
        return False
    without = " ".join(_NUMBER_PHRASE.sub(" ", claim).split())
    return bool(without) and checker.check(without, _NUMBER_PHRASE.sub(" ", span)).supported


def verdict(checks: Sequence[PartCheck], asks_order: bool = False, order: bool | None = None) -> str | None:
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
