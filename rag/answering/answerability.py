"""Should Citewise answer? A calibrated decision from evidence features, not one sentence's word coverage.

Each feature is built so that a long or multi-part question is not punished for being long: coverage is
measured per question term against the best evidence for that term, names and rare words are checked
against everything retrieved, and retrieval agreement and similarity come from the search itself. A
logistic model (weights in `data/abstention.json`, fitted by `bench/abstention.py` on two dev sets of
different kinds, leave-one-set-out figures in its description) turns them into P(answerable). With the shipped
reader, a second model (`data/abstention-reader.json`) also weighs the reader's best P(answers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from rag.answering.scoring import question_weights
from rag.answering.short_answer import find_phrase
from rag.logistic import LogisticModel, load_logistic
from rag.questions.kinds import question_kind
from rag.stages import Collection, Features, RetrievalRun, ScoredSentence
from rag.text import found_terms, proper_names
from rag.text.names import unmentioned_names as names_not_in
from rag.types import Passage

MODEL_FILE = Path(__file__).parents[1] / "data" / "abstention.json"
READER_MODEL_FILE = Path(__file__).parents[1] / "data" / "abstention-reader.json"
EVIDENCE_SENTENCES = 10
"""Sentences (best first) whose union is the evidence each question term is looked for in."""


READER_FEATURE_NAMES = tuple(Features.__dataclass_fields__)
FEATURE_NAMES = tuple(name for name in READER_FEATURE_NAMES if name != "reader_best")


def features(
    question: str,
    context: str,
    scored: Sequence[ScoredSentence],
    passages: Sequence[Passage],
    run: RetrievalRun,
    collection: Collection,
) -> Features:
    weights = question_weights(question, context)
    total = sum(weights.values()) or 1.0
    terms = list(weights)
    best = scored[0] if scored else None
    evidence: set[str] = set()
    for sentence in scored[:EVIDENCE_SENTENCES]:
        evidence |= sentence.matched
    passage_terms: set[str] = set()
    for sentence in scored:  # every sentence of the passages, already split into terms
        passage_terms |= sentence.terms
    found_in_passages = found_terms(weights, passage_terms)
    statistics = collection.term_statistics(terms)
    frequencies, chunks = statistics.frequencies, statistics.chunks
    idf = {t: math.log(1 + chunks / (1 + frequencies.get(t, 0))) for t in terms}
    max_idf = math.log(1 + chunks) or 1.0
    idf_total = sum(idf.values()) or 1.0
    missing = [idf[t] for t in terms if t not in found_in_passages and t in frequencies]
    names = proper_names(question)
    seen = " ".join(p.text.lower() for p in passages)
    dense_top5, keyword_top5 = set(run.dense_docs[:5]), set(run.keyword_docs[:5])
    kind = question_kind(question)
    top = scored[:EVIDENCE_SENTENCES]

    def rare(sentence: ScoredSentence) -> float:
        return sum(idf[t] for t in sentence.matched if t in idf) / idf_total

    return Features(
        best_coverage=best.coverage if best else 0.0,
        term_coverage=sum(weights[t] for t in evidence) / total,
        rare_coverage=sum(idf[t] for t in found_in_passages) / idf_total,
        rarest_missing=max(missing, default=0.0) / max_idf,
        names_found=sum(name in seen for name in names) / len(names) if names else 1.0,
        unknown_terms=sum(t not in frequencies for t in terms) / len(terms) if terms else 0.0,
        dense_top=max(max(run.dense_scores.values(), default=0.0), 0.0),
        agreement=len(dense_top5 & keyword_top5) / max(1, min(len(dense_top5), len(keyword_top5))),
        kind_found=0.5 if kind is None else float(best is not None and find_phrase(question, best.text) is not None),
        best_rare_coverage=max((rare(s) for s in top), default=0.0),
        answer_coverage=next(  # the best-covering sentence first: the phrase search stops at the first found
            (
                rare(s)
                for s in sorted(top, key=rare, reverse=True)
                if kind is None or find_phrase(question, s.text) is not None
            ),
            0.0,
        ),
        reader_best=max((s.reading for s in scored if s.reading is not None), default=None),
    )


def unmentioned_names(question: str, passages) -> list[str]:
    """Names of the question (as written) that no retrieved passage mentions: the part left unanswered."""
    return names_not_in(question, " ".join(p.text.lower() for p in passages))


def load_model(with_reader: bool = False) -> LogisticModel:
    """The shipped abstention model: P(answerable) from `Features`, the reader's among them when it read."""
    return load_logistic(READER_MODEL_FILE if with_reader else MODEL_FILE)
