"""The abstention decision: a shipped logistic model over the current evidence features, whose P(answerable)
rises with the evidence; names the documents do not mention are reported, not guessed at."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from rag.answering.answerability import FEATURE_NAMES, Features, load_model, unmentioned_names


def features(**values) -> Features:
    base = dict.fromkeys(FEATURE_NAMES, 0.5)
    return Features(**{**base, **values})


def test_the_shipped_model_reads_exactly_the_current_features():
    """A feature added, dropped or renamed in `Features` without refitting (python -m bench.abstention --write)
    would pair weights with the wrong evidence."""
    assert load_model().names == FEATURE_NAMES


unit = st.floats(min_value=0.0, max_value=1.0)
evidence = st.fixed_dictionaries({name: unit for name in FEATURE_NAMES}).map(lambda values: Features(**values))


@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(evidence)
def test_p_answerable_is_a_probability_strictly_between_0_and_1(found):
    """The decision compares it with a threshold; 0 or 1 exactly would claim a certainty no evidence gives."""
    assert 0.0 < load_model().probability(found) < 1.0


@pytest.mark.parametrize("feature", ["best_coverage", "term_coverage"])
@settings(deadline=None)  # timing varies on shared CPUs; the examples are what count
@given(found=evidence, low=st.floats(min_value=0.0, max_value=0.9), rise=st.floats(min_value=0.05, max_value=1.0))
def test_more_of_the_question_covered_means_more_answerable(feature, found, low, rise):
    """Everything else the same, evidence that covers more of the question's terms (in its best sentence, or
    in the best sentences together) never makes Citewise more likely to abstain."""
    model = load_model()
    less = replace(found, **{feature: low})
    more = replace(found, **{feature: min(1.0, low + rise)})
    assert model.probability(more) > model.probability(less)


def test_more_coverage_and_similarity_mean_more_answerable():
    model = load_model()
    weak = features(term_coverage=0.3, dense_top=0.2, agreement=0.0)
    strong = replace(weak, term_coverage=1.0, dense_top=0.8, agreement=1.0)
    assert model.probability(strong) > model.probability(weak)
    assert 0.0 <= model.probability(weak) <= 1.0


def test_names_missing_from_every_passage_are_reported():
    passages = [SimpleNamespace(text="Sue Bird retired after the season.")]
    question = "Legendary WNBA player Sue Bird played her final game. Which team did she play for?"
    assert unmentioned_names(question, passages) == ["WNBA"]  # "Legendary" only opens the sentence
    assert unmentioned_names("Where does Sue Bird live?", passages) == []


def test_answer_coverage_counts_only_sentences_holding_a_phrase_of_the_asked_kind():
    from rag.answering.answerability import features as evidence_features
    from rag.stages import ScoredSentence, TermStatistics

    def sentence(text: str, matched: set[str], coverage: float) -> ScoredSentence:
        return ScoredSentence(0, "d", 0, len(text), text, coverage, coverage, frozenset(matched), terms=frozenset())

    question = "How many boats returned to the harbour?"
    talk = sentence("Boats returned to the harbour after the storm.", {"boat", "return", "harbour"}, 1.0)
    count = sentence("Thirty boats came back, 37 in all.", {"boat"}, 0.3)
    keyword = SimpleNamespace(term_statistics=lambda terms: TermStatistics(dict.fromkeys(terms, 1), 100))
    run = SimpleNamespace(dense_docs=["d"], keyword_docs=["d"], dense_scores={"c": 0.5})
    passages = [SimpleNamespace(text=talk.text + " " + count.text)]
    both = evidence_features(question, "", [talk, count], passages, run, keyword)
    only_talk = evidence_features(question, "", [talk], passages, run, keyword)
    assert both.best_rare_coverage == 1.0, "the talk sentence holds every rare term"
    assert both.answer_coverage == pytest.approx(1 / 3), "only the count has a number: its coverage counts"
    assert only_talk.answer_coverage == 0.0
