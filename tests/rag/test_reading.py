"""The reader's uses (rag/reading/judging.py, rag/answering/reader.py): it reads the word features' best
candidates only (its cost is per sentence), its P(answers) moves a sentence by the fitted weight, reranking keeps
retrieval's order when the reader is indifferent, and without the shipped weights answering is today's.
The shipped model itself is tested on sentences it never saw, beside the word features it must beat."""

from __future__ import annotations

from dataclasses import replace

import pytest

from helpers.corpora import copy_demo
from rag import Assistant
from rag.reading import reader as reader_module
from rag.reading.judging import RANK_SHIFT, fitted_weights, judge, reading_weights, rerank
from rag.settings import ReadingSettings
from rag.stages import ScoredSentence, Turn
from rag.types import Passage


class ListeningReader:
    """A fake reader: a fixed logit per text, and a record of what it was asked to read."""

    def __init__(self, logits: dict[str, float]):
        self.logits = logits
        self.read: list[str] = []

    def score(self, question, texts):
        self.read += list(texts)
        return [self.logits.get(text, -5.0) for text in texts]


def sentence(text: str, score: float, passage: int = 0) -> ScoredSentence:
    return ScoredSentence(passage, f"doc{passage}", 0, len(text), text, score, 0.5, prior=0.1)


def test_only_the_budget_of_best_candidates_is_read():
    """The reader costs milliseconds per sentence: it reads the first `budget` of the word features' order."""
    scored = [sentence(f"sentence {n}", 1.0 - n / 10) for n in range(6)]
    listening = ListeningReader({})
    judged = judge(listening, "q?", scored, budget=3, weight=0.5)
    assert listening.read == ["sentence 0", "sentence 1", "sentence 2"]
    assert [s.reading is not None for s in sorted(judged, key=lambda s: s.text)] == [True] * 3 + [False] * 3


def test_the_readers_probability_decides_which_sentence_leads():
    """Ordered by score + weight x P: a sentence the reader is sure answers overtakes a better-worded one it
    rejects. The scores stay the word features' (choosing further sentences measures against them)."""
    scored = [sentence("worded like the question", 0.6), sentence("Dijon mustard is running out.", 0.4)]
    judged = judge(ListeningReader({"Dijon mustard is running out.": 8.0}), "q?", scored, budget=5, weight=0.5)
    assert [s.text for s in judged] == ["Dijon mustard is running out.", "worded like the question"]
    assert [s.score for s in judged] == [0.4, 0.6]
    assert judged[0].reading > 0.99 and judged[1].reading < 0.01
    unweighted = judge(ListeningReader({"Dijon mustard is running out.": 8.0}), "q?", scored, budget=5, weight=0.1)
    assert [s.text for s in unweighted] == ["worded like the question", "Dijon mustard is running out."]


def passages(n: int) -> list[Passage]:
    return [Passage(f"doc{i}", f"s{i}", f"t{i}", 0, 10, f"text {i}", 1.0 / (i + 1)) for i in range(n)]


def test_reranking_keeps_retrieval_order_when_the_reader_is_indifferent():
    found = passages(4)
    judged = [replace(sentence(f"s{i}", 0.5, passage=i), reading=0.5) for i in range(4)]
    assert rerank(found, judged, weight=2.0) == [0, 1, 2, 3]


def test_reranking_lifts_the_passage_whose_sentence_answers():
    found = passages(4)
    judged = [replace(sentence(f"s{i}", 0.5, passage=i), reading=0.95 if i == 3 else 0.05) for i in range(4)]
    order = rerank(found, judged, weight=2.0)
    assert order[0] == 3
    # the key is rank weight + weight x P: the lift is bounded by the weight
    assert RANK_SHIFT / (RANK_SHIFT + 3) + 2.0 * 0.95 > 1.0 + 2.0 * 0.05
    assert rerank(found, judged, weight=0.0) == [0, 1, 2, 3]


def test_settings_override_the_fitted_weights_one_by_one():
    fitted = fitted_weights()
    assert reading_weights(ReadingSettings()) == fitted
    assert reading_weights(ReadingSettings(sentence_weight=0.0)).passage == fitted.passage
    assert reading_weights(ReadingSettings(sentence_weight=0.0)).sentence == 0.0


@pytest.fixture
def assistant(tmp_path, fake_embeddings) -> Assistant:
    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings)
    assistant.ingest([copy_demo(tmp_path / "docs")])
    return assistant


QUESTION = "How many reservists were called up?"


def test_the_reader_is_off_by_default(assistant):
    """Until it helps both dev sets (docs/tuning.md), a question is read by the word features alone."""
    (reading,) = assistant.pipeline.readings(Turn(question=QUESTION))
    assert all(s.reading is None for s in reading.sentences)
    assert reading.features is not None and reading.features.reader_best is None


def test_without_the_shipped_weights_answering_keeps_the_word_features(assistant, monkeypatch, tmp_path):
    """A build without `rag/reading/model/` (or a machine without OpenVINO) answers as before: no sentence read,
    the word-feature abstention model, the same answer as with the reader switched off (the default)."""
    monkeypatch.setattr(reader_module, "MODEL_DIR", tmp_path / "no-model")
    reader_module.load_reader.cache_clear()
    try:
        assert reader_module.load_reader() is None
        switched_on = Assistant.open(assistant.settings, embeddings=assistant.embeddings, reader=True)
        (reading,) = switched_on.pipeline.readings(Turn(question=QUESTION))
        assert all(s.reading is None for s in reading.sentences)
        assert reading.features is not None and reading.features.reader_best is None
        assert switched_on.ask(QUESTION).answer == assistant.ask(QUESTION).answer
    finally:
        reader_module.load_reader.cache_clear()


needs_reader = pytest.mark.skipif(reader_module.load_reader() is None, reason="no shipped reader on this machine")


@needs_reader
def test_with_the_shipped_reader_the_best_candidates_are_read_and_weigh_in(assistant):
    assistant = Assistant.open(assistant.settings, embeddings=assistant.embeddings, reader=True)
    (reading,) = assistant.pipeline.readings(Turn(question=QUESTION))
    read = [s for s in reading.sentences if s.reading is not None]
    assert 0 < len(read) <= ReadingSettings().reader_sentences
    assert reading.features is not None
    assert reading.features.reader_best == pytest.approx(max(s.reading for s in read))
    answer = assistant.ask(QUESTION)
    assert answer.answerability == pytest.approx(reading.answerability)


@needs_reader
def test_reranked_passages_are_the_ones_read_and_shown(assistant):
    """With reranking, the answer lists the passages in the reader's order, and the sentences quoted come from
    the first top_k of that order."""
    reranking = Assistant.open(assistant.settings, embeddings=assistant.embeddings, reader=True, rerank=True)
    (reading,) = reranking.pipeline.readings(Turn(question=QUESTION, k=8, answer_k=3))
    assert len(reading.passages) <= 3 and reading.passages == reading.ranked[:3]
    assert {s.passage for s in reading.sentences} <= set(range(len(reading.passages)))
    for s in reading.sentences:
        shown = reading.passages[s.passage]
        assert shown.doc_id == s.doc_id and shown.start <= s.start and s.end <= shown.end
    answer = reranking.ask(QUESTION, retrieve_k=8)
    assert [p.doc_id for p in answer.passages][:3] == [p.doc_id for p in reading.ranked][:3]


# Sentences written for this test (no data set's): each question, one sentence that answers it and near misses
# that share its words.
READING_CASES = [
    (
        "Who wrote the novel Emma?",
        "Emma is a novel written by Jane Austen, first published in December 1815.",
        ["Emma is a popular given name for girls in England.", "The novel was adapted for film several times."],
    ),
    (
        "How tall is the Eiffel Tower?",
        "The Eiffel Tower is 330 metres tall, about the height of an 81-storey building.",
        ["The Eiffel Tower was built for the 1889 World's Fair.", "Millions of visitors climb the tower every year."],
    ),
    (
        "When did the Berlin Wall fall?",
        "The Berlin Wall fell on 9 November 1989, when East Germany opened its border crossings.",
        ["The Berlin Wall divided the city for decades.", "Pieces of the wall are displayed in museums."],
    ),
]


@needs_reader
@pytest.mark.parametrize(("question", "answering", "misses"), READING_CASES)
def test_the_shipped_reader_prefers_the_sentence_that_answers(question, answering, misses):
    """The trained reader, on sentences it never saw: the answering one scores above every near miss."""
    reader = reader_module.load_reader()
    scores = reader.score(question, [answering, *misses])
    assert scores[0] > max(scores[1:])
