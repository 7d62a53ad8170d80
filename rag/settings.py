"""The application's settings: the index's groups, plus retrieval, questions, answering, checks and the LLM.

Every default's measured effect, with the command that measured it, is in docs/tuning.md.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, field_validator

from index.settings import IndexSettings
from index.settings_base import Group

Profile = Literal["auto", "general", "encyclopedia"]

# Habits of encyclopedia-like collections (documents named after what they describe, a lead sentence that
# defines it). They help hotpotqa100 and do nothing for realtimeqa2022 news (docs/tuning.md), so only the
# "encyclopedia" profile has them; "auto" picks it for collections whose documents name each other by title
# (rag/retrieval/profile.py). A value given explicitly (argument or environment) wins over the profile.
PROFILES: dict[str, dict[str, object]] = {
    "general": {"retrieval.title_links": False, "answering.lead_bonus": 0.0, "answering.link_bonus": 0.0},
    "encyclopedia": {"retrieval.title_links": True, "answering.lead_bonus": 0.1, "answering.link_bonus": 0.1},
}


class RetrievalSettings(Group):
    """Hybrid search: dense and keyword rankings, their fusion, the second hop and the passages kept."""

    top_k: int = Field(default=5, ge=1, le=50, description="Passages retrieved, read for the answer and shown (1-50).")
    candidates: int = Field(
        default=40,
        ge=1,
        le=1000,
        description="Chunks each retriever (dense, chunk BM25) proposes before fusion (1-1000); at least 4 x "
        "top_k are asked for.",
    )
    dense_weight: float = Field(
        default=0.5,
        ge=0.0,
        description="Weight of the dense (embedding) ranking in reciprocal-rank fusion, against 1.0 for all the "
        "keyword evidence (chunk and whole-document BM25 together); >= 0, 0 leaves dense search out.",
    )
    rrf_k: int = Field(
        default=20,
        ge=1,
        description="Reciprocal-rank-fusion constant (>= 1): a chunk at rank r in a list scores weight / (rrf_k + r), "
        "so a higher value flattens the difference between ranks.",
    )
    second_hop: bool = Field(
        default=True,
        description="Run a second retrieval round seeded by the first round's best passages (multi-hop "
        "questions: the film's passage names its director).",
    )
    hop_keep_first: int = Field(
        default=1,
        ge=0,
        le=50,
        description="First-round documents that keep the top places whatever the second hop adds (0-50).",
    )
    hop_new_only: bool = Field(
        default=True,
        description="The second hop's dense search adds only documents the question's own search did not find; "
        "off, it may also move those up or down.",
    )
    title_links: bool = Field(
        default=False,
        description="Rank the documents whose title the question names (and, in the second hop, that a top passage "
        "names) as a list of their own. Set by the profile unless given.",
    )
    document_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of the keyword evidence's weight (0-1) that goes to whole-document BM25 (each document "
        "as its best chunk); the rest goes to chunk BM25.",
    )
    named_source_weight: float = Field(
        default=1.0,
        ge=0.0,
        description="Weight in the fusion (>= 0) of the candidates from documents whose publisher or author the "
        "question names ('what did the Guardian report'); 0 turns it off.",
    )
    question_dates: bool = Field(
        default=True,
        description="A question saying 'after/since/before MONTH YEAR' ranks up the documents dated in that range "
        "(in the named-source list).",
    )
    document_candidates: int = Field(
        default=20, ge=1, le=1000, description="Documents whole-document BM25 proposes before fusion (1-1000)."
    )
    mmr: bool = Field(default=False, description="Diversify the passages with maximal marginal relevance.")
    mmr_lambda: float = Field(
        default=0.7, ge=0.0, le=1.0, description="MMR trade-off (0-1): 1 ranks by relevance only, 0 by novelty only."
    )


class QuestionSettings(Group):
    """What questions are accepted and how they are taken apart."""

    max_chars: int = Field(
        default=2000, ge=10, description="Longest question accepted, in characters (>= 10); a longer one is refused."
    )
    multi_part: bool = Field(
        default=True,
        description="Split comparisons of two named things, questions about two of them, and clauses joined by "
        "while/whereas into parts, each retrieved and answered alone.",
    )


class AnsweringSettings(Group):
    """The extractive answerer: how sentences are scored and chosen, short answers, and when to abstain."""

    max_sentences: int = Field(
        default=4, ge=1, le=10, description="Most sentences quoted in an extractive answer (1-10), conflicts aside."
    )
    max_documents: int = Field(
        default=2,
        ge=1,
        le=10,
        description="Most documents an extractive answer quotes (1-10); sentences that show a conflict come on top.",
    )
    coverage_weight: float = Field(
        default=0.65,
        ge=0.0,
        le=1.0,
        description="Weight (0-1) in a sentence's score of the share of the question's words it holds; the rest "
        "of the score is 0.25 x its passage's retrieval score plus the answer-kind, lead and link bonuses.",
    )
    lead_bonus: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Score added (0-1) to a document's first sentence (an encyclopedia habit: its lead says what it "
        "is about). Set by the profile unless given.",
    )
    follow_ratio: float = Field(
        default=0.4,
        ge=0.0,
        le=1.0,
        description="A further sentence joins the answer while its score for what it adds is at least this share "
        "(0-1) of the best sentence's score.",
    )
    link_bonus: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Score added (0-1) to a further sentence from a document that a chosen sentence names by title, "
        "or that names the chosen one's document (the second hop of a multi-hop answer). Set by the profile "
        "unless given.",
    )
    kind_bonus_names: bool = Field(
        default=True,
        description="Sentences holding a name the question does not give score higher for which/what/where "
        "questions too (not only who), and written dates ('July 29', 'Tuesday') count for when-questions.",
    )
    short_answer_min_coverage: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Least share (0-1) of the question's words the first cited sentence must hold for its "
        "answering phrase to lead the answer as a short answer: a wrong short answer misleads more than none.",
    )
    next_sentence_answers: bool = Field(
        default=False,
        description="When the best sentence holds no phrase of the asked kind and the sentence right after it does, "
        "quote that one next.",
    )
    common_term_share: float = Field(
        default=0.05,
        gt=0.0,
        le=1.0,
        description="A word in at least this share (0-1, > 0) of the store's chunks, and in at least 20 of them, is "
        "too common to be a short answer (a publisher's name in every article).",
    )
    abstain_threshold: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Least P(answerable) (0-1) from the abstention model (rag/answering/answerability.py, a "
        "logistic model of evidence features) to answer; below it Citewise abstains. Higher abstains more.",
    )


class ReadingSettings(Group):
    """The reader: a cross-encoder trained here (docs/models.md) that reads the question and each candidate
    sentence together. Without its weights (a user's own embedding model) answering keeps the word features."""

    reader: bool = Field(
        default=False,
        description="Read the best candidate sentences with the shipped reader (when OpenVINO runs here): its "
        "P(answers) decides which sentences lead the answer and weighs in the decision to abstain. Off by default: "
        "it adds about 50-70 ms per question (12 sentences) and has not yet helped both dev sets (docs/tuning.md).",
    )
    reader_sentences: int = Field(
        default=12,
        ge=1,
        le=200,
        description="Candidate sentences (1-200), best by word features first, the reader scores for one part of "
        "a question: one batch; its time grows with the count (about 5 ms a sentence on 2 cores).",
    )
    sentence_weight: float | None = Field(
        default=None,
        ge=0.0,
        description="Read sentences are ordered by their word-feature score (0-1) plus this (>= 0) x the reader's "
        "P(answers); unset takes the weight fitted on data (rag/data/reading.json, bench/reader.py).",
    )
    passage_weight: float | None = Field(
        default=None,
        ge=0.0,
        description="When reranking, weight (>= 0) of a passage's best P(answers) against its retrieval rank's "
        "(1 for the first, 20 / (20 + rank) after); unset takes the fitted weight (rag/data/reading.json).",
    )
    answerability: bool = Field(
        default=True,
        description="Let the reader's best P(answers) weigh in the decision to answer or abstain (an abstention "
        "model fitted with it, rag/data/abstention-reader.json); off keeps the word-feature model.",
    )
    rerank: bool = Field(
        default=False,
        description="Reorder the retrieved passages by the reader's best sentence score joined to their retrieval "
        "rank before the first top_k are read and shown.",
    )


class CheckSettings(Group):
    """When a cited sentence counts as supported."""

    support_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Least P(supported) (0-1) from the support model (rag/checking/support.py, fitted on human "
        "judgements) for a cited sentence to count as supported.",
    )


class LlmSettings(Group):
    """The chat model that writes answers in LLM mode (the answer is checked either way)."""

    model: str | None = Field(
        default=None,
        description="Chat model as PROVIDER:MODEL (e.g. openai:gpt-4o-mini, ollama:llama3); unset means the "
        "extractive answerer.",
    )
    base_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible server (http://HOST:PORT/v1); unset means the provider's own.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="API key for the chat model's server; never printed or logged."
    )
    timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds to wait for the chat model (> 0); after that the extractive answer is given instead.",
    )

    @field_validator("model")
    @classmethod
    def _check_model(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if ":" not in value:
            raise ValueError(f"the chat model must look like PROVIDER:MODEL (e.g. openai:gpt-4o-mini), got {value!r}")
        return value


class Settings(IndexSettings):
    """Everything `rag` needs; built once at the edge (CLI, web UI, API caller) and passed down."""

    FLAT_NAMES: ClassVar[dict[str, str]] = {
        "profile": "profile",
        "top_k": "retrieval.top_k",
        "candidates": "retrieval.candidates",
        "dense_weight": "retrieval.dense_weight",
        "rrf_k": "retrieval.rrf_k",
        "second_hop": "retrieval.second_hop",
        "hop_keep_first": "retrieval.hop_keep_first",
        "hop_new_only": "retrieval.hop_new_only",
        "title_links": "retrieval.title_links",
        "document_share": "retrieval.document_share",
        "named_source_weight": "retrieval.named_source_weight",
        "question_dates": "retrieval.question_dates",
        "document_candidates": "retrieval.document_candidates",
        "mmr": "retrieval.mmr",
        "mmr_lambda": "retrieval.mmr_lambda",
        "max_question_chars": "questions.max_chars",
        "multi_part": "questions.multi_part",
        "answer_sentences": "answering.max_sentences",
        "answer_documents": "answering.max_documents",
        "coverage_weight": "answering.coverage_weight",
        "lead_bonus": "answering.lead_bonus",
        "follow_ratio": "answering.follow_ratio",
        "link_bonus": "answering.link_bonus",
        "kind_bonus_names": "answering.kind_bonus_names",
        "short_answer_min_coverage": "answering.short_answer_min_coverage",
        "next_sentence_answers": "answering.next_sentence_answers",
        "common_term_share": "answering.common_term_share",
        "abstain_threshold": "answering.abstain_threshold",
        "support_threshold": "checks.support_threshold",
        "reader": "reading.reader",
        "reader_sentences": "reading.reader_sentences",
        "rerank": "reading.rerank",
        "reader_answerability": "reading.answerability",
        "reader_sentence_weight": "reading.sentence_weight",
        "reader_passage_weight": "reading.passage_weight",
        "llm": "llm.model",
        "llm_base_url": "llm.base_url",
        "llm_api_key": "llm.api_key",
        "llm_timeout": "llm.timeout",
    }

    profile: Profile = Field(
        default="auto",
        description="Defaults for a kind of collection: 'general' (any documents), 'encyclopedia' (one document per "
        "named thing, as in a wiki: title links, lead-sentence and link bonuses on) or 'auto': encyclopedia when at "
        "least 15% of the documents name another document by its title, else general, decided again when the "
        "documents change. Values given explicitly win over the profile.",
    )
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description=RetrievalSettings.__doc__)
    questions: QuestionSettings = Field(default_factory=QuestionSettings, description=QuestionSettings.__doc__)
    answering: AnsweringSettings = Field(default_factory=AnsweringSettings, description=AnsweringSettings.__doc__)
    reading: ReadingSettings = Field(default_factory=ReadingSettings, description=ReadingSettings.__doc__)
    checks: CheckSettings = Field(default_factory=CheckSettings, description=CheckSettings.__doc__)
    llm: LlmSettings = Field(default_factory=LlmSettings, description=LlmSettings.__doc__)

    @classmethod
    def with_profile(cls, given: dict[str, Any]) -> dict[str, Any]:
        """`given` with the values its profile sets for the fields it does not give itself ('auto' sets none
        until `for_collection` knows the collection)."""
        values = super().with_profile(given)
        defaults = PROFILES.get(values.get("profile", "auto"))  # type: ignore[arg-type]  # a wrong name fails later
        if not defaults:
            return values
        values = {key: dict(value) if isinstance(value, dict) else value for key, value in values.items()}
        for path, value in defaults.items():
            group, field = path.split(".")
            values.setdefault(group, {}).setdefault(field, value)
        return values

    def for_collection(self, kind: str) -> Settings:
        """For an 'auto' profile once the collection's kind is known: new settings with the profile `kind`
        applied and validated; the values given explicitly keep theirs. Other profiles return themselves."""
        if self.profile != "auto":
            return self
        return self.updated(profile=kind)  # type: ignore[return-value]  # updated keeps the class
