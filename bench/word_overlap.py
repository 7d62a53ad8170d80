"""The old word-overlap rules, retired from production (every citation, verdict and conflict is now judged by the
support checker, rag/checking/support.py): kept as the baseline bench/verify.py and bench/support.py compare the
checker with. Does a cited span support a sentence? A transparent lexical check, strict on numbers, names and
negation.

A sentence is supported when its meaningful words are found in the span (stemmed, weighted: names and
numbers count double), every number it states is stated there too, every name it uses appears there, and
it does not negate what the span affirms (or the reverse). Changing "300,000" to "200,000" or one name for
another therefore always fails, which is what matters most for a citation.
"""

from __future__ import annotations

from collections import Counter

from rag.stages import Verdict
from rag.text import content_terms, normalize_answer, numbers, proper_names, stem, words
from rag.text.names import name_runs
from rag.text.negation import negated

_STRONG = 2.0


def verify(sentence: str, span: str, threshold: float) -> Verdict:
    """Check one (sentence, cited span) pair: supported when no hard check fails and at least `threshold` (0..1) of
    its weighted words are in the span (the retired yes/no checks asked for all of them)."""
    claim = _strip_markers(sentence)
    if not claim.strip():
        return Verdict(False, 0.0, "empty sentence")
    if normalize_answer(claim) and normalize_answer(claim) in normalize_answer(span):
        return Verdict(True, 1.0, "quoted")
    span_numbers = Counter(round(n.value, 6) for n in numbers(span))
    claim_numbers = Counter()
    for number in numbers(claim):
        value = round(number.value, 6)
        claim_numbers[value] += 1
        if claim_numbers[value] > span_numbers[value]:
            return Verdict(False, 0.0, f"the number {number.written} is not in the cited text")
    span_words = {w.lower().strip(".'’") for w in words(span)}
    span_stems = {stem(w) for w in span_words}
    for name in proper_names(claim):
        if name not in span_words and stem(name) not in span_stems:
            return Verdict(False, 0.0, f"the name {name!r} is not in the cited text")
    flat_span = " ".join(w.lower() for w in words(span))
    for phrase in name_runs(claim):
        if phrase not in flat_span:
            return Verdict(False, 0.0, f"the name {phrase!r} is not in the cited text")
    if negated(claim) != negated(span):
        return Verdict(False, 0.0, "one of them is negated, the other is not")
    terms = content_terms(claim)
    if not terms:
        return Verdict(False, 0.0, "the sentence says nothing checkable")
    strong = {stem(n) for n in proper_names(claim)} | {stem(w) for w in words(claim) if any(c.isdigit() for c in w)}
    total = covered = 0.0
    for term in dict.fromkeys(terms):
        weight = _STRONG if term in strong else 1.0
        total += weight
        covered += weight if term in span_stems else 0.0
    score = covered / total
    if score >= threshold:
        return Verdict(True, score, "")
    return Verdict(False, score, f"only {score:.0%} of the sentence is found in the cited text")


def best_support(sentence: str, candidates: list[tuple[int, int, str]], threshold: float):
    """The candidate span (start, end, text) that supports the sentence best, with its verdict."""
    best = None
    for start, end, text in candidates:
        verdict = verify(sentence, text, threshold)
        if best is None or verdict.score > best[1].score:
            best = ((start, end, text), verdict)
    return best


def _strip_markers(sentence: str) -> str:
    from rag.checking.citations import MARKER

    return MARKER.sub("", sentence)
