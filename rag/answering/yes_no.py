"""The verdict of a yes/no question, from each part's evidence: the sentences it quotes first, then its next best
sentences (`EVIDENCE_SENTENCES` in all), so that a sentence deciding the part is found even when it was not among
the quoted ones; it is then cited too. A part's claim is checked by rag/checking/verdicts.py; a question comparing
its two parts ("in the same province") by rag/checking/comparisons.py. When the evidence does not settle it, the
answer says which part is left open instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.checking.comparisons import compare
from rag.checking.support import SupportChecker
from rag.checking.verdicts import PartCheck, check_claims, evidence, order_holds, verdict
from rag.questions.yesno import claim_of
from rag.stages import Collection, Query, Reading, ScoredSentence

EVIDENCE_SENTENCES = 6
"""Sentences of one part checked for its claim: the quoted ones, then the part's next best, in score order."""


@dataclass(frozen=True)
class YesNo:
    verdict: str | None
    """'Yes', 'No', or None when the evidence does not settle it."""
    outcomes: tuple[str | None, ...]
    """Per part: 'supports' / 'contradicts' its claim (None: neither, or a compared part)."""
    deciding: tuple[ScoredSentence | None, ...]
    """Per part, the sentence that decided it, to be cited."""
    unsettled: str = ""
    """Why there is no verdict, in words shown in the answer; empty when there is one."""


def part_evidence(chosen: Sequence[ScoredSentence], scored: Sequence[ScoredSentence]) -> list[ScoredSentence]:
    """The quoted sentences, then the best others, `EVIDENCE_SENTENCES` in all."""
    others = [s for s in scored if s not in chosen]
    return [*chosen, *others[: max(0, EVIDENCE_SENTENCES - len(chosen))]]


def decide(
    query: Query,
    readings: Sequence[Reading],
    evidence_of: Sequence[Sequence[ScoredSentence]],
    checker: SupportChecker,
    collection: Collection,
) -> YesNo:
    """The verdict over every part's evidence (an unanswered part has none)."""
    if query.compares:
        return _compared(query, readings, evidence_of)
    claims = [
        (claim_of(reading.question), [_evidence(s, collection) for s in sentences])
        for reading, sentences in zip(readings, evidence_of, strict=True)
    ]
    checks = check_claims(claims, checker)
    deciding = tuple(
        sentences[check.sentence] if check.sentence is not None else None
        for check, sentences in zip(checks, evidence_of, strict=True)
    )
    relation = next((p.joined_by for p in query.parts if p.joined_by), "")
    order = None
    if relation and len(deciding) == 2 and all(deciding):
        first, second = (collection.record(s.doc_id) for s in deciding if s)
        order = order_holds(relation, first and first.date, second and second.date)
    decided = verdict(checks, asks_order=bool(relation), order=order)
    outcomes = tuple(c.outcome for c in checks)
    return YesNo(decided, outcomes, deciding, "" if decided else _unsettled(readings, checks, relation))


def _compared(query: Query, readings: Sequence[Reading], evidence_of: Sequence[Sequence[ScoredSentence]]) -> YesNo:
    subjects = [r.part.subject for r in readings]
    found = compare(query.compares, subjects, [[(s.text, s.title) for s in sentences] for sentences in evidence_of])
    deciding = tuple(
        sentences[i] if i is not None else None for i, sentences in zip(found.deciding, evidence_of, strict=True)
    )
    outcomes = (None,) * len(readings)
    if found.verdict:
        return YesNo(found.verdict, outcomes, deciding)
    unnamed = [subject for subject, value in zip(subjects, found.values, strict=True) if value is None]
    note = f"Undecided: the passages found do not name the {query.compares} of {_listed(unnamed)}."
    return YesNo(None, outcomes, deciding, note)


def _unsettled(readings: Sequence[Reading], checks: Sequence[PartCheck], relation: str) -> str:
    open_parts = [r.part.subject for r, c in zip(readings, checks, strict=True) if c.outcome is None]
    if not open_parts and relation:
        return "Undecided: the documents' dates do not tell which came first."
    if len(readings) == 1:
        return "Undecided: the passages found neither confirm it nor say otherwise."
    return f"Undecided: the passages found neither confirm it nor say otherwise for {_listed(open_parts)}."


def _listed(names: Sequence[str]) -> str:
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else "".join(names)


def _evidence(sentence: ScoredSentence, collection: Collection):
    record = collection.record(sentence.doc_id)
    author, publisher = (record.author, record.publisher) if record else (None, None)
    return evidence(sentence.text, sentence.title, publisher, author)
