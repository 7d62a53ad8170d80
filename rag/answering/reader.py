"""The read and decide stages: every sentence of each part's passages scored for how well it answers, the
evidence features of the abstention model and P(answerable); then which parts the documents answer.

Benchmarks that fit the abstention model (bench/abstention.py) call `read` too, with the same resolved
settings, so the features fitted are the features served."""

from __future__ import annotations

from rag.answering.answerability import features, load_model
from rag.answering.scoring import score_sentences
from rag.settings import Settings
from rag.stages import Collection, Decision, Query, Reading, Retrieved


def read(query: Query, retrieved: Retrieved, collection: Collection, settings: Settings, k: int) -> tuple[Reading, ...]:
    """One `Reading` per part, of the first `k` passages of the part's retrieval. A one-part question is read
    as asked (with a follow-up's earlier question as context), a part of a longer one as its own question."""
    readings = []
    for part, run in zip(query.parts, retrieved.part_runs, strict=True):
        question, context = (part.question, "") if query.multi_part else (query.question, query.context)
        passages = run.passages[:k]
        scored = tuple(
            score_sentences(
                question,
                list(passages),
                lambda doc_id: collection.document(doc_id).text,
                context,
                settings.answering,
            )
        )
        evidence = features(question, context, scored, passages, run, collection) if scored else None
        probability = load_model().probability(evidence) if evidence is not None else 0.0
        readings.append(Reading(part, question, context, passages, scored, evidence, probability))
    return tuple(readings)


def decide(readings: tuple[Reading, ...], abstain_threshold: float) -> Decision:
    """A part is answered when P(answerable) reaches the threshold and some sentence was read."""
    return Decision(
        answered=tuple(r.answerability >= abstain_threshold and bool(r.sentences) for r in readings),
        answerability=max((r.answerability for r in readings), default=0.0),
    )
