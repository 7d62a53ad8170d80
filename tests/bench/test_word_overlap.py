"""bench/word_overlap.py, the retired rules the support checker is measured against: one edge case per test;
numbers, names and negation are never waved through."""

from __future__ import annotations

from bench import word_overlap as rules

THRESHOLD = 0.5
"""The share of a claim's weighted words the rules are checked at here (as bench/verify.py measures them)."""


def verify(sentence: str, span: str):
    return rules.verify(sentence, span, THRESHOLD)


def best_support(sentence: str, candidates):
    return rules.best_support(sentence, candidates, THRESHOLD)


SPAN = (
    "On Wednesday, Putin ordered Russia's first mobilization since the Second World War, following which "
    "the country's defense minister said the partial mobilization would lead to the call-up of 300,000 reserves."
)


def test_verbatim_quote_is_supported():
    assert verify(SPAN, SPAN).supported and verify(SPAN, SPAN).score == 1.0


def test_markers_are_ignored():
    assert verify("Putin ordered Russia's first mobilization since the Second World War [1].", SPAN).supported


def test_light_rewording_is_supported():
    claim = "The defense minister said the partial mobilization would call up 300,000 reserves."
    assert verify(claim, SPAN).supported


def test_changed_number_is_caught():
    verdict = verify("The partial mobilization would lead to the call-up of 200,000 reserves.", SPAN)
    assert not verdict.supported and "200,000" in verdict.reason


def test_changed_name_is_caught():
    verdict = verify("On Wednesday, Medvedev ordered Russia's first mobilization since the Second World War.", SPAN)
    assert not verdict.supported and "medvedev" in verdict.reason


def test_negation_is_caught():
    assert not verify("Putin did not order a mobilization.", "Putin ordered a mobilization.").supported


def test_unrelated_sentence_is_not_supported():
    assert not verify("Protesters chanted slogans in St Petersburg streets.", SPAN).supported


def test_empty_sentence():
    assert not verify("  [1] ", SPAN).supported


def test_best_support_picks_the_right_sentence():
    candidates = [(0, 10, "Cats sleep a lot."), (11, 40, "Putin ordered the mobilization on Wednesday.")]
    (start, _end, _text), verdict = best_support("Putin ordered the mobilization.", candidates)
    assert start == 11 and verdict.supported


def test_negation_inside_a_parenthetical_clause_does_not_flip_the_main_clause():
    span = "The plan, although not popular, raised taxes by 5%."
    assert verify("The plan raised taxes by 5%.", span).supported
    assert not verify("The plan did not raise taxes by 5%.", span).supported
    assert not verify(
        "The plan raised taxes by 5%.", "The plan, which was popular, did not raise taxes by 5%."
    ).supported
