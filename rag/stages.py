"""The values the pipeline's stages hand each other (rag/pipeline.py), and what a stage may ask of a collection.

understand -> `Query`; retrieve -> `Retrieved` (a `RetrievalRun` per part); read -> a `Reading` per part;
decide -> `Decision`; compose -> `Composition`; check -> `CheckedReply` (a model's reply) or checked citations.
All frozen: a stage never changes what it was given. This module is at the bottom of `rag`: it imports no stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

from .types import Citation, Conflict, Passage, ShortAnswer

if TYPE_CHECKING:  # the bottom of rag/ opens no store
    from index.catalog_rows import StoredDocument
    from index.types import DocumentRecord

History = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Turn:
    """One question as the caller asked it, its scope resolved (filters -> documents)."""

    question: str
    history: tuple[tuple[str, str], ...] = ()
    k: int | None = None
    """Passages retrieved (at least `answer_k`; more for ranking metrics)."""
    answer_k: int | None = None
    """Passages read for the answer."""
    doc_ids: tuple[str, ...] | None = None
    mode: str = "extractive"


@dataclass(frozen=True)
class QuestionPart:
    question: str
    """What is searched for this part."""
    subject: str
    """How the answer names the part: the compared thing, or the clause."""
    joined_by: str = ""
    """'before' or 'after' when the question asks whether this part came before/after the previous one."""


@dataclass(frozen=True)
class Query:
    """What is asked, understood: the text to search, the parts, the kind of answer, and whether it is yes/no."""

    question: str
    """As asked (after checks)."""
    search: str
    """What is retrieved with: the question, a follow-up joined to the question it follows, or the model's
    standalone rewrite."""
    context: str = ""
    """The earlier question a follow-up's answer should also match (its words weigh half)."""
    standalone: str | None = None
    """The follow-up rewritten to stand alone by the language model, when it did."""
    parts: tuple[QuestionPart, ...] = ()
    """Two or more for a multi-part question; a plain question is one part (itself)."""
    yes_no: bool = False
    """A yes/no question whose parts can each be checked, or whose two parts are compared on one kind of thing (not
    one relating them otherwise: "more", "older")."""
    compares: str = ""
    """The kind of thing a yes/no question's two parts are compared on: "province" for "Are A and B in the same
    province?"; empty otherwise."""
    notices: tuple[str, ...] = ()

    @property
    def multi_part(self) -> bool:
        return len(self.parts) > 1


@dataclass(frozen=True)
class RetrievalRun:
    """Passages plus what reading reuses (dense scores, the documents each search found) and timings."""

    passages: tuple[Passage, ...]
    dense_scores: dict[str, float] = field(default_factory=dict)
    dense_docs: tuple[str, ...] = ()
    """Documents in the order the dense search found them (first chunk of each)."""
    keyword_docs: tuple[str, ...] = ()
    """Documents in the order chunk BM25 found them."""
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Retrieved:
    """The retrieval of each part, and the passages of them all (taken in turn) that the answer shows."""

    run: RetrievalRun
    part_runs: tuple[RetrievalRun, ...]


@dataclass(frozen=True)
class ScoredSentence:
    passage: int
    """Index of the passage in the retrieval order."""
    doc_id: str
    start: int
    end: int
    text: str
    score: float
    coverage: float
    """Weighted share of the question's meaningful words the sentence contains (0..1)."""
    matched: frozenset[str] = frozenset()
    """The question terms the sentence contains."""
    prior: float = 0.0
    """The part of the score that is not word coverage: passage rank, answer kind, lead sentence."""
    title: str = ""
    terms: frozenset[str] = frozenset()
    """All meaningful (stemmed) words of the sentence."""
    reading: float | None = None
    """The reader's P(the sentence answers the question); None when it was not read (rag/reading/judging.py)."""


@dataclass(frozen=True)
class Features:
    best_coverage: float
    """Weighted share of the question's terms in its single best sentence."""
    term_coverage: float
    """Weighted share of the question's terms found in any of the best sentences (each term its own evidence)."""
    rare_coverage: float
    """IDF-weighted share of the question's terms found in the retrieved passages."""
    rarest_missing: float
    """IDF (0..1 of the store's largest) of the rarest question term that no retrieved passage holds."""
    names_found: float
    """Share of the question's names written in the retrieved passages (1 when it names nothing)."""
    unknown_terms: float
    """Share of the question's terms that occur nowhere in the store."""
    dense_top: float
    """Cosine similarity of the best chunk to the question."""
    agreement: float
    """Share of the top 5 documents that dense and keyword search both found (of as many as each found)."""
    kind_found: float
    """1 when the best sentence holds a phrase of the asked kind (a number for how many...), 0 when not,
    0.5 for questions without a kind."""
    best_rare_coverage: float
    """IDF-weighted share of the question's terms in the one sentence that holds most of them."""
    answer_coverage: float
    """IDF-weighted share of the question's terms in the best sentence that also holds a phrase of the asked
    kind (the question's own coverage for questions without a kind)."""
    reader_best: float | None = None
    """The reader's highest P(answers) among the sentences it read; None without a reader."""

    def vector(self, names: Sequence[str]) -> list[float]:
        values = asdict(self)
        return [float(values[name]) for name in names]


@dataclass(frozen=True)
class Reading:
    """One part's retrieved text, read: every sentence scored for how well it answers, and P(answerable)."""

    part: QuestionPart
    question: str
    """The text the sentences were scored against (the question itself for a one-part question)."""
    context: str
    passages: tuple[Passage, ...]
    """The passages read (the first `answer_k` of the part's run)."""
    sentences: tuple[ScoredSentence, ...]
    features: Features | None
    """The evidence the answerability model weighs (None when no sentence was read)."""
    answerability: float
    ranked: tuple[Passage, ...] = ()
    """All the part's retrieved passages, in the order shown: retrieval's, or the reader's when reranking."""


@dataclass(frozen=True)
class Decision:
    """Which parts are answered; the question is abstained from when none is."""

    answered: tuple[bool, ...]
    answerability: float
    """The best part's P(answerable)."""

    @property
    def abstain(self) -> bool:
        return not any(self.answered)


@dataclass(frozen=True)
class Disagreement:
    """Two sentences of different documents that state different values for the asked thing."""

    first: ScoredSentence
    second: ScoredSentence
    first_value: str
    second_value: str


@dataclass(frozen=True)
class Composition:
    """An answer's text with its checked citations, before timings and notices are added."""

    text: str
    citations: tuple[Citation, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    short_answer: ShortAnswer | None = None
    parts: tuple = ()
    """`AnswerPart`s of a multi-part question."""
    verdict: str | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether a cited text supports a claim (rag/checking/support.py)."""

    supported: bool
    score: float
    """0..1: P(supported) from the checker's model (at most 0.1 when a hard check failed)."""
    reason: str = ""
    """Why not, in words a reader understands; empty when supported."""
    opposite: bool = False
    """The cited text says the claim's words with the opposite polarity (one negated, the other not)."""


@dataclass(frozen=True)
class CheckedReply:
    """A language model's reply after every cited sentence was checked against the passage it cites."""

    text: str
    """The reply with Citewise's own markers (and "[no citation]" / "[not supported ...]" where due)."""
    citations: tuple[Citation, ...]
    unsupported: int
    uncited: int
    dropped: tuple[int, ...]
    """Markers that named no passage ([0], or past the last one)."""


@dataclass(frozen=True)
class TermStatistics:
    """How many chunks of the collection hold each term, out of how many."""

    frequencies: dict[str, int]
    chunks: int


class Collection(Protocol):
    """What reading, composing and checking need of the documents (retrieval has the index itself)."""

    def document(self, doc_id: str) -> StoredDocument: ...

    def record(self, doc_id: str) -> DocumentRecord | None: ...

    def term_statistics(self, terms: Sequence[str]) -> TermStatistics: ...
