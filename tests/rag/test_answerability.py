"""The abstention decision: a shipped logistic model over evidence features, with its fitting report; more
evidence never lowers P(answerable); names the documents do not mention are reported, not guessed at."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

from rag.answering.answerability import FEATURE_NAMES, MODEL_FILE, Features, load_model, unmentioned_names


def features(**values) -> Features:
    base = dict.fromkeys(FEATURE_NAMES, 0.5)
    return Features(**{**base, **values})


def test_the_shipped_model_matches_the_features_and_carries_its_report():
    data = json.loads(MODEL_FILE.read_text())
    assert tuple(data["names"]) == FEATURE_NAMES
    assert "leave_one_set_out" in data["report"] and data["description"].startswith("Fitted by bench/abstention.py")
    assert len(MODEL_FILE.read_bytes()) < 8_000


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
    assert both.best_rare_coverage == 1.0 and abs(both.answer_coverage - 1 / 3) < 1e-9  # only the count has a number
    assert only_talk.answer_coverage == 0.0
