"""Negation: one word list, read in the main clause; the claim without it is compared with its opposite."""

from __future__ import annotations

import pytest

from rag.text.negation import negated, without_negation


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The crew did not abandon the wheelhouse.", True),
        ("The crew didn’t abandon the wheelhouse.", True),
        ("Nobody was hurt.", True),
        ("They left without the keys.", True),
        ("The crew abandoned the wheelhouse.", False),
        ("The plan, although not popular, raised taxes.", False),  # the negation is the aside's own
        ("Notably, the plan raised taxes.", False),  # "not" inside a word negates nothing
    ],
)
def test_negated_main_clause(text, expected):
    assert negated(text) is expected


def test_without_negation_leaves_the_claim():
    assert without_negation("The crew did not abandon it").split() == "The crew did abandon it".split()
    assert without_negation("It wasn't never there").split() == "It was there".split()
