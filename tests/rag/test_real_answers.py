"""The real bundled model end to end: calibrated abstention, conflicts, and hotpotqa100 retrieval quality."""

from __future__ import annotations

import pytest

from helpers.corpora import DEMO_CORPUS, HOTPOT, copy_demo
from rag import Assistant

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory, real_embeddings):
    root = tmp_path_factory.mktemp("demo")
    assistant = Assistant.open(store=root / "store", embeddings=real_embeddings)
    assistant.ingest([copy_demo(root / "docs")])
    return assistant


@pytest.mark.parametrize(
    "question, expected",
    [
        ("How many reservists were called up?", "300,000"),
        ("Who ordered the mobilization?", "Putin"),
        ("How many Moscow nationals fled to neighbouring countries?", "194,000"),
    ],
)
def test_demo_answers_contain_the_fact(demo, question, expected):
    answer = demo.ask(question)
    assert not answer.abstained and expected in answer.answer
    assert all(demo.document(c.doc_id).text[c.start : c.end] == c.quote for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Peru?", "Who won the 2022 football World Cup?", "How much does a Tesla Model 3 cost?"],
)
def test_demo_abstains_with_the_calibrated_threshold(demo, question):
    assert demo.ask(question).abstained


DEMO_TEXT = "\n".join(path.read_text(encoding="utf-8") for path in sorted(DEMO_CORPUS.glob("*.txt")))


@pytest.mark.parametrize(
    ("question", "sentence_holds"),
    [
        ("Who counted the detained protesters?", "OVD-Info"),
        ("Which agency quoted Russia's interior ministry?", "Interfax"),
        ("In how many cities were Russians detained?", "38 cities"),
        ("Who took to social media to mock Moscow's efforts?", "took to social media"),
        ("What anniversary did the gala concert mark?", "1160th anniversary"),
        ("Where were Russians handed military summons?", "15 different police stations"),
        ("When did Koffler make her remarks?", "October 4"),
        ("Which countries did Moscow nationals flee to?", "Georgia, Kazakhstan, and Finland"),
        ("Who did Rebekah Koffler work for?", "Defense Intelligence Agency"),
    ],
)
def test_demo_factoids_are_answered_with_their_sentence(demo, question, sentence_holds):
    """The sample corpus: a question whose answer is one sentence gets that sentence, quoted from the file."""
    answer = demo.ask(question)
    assert not answer.abstained, answer.answer
    quotes = [c.quote for c in answer.citations]
    assert any(sentence_holds in quote for quote in quotes), quotes
    assert all(quote in DEMO_TEXT for quote in quotes)  # verbatim in the source files themselves


def test_short_answers_on_the_demo(demo):
    answer = demo.ask("How many reservists were called up?")
    assert answer.short_answer is not None and answer.answer.startswith(answer.short_answer.text)
    assert answer.short_answer.text.startswith("300,000")
    stored = demo.document(answer.citation(answer.short_answer.citation).doc_id).text
    assert stored[answer.short_answer.start : answer.short_answer.end] == answer.short_answer.text


def test_demo_conflict_on_detained_protesters(demo):
    answer = demo.ask("How many protesters were detained?")
    assert answer.conflicts and set(answer.conflicts[0].values) == {"2000", "1,000"}


@pytest.mark.skipif(
    not HOTPOT.is_dir(),
    reason=f"optional outside data set {HOTPOT} is absent (set CITEWISE_SHARED to the folder holding eval/)",
)
def test_hotpot_retrieval_quality_and_citation_invariant(tmp_path, real_embeddings):
    from rag.evaluation import evaluate

    assistant = Assistant.open(store=tmp_path / "hotpot", embeddings=real_embeddings)
    result = evaluate(assistant, HOTPOT, k=5)
    overall = result["overall"]
    assert result["profile"] == "encyclopedia"  # chosen by the default 'auto' profile: its documents link by title
    # Floors a little under the measured 0.945 / 0.89 / 0.93 (the encyclopedia profile): a regression fails them.
    assert overall["recall@5"] >= 0.88
    assert overall["all_gold@5"] >= 0.80
    assert overall["mrr@10"] >= 0.88
    assert overall["false_abstention_rate"] <= 0.05
    # Measured 0.68 / 0.85 with the link-following answerer of the encyclopedia profile.
    assert overall["answer_contained"] >= 0.55
    assert overall["citation_precision"] >= 0.80
    for row in assistant.documents()[:5]:
        assert row.chunks >= 1
