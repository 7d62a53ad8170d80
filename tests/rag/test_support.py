"""The learned support checker: its features move the way a reader's judgement does, and the shipped model
(fitted by bench/support.py on human judgements) ranks a supporting citation above a wrong one."""

from __future__ import annotations

import re

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from helpers.fakes import HashingEmbeddings
from rag.checking.support import FEATURE_NAMES, SupportFeatures, load_support_model, support_features
from rag.settings import CheckSettings

CITED = (
    "The Larkfield lighthouse was lit for the first time on 12 March 1871. It stands 41 metres tall. "
    "Its keeper, Ada Brook, kept the lamp burning through the storm of 1890."
)


def test_the_shipped_model_reads_exactly_the_current_features():
    """A feature added, dropped or renamed in `SupportFeatures` without refitting (python -m bench.support
    --write) would pair weights with the wrong evidence."""
    assert load_support_model().names == FEATURE_NAMES


@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(
    st.fixed_dictionaries(
        {name: st.floats(min_value=-1.0, max_value=1.0) for name in FEATURE_NAMES}
        | {"claim_terms": st.floats(min_value=0.0, max_value=6.0)}  # log(1 + words): up to ~400 words
    )
)
def test_p_supported_is_a_probability_strictly_between_0_and_1(values):
    """The checker compares it with a threshold and shows it as the citation's score in [0, 1]."""
    assert 0.0 < load_support_model().probability(SupportFeatures(**values)) < 1.0


SENTENCES = [
    "The Larkfield lighthouse was lit for the first time on 12 March 1871.",
    "It stands 41 metres tall.",
    "Its keeper, Ada Brook, kept the lamp burning through the storm of 1890.",
]
HASHING = HashingEmbeddings()  # deterministic word-piece vectors: the token features without the real model


@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(st.sampled_from(SENTENCES), st.data())
def test_a_quoted_claim_is_more_likely_supported_than_the_same_claim_with_a_changed_number(sentence, data):
    """The model itself, before any hard check, ranks the claim the text states above the claim with one of
    its numbers changed, whatever the new number is (one the text states elsewhere too)."""
    stated = re.findall(r"\d+", sentence)
    old = data.draw(st.sampled_from(stated))
    new = data.draw(st.integers(min_value=0, max_value=3000).map(str).filter(lambda n: n not in stated))
    changed = re.sub(rf"\b{old}\b", new, sentence)
    model = load_support_model()
    quoted = model.probability(support_features(sentence, CITED, HASHING.encode_tokens))
    assert quoted > model.probability(support_features(changed, CITED, HASHING.encode_tokens))


SAME = "The lighthouse was lit on 12 March 1871."


def test_a_number_the_cited_text_does_not_state_lowers_numbers_found():
    """A changed year is the commonest wrong citation; the feature must see it."""
    assert support_features(SAME, CITED, None).numbers_found == 1.0
    assert support_features("The lighthouse was lit on 12 March 1872.", CITED, None).numbers_found < 1.0


def test_a_name_the_cited_text_does_not_hold_lowers_names_found():
    """A swapped person is a wrong citation however similar the rest of the sentence is."""
    assert support_features("Its keeper, Ada Brook, kept the lamp burning.", CITED, None).names_found == 1.0
    assert support_features("Its keeper, Tom Reed, kept the lamp burning.", CITED, None).names_found < 1.0


def test_a_negated_claim_of_an_affirmative_sentence_disagrees_in_negation():
    """ "did not keep" is the opposite of "kept", though every content word matches."""
    assert support_features(SAME, CITED, None).negation_agrees == 1.0
    negated = support_features("The keeper did not keep the lamp burning through the storm.", CITED, None)
    assert negated.negation_agrees == 0.0


def test_a_sentence_initial_capital_is_not_a_name():
    """ "Approximately" need not be in the cited text: otherwise every sentence-opening word would count."""
    assert support_features("Approximately 41 metres tall.", CITED, None).names_found == 1.0


@pytest.mark.slow
def test_the_model_prefers_the_supporting_citation_with_the_real_encoder(real_embeddings):
    embed = real_embeddings.encode_tokens
    model = load_support_model()
    paraphrase = model.probability(support_features("The lighthouse first shone in March 1871.", CITED, embed))
    wrong = model.probability(support_features("The lighthouse was demolished in 1950.", CITED, embed))
    unrelated = model.probability(support_features("Osterby's ferry sails at dawn.", CITED, embed))
    assert paraphrase > 0.5 > max(wrong, unrelated)


def test_a_quoted_claim_is_supported_as_quoted():
    """A sentence the cited text contains word for word needs no model: supported, reason "quoted"."""
    from rag.checking.support import SupportChecker

    verdict = SupportChecker(encode=None, threshold=CheckSettings().support_threshold).check(
        "The Larkfield lighthouse was lit for the first time on 12 March 1871.", CITED
    )
    assert (verdict.supported, verdict.reason) == (True, "quoted")


@pytest.mark.parametrize(
    "claim, reason",
    [
        ("The lighthouse stands 55 metres tall.", "the number 55 is not in the cited text"),
        (
            "Its keeper, Tom Reed, kept the lamp burning through the storm of 1890.",
            "the name “Tom” is not in the cited text",
        ),
        (
            "Its keeper, Ada Brook, did not keep the lamp burning through the storm.",
            "the cited text says the opposite (one is negated)",
        ),
        ("Osterby's ferry sails at dawn to Tom Reed's island.", "the name “Tom” is not in the cited text"),
    ],
    ids=["changed number", "swapped name", "negated", "unrelated"],
)
def test_an_unsupported_claim_gets_a_reason_a_reader_understands(claim, reason):
    """The UI shows the reason beside the citation: it names the number or name, or says the text is negated."""
    from rag.checking.support import SupportChecker

    verdict = SupportChecker(encode=None, threshold=CheckSettings().support_threshold).check(claim, CITED)
    assert (verdict.supported, verdict.reason) == (False, reason)


def test_best_picks_the_candidate_that_supports_the_claim():
    """Of several cited texts, the one that states the claim is chosen, with the score it earns there."""
    from rag.checking.support import SupportChecker

    checker = SupportChecker(encode=None, threshold=CheckSettings().support_threshold)
    index, verdict = checker.best("The lighthouse is 41 metres tall.", ["The ferry sails at dawn.", CITED])
    assert index == 1
    assert verdict.score > checker.check("The lighthouse is 41 metres tall.", "The ferry sails at dawn.").score


def test_token_alignment_drops_when_a_claim_word_has_no_counterpart(fake_embeddings):
    """Every meaningful word of the claim found in the cited text aligns fully; a word the text lacks pulls
    the mean down, while stop words and punctuation do not count."""
    from rag.checking.support import token_alignment

    cited = fake_embeddings.encode_tokens(["The keeper, Ada Brook, kept the lamp burning."])
    full = token_alignment(fake_embeddings.encode_tokens(["Ada Brook kept the lamp."])[0], cited)
    partial = token_alignment(fake_embeddings.encode_tokens(["Ada Brook sold the lamp."])[0], cited)
    assert full == pytest.approx(1.0) and 0.5 < partial < 1.0
    assert token_alignment(fake_embeddings.encode_tokens(["The, of, and."])[0], cited) < 1.0
