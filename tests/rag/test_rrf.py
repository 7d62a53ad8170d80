"""Reciprocal-rank fusion (`rag.retrieval.fusion.rrf`) by its properties, over any ranked lists hypothesis draws:
what hybrid retrieval relies on when it fuses dense, keyword, title and second-hop lists, whatever the formula's
constants are tuned to."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from rag.retrieval.fusion import RankedList, rrf

POOL = [f"{doc}-{n}" for doc in "abcdef" for n in range(3)]
ranked = st.lists(st.sampled_from(POOL), unique=True, max_size=len(POOL))
weights = st.floats(min_value=0.01, max_value=10.0)
lists = st.lists(st.tuples(ranked, weights), min_size=1, max_size=5)
ks = st.integers(min_value=1, max_value=500)  # Settings.rrf_k is >= 1


def fuse(pairs, k: int) -> dict[str, float]:
    """`rrf` over (chunk ids, weight) pairs as hypothesis draws them."""
    return rrf([RankedList(tuple(ids), weight) for ids, weight in pairs], k)


def ranking(fused: dict[str, float]) -> list[str]:
    """Best first, as the retriever sorts (a stable sort: ties keep the fused order)."""
    return sorted(fused, key=lambda item: -fused[item])


@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(lists, ks)
def test_an_item_first_in_every_list_is_first_overall(ranked_lists, k):
    """Whatever else the lists hold, the chunk every retriever ranks first is the fused top chunk."""
    fused = fuse([(["top", *ids], weight) for ids, weight in ranked_lists], k)
    assert all(fused["top"] > score for item, score in fused.items() if item != "top")


@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(lists, ks, st.floats(min_value=0.01, max_value=100.0))
def test_scaling_every_weight_keeps_the_order(ranked_lists, k, c):
    """Only the weights' ratios matter: the same setting written as 1 and 0.5 or as 2 and 1 ranks alike.
    (Up to rounding: two scores equal to 1e-9 may swap.)"""
    fused = fuse(ranked_lists, k)
    scaled = fuse([(ids, weight * c) for ids, weight in ranked_lists], k)
    for a in fused:
        for b in fused:
            if fused[a] > fused[b] * (1 + 1e-9):
                assert scaled[a] > scaled[b], (a, b)


@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(lists, ranked, weights, ks)
def test_adding_a_list_never_lowers_a_score(ranked_lists, extra, weight, k):
    """A further retrieval stage (a title link, a second hop) can only add evidence for a chunk, never take
    it away; the chunks it lists gain."""
    before = fuse(ranked_lists, k)
    after = fuse([*ranked_lists, (extra, weight)], k)
    assert all(after[item] >= score for item, score in before.items())
    assert all(after[item] > before.get(item, 0.0) for item in extra)


@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(lists, ks)
def test_the_fused_items_are_exactly_the_listed_ones(ranked_lists, k):
    """An item no list holds is absent (not scored 0), and every listed item is scored."""
    fused = fuse(ranked_lists, k)
    assert set(fused) == {item for ids, _ in ranked_lists for item in ids}
    assert "not-listed" not in fused


@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(lists, ks)
def test_the_fused_order_is_the_order_of_first_appearance(ranked_lists, k):
    """Ties are broken deterministically: the fused items come in the order the lists first name them, so the
    retriever's stable sort ranks tied chunks the same way on every run and every machine."""
    fused = fuse(ranked_lists, k)
    assert list(fused) == list(dict.fromkeys(item for ids, _ in ranked_lists for item in ids))
    assert list(fuse(ranked_lists, k).items()) == list(fused.items())


def test_a_tie_goes_to_the_item_the_earlier_list_ranks_first():
    """Two chunks each first in one of two equally weighted lists tie exactly; the first list's wins."""
    assert ranking(fuse([(["a-0", "b-0"], 1.0), (["b-0", "a-0"], 1.0)], 20)) == ["a-0", "b-0"]
    assert ranking(fuse([(["b-0", "a-0"], 1.0), (["a-0", "b-0"], 1.0)], 20)) == ["b-0", "a-0"]


@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(st.lists(weights, min_size=1, max_size=5), ks, ks)
def test_a_higher_k_flattens_the_ranks(list_weights, k1, k2):
    """k is the knob between trusting the top ranks and trusting agreement between lists: as it grows, the
    score of rank 1 over the score of rank 10 shrinks towards 1."""
    low, high = sorted((k1, k2))
    ten = [f"item-{rank}" for rank in range(1, 11)]

    def ratio(k: int) -> float:
        fused = fuse([(ten, weight) for weight in list_weights], k)
        return fused["item-1"] / fused["item-10"]

    assert ratio(low) > 1.0
    assert ratio(high) < ratio(low) if high > low else ratio(high) == ratio(low)
