"""The read and decide stages: every sentence of each part's passages scored for how well it answers (word
features, then the shipped reader on the best candidates), the passages reranked when asked, the evidence
features of the abstention model and P(answerable); then which parts the documents answer.

Benchmarks that fit the abstention model (bench/abstention.py) and the reader's weights (bench/reader.py) call
`read` too, with the same resolved settings, so the features fitted are the features served."""

from __future__ import annotations

from dataclasses import replace

from rag.answering.answerability import features, load_model
from rag.answering.scoring import score_sentences
from rag.reading.judging import SentenceReader, judge, reading_weights, rerank
from rag.reading.reader import load_reader
from rag.settings import Settings
from rag.stages import Collection, Decision, Query, Reading, Retrieved, ScoredSentence
from rag.types import Passage


def read(
    query: Query,
    retrieved: Retrieved,
    collection: Collection,
    settings: Settings,
    k: int,
    reader: SentenceReader | None = None,
) -> tuple[Reading, ...]:
    """One `Reading` per part, of the first `k` passages of the part's retrieval (of all its passages, reranked,
    when `settings.reading.rerank`). A one-part question is read as asked (with a follow-up's earlier question as
    context), a part of a longer one as its own question. `reader` defaults to the shipped one when
    `settings.reading.reader` is on."""
    if reader is None and settings.reading.reader:
        reader = load_reader()
    reranking = reader is not None and settings.reading.rerank
    weights = reading_weights(settings.reading)
    model = load_model(reader is not None and settings.reading.answerability)
    readings = []
    for part, run in zip(query.parts, retrieved.part_runs, strict=True):
        question, context = (part.question, "") if query.multi_part else (query.question, query.context)
        candidates = run.passages if reranking else run.passages[:k]
        scored = score_sentences(
            question, list(candidates), lambda doc_id: collection.document(doc_id).text, context, settings.answering
        )
        ranked = run.passages
        if reader is not None:
            scored = judge(reader, question, scored, settings.reading.reader_sentences, weights.sentence)
            if reranking:
                order = rerank(candidates, scored, weights.passage)
                ranked = tuple(candidates[i] for i in order)
                scored = _kept(scored, order[:k])
        passages = ranked[:k]
        evidence = features(question, context, scored, passages, run, collection) if scored else None
        probability = model.probability(evidence) if evidence is not None else 0.0
        readings.append(Reading(part, question, context, passages, tuple(scored), evidence, probability, ranked))
    return tuple(readings)


def _kept(scored: list[ScoredSentence], kept: list[int]) -> list[ScoredSentence]:
    """The sentences of the passages kept, each pointing at its passage's new place."""
    place = {old: new for new, old in enumerate(kept)}
    return [replace(s, passage=place[s.passage]) for s in scored if s.passage in place]


def shown_passages(readings: tuple[Reading, ...], fallback: tuple[Passage, ...]) -> tuple[Passage, ...]:
    """The passages an answer lists: a one-part question's in its reading's order; a longer one's as retrieved
    (its parts' passages taken in turn)."""
    return readings[0].ranked if len(readings) == 1 and readings[0].ranked else fallback


def decide(readings: tuple[Reading, ...], abstain_threshold: float) -> Decision:
    """A part is answered when P(answerable) reaches the threshold and some sentence was read."""
    return Decision(
        answered=tuple(r.answerability >= abstain_threshold and bool(r.sentences) for r in readings),
        answerability=max((r.answerability for r in readings), default=0.0),
    )
