"""The learned support checker: its features move the way a reader's judgement does, and the shipped model
(fitted by bench/support.py on human judgements) ranks a supporting citation above a wrong one."""

from __future__ import annotations

import json

import pytest

from rag.checking.support import FEATURE_NAMES, MODEL_FILE, load_support_model, support_features

CITED = (
    "The Larkfield lighthouse was lit for the first time on 12 March 1871. It stands 41 metres tall. "
    "Its keeper, Ada Brook, kept the lamp burning through the storm of 1890."
)


def test_the_shipped_model_matches_the_features_and_carries_its_report():
    data = json.loads(MODEL_FILE.read_text())
    assert tuple(data["names"]) == FEATURE_NAMES and len(MODEL_FILE.read_bytes()) < 8_000
    assert data["report"]["model, 5-fold"]["all"]["macro_f1"] > data["report"]["rules (rag.verify)"]["all"]["macro_f1"]


def test_features_catch_numbers_names_and_negation():
    same = support_features("The lighthouse was lit on 12 March 1871.", CITED, None)
    other_year = support_features("The lighthouse was lit on 12 March 1872.", CITED, None)
    other_name = support_features("Its keeper, Tom Reed, kept the lamp burning.", CITED, None)
    negated = support_features("The keeper did not keep the lamp burning through the storm.", CITED, None)
    assert same.numbers_found == 1.0 and other_year.numbers_found < 1.0
    assert same.names_found == 1.0 and other_name.names_found < 1.0
    assert same.negation_agrees == 1.0 and negated.negation_agrees == 0.0
    # A sentence-initial capital is not a name: "Approximately" need not be in the cited text.
    assert support_features("Approximately 41 metres tall.", CITED, None).names_found == 1.0


@pytest.mark.slow
def test_the_model_prefers_the_supporting_citation_with_the_real_encoder(real_embeddings):
    embed = real_embeddings.encode_tokens
    model = load_support_model()
    paraphrase = model.probability(support_features("The lighthouse first shone in March 1871.", CITED, embed))
    wrong = model.probability(support_features("The lighthouse was demolished in 1950.", CITED, embed))
    unrelated = model.probability(support_features("Osterby's ferry sails at dawn.", CITED, embed))
    assert paraphrase > 0.5 > max(wrong, unrelated)


def test_the_checker_gives_a_reason_a_reader_understands():
    from rag.checking.support import SupportChecker

    checker = SupportChecker(encode=None, threshold=0.5)
    assert checker.check("The Larkfield lighthouse was lit for the first time on 12 March 1871.", CITED).reason == (
        "quoted"
    )
    number = checker.check("The lighthouse stands 55 metres tall.", CITED)
    assert not number.supported and number.reason == "the number 55 is not in the cited text"
    swapped = checker.check("Its keeper, Tom Reed, kept the lamp burning through the storm of 1890.", CITED)
    assert not swapped.supported and swapped.reason == "the name “Tom” is not in the cited text"
    opposite = checker.check("Its keeper, Ada Brook, did not keep the lamp burning through the storm.", CITED)
    assert not opposite.supported and "negated" in opposite.reason
    unrelated = checker.check("Osterby's ferry sails at dawn to Tom Reed's island.", CITED)
    assert not unrelated.supported and unrelated.reason == "the name “Tom” is not in the cited text"
    index, verdict = checker.best("The lighthouse is 41 metres tall.", ["The ferry sails at dawn.", CITED])
    assert index == 1 and verdict.score > checker.check("The lighthouse is 41 metres tall.", "The ferry.").score


def test_token_alignment_drops_when_a_claim_word_has_no_counterpart(fake_embeddings):
    """Every meaningful word of the claim found in the cited text aligns fully; a word the text lacks pulls
    the mean down, while stop words and punctuation do not count."""
    from rag.checking.support import token_alignment

    cited = fake_embeddings.encode_tokens(["The keeper, Ada Brook, kept the lamp burning."])
    full = token_alignment(fake_embeddings.encode_tokens(["Ada Brook kept the lamp."])[0], cited)
    partial = token_alignment(fake_embeddings.encode_tokens(["Ada Brook sold the lamp."])[0], cited)
    assert full == pytest.approx(1.0) and 0.5 < partial < 1.0
    assert token_alignment(fake_embeddings.encode_tokens(["The, of, and."])[0], cited) < 1.0
