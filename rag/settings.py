"""The application's settings: the index's, plus retrieval, answering and LLM (env prefix `CITEWISE_`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from index.settings import IndexSettings
from rag.answering.reading import AnswerPolicy

# Habits of encyclopedia-like collections (documents named after what they describe, a lead sentence that
# defines it). Measured (python -m bench.devsets) they help hotpotqa100 and do nothing for realtimeqa2022 news,
# so only the "encyclopedia" profile has them; the default "auto" picks it for collections whose documents name
# each other by title (rag/collection.py); explicit settings win over a profile.
PROFILES: dict[str, dict[str, object]] = {
    "general": {"title_links": False, "lead_bonus": 0.0, "link_bonus": 0.0},
    "encyclopedia": {"title_links": True, "lead_bonus": 0.1, "link_bonus": 0.1},
}


class Settings(IndexSettings):
    """Everything `rag` needs; built once at the edge (CLI, web UI, API caller) and passed down."""

    profile: Literal["auto", "general", "encyclopedia"] = Field(
        default="auto",
        description="Defaults for a kind of collection: 'general' (any documents), 'encyclopedia' (one document "
        "per named thing, as in a wiki: title links, lead-sentence and link bonuses on), or 'auto': encyclopedia "
        "when at least 15% of the documents name another document by its title (hotpotqa100 0.43, realtimeqa2022 "
        "and the sample corpus 0.0), else general. Encyclopedia vs general (python -m bench.devsets): hotpotqa100 "
        "recall@5 0.945 vs 0.815, answer-contained 0.68 vs 0.45; realtimeqa2022 retrieval identical, "
        "answer-contained 0.61 both, citation precision 0.702 vs 0.711.",
    )

    top_k: int = Field(default=5, ge=1, le=50, description="Passages handed to the answerer and shown.")
    candidates: int = Field(
        default=40, ge=1, le=1000, description="Chunks each retriever (dense, BM25) proposes before fusion."
    )
    dense_weight: float = Field(
        default=0.5,
        ge=0.0,
        description="Weight of the dense (embedding) ranking in the fusion, against 1.0 for keyword evidence "
        "(chunk and whole-document BM25 together). 1.0 -> 0.5 measured (python -m bench.devsets): realtimeqa2022 "
        "hit@5 0.94 -> 0.955, MRR@10 0.826 -> 0.846; hotpotqa100 MRR@10 0.916 -> 0.925, recall@5 unchanged "
        "0.945; 0.3 and 0.7 were worse on realtimeqa2022 and no better on hotpotqa100.",
    )
    rrf_k: int = Field(default=20, ge=1, description="Reciprocal-rank-fusion constant: higher flattens ranks.")
    second_hop: bool = Field(
        default=True,
        description="Run a second retrieval round seeded by the first round's passages (multi-hop questions).",
    )
    hop_keep_first: int = Field(
        default=1,
        ge=0,
        le=50,
        description="First-round documents that keep their places whatever the second hop adds "
        "(hotpotqa100 MRR@10 0.888 -> 0.913 with 1).",
    )
    hop_new_only: bool = Field(
        default=True,
        description="The second hop's dense search adds only documents the question's own search did not find. "
        "Measured (python -m bench.devsets): hotpotqa100 recall@5 0.925 -> 0.945, all-gold@5 0.87 -> 0.89; "
        "realtimeqa2022 unchanged (recall@5 0.905, hit@5 0.94).",
    )
    title_links: bool = Field(
        default=False,
        description="Rank the documents whose title the question names (and, in the second hop, that a top "
        "passage names) as a list of their own.",
    )
    document_share: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of the keyword evidence's weight that goes to whole-document BM25 (each document as "
        "its best chunk), the rest to chunk BM25. 0 -> 0.5 measured (python -m bench.devsets, dense weight "
        "0.5): realtimeqa2022 hit@5 0.955 -> 0.965, recall@5 0.915 -> 0.9275, MRR@10 0.846 -> 0.860; hotpotqa100 "
        "recall@5 0.945 either way, MRR@10 0.925 -> 0.931. Documents of one chunk rank alike either way.",
    )
    named_source_weight: float = Field(
        default=1.0,
        ge=0.0,
        description="Weight in the fusion of the candidates from documents whose publisher or author the question "
        "names ('what did the Guardian report'); 0 turns it off.",
    )
    question_dates: bool = Field(
        default=True,
        description="A question saying 'after/since/before MONTH YEAR' ranks up the documents dated in that range "
        "(with the named-source list). No question of either dev set has this form: measured no change on both.",
    )
    document_candidates: int = Field(
        default=20, ge=1, le=1000, description="Documents whole-document BM25 proposes before fusion."
    )
    mmr: bool = Field(default=False, description="Diversify passages with maximal marginal relevance.")
    mmr_lambda: float = Field(default=0.7, ge=0.0, le=1.0, description="MMR trade-off: 1 = relevance only.")
    multi_part: bool = Field(
        default=True,
        description="Split comparisons of two named things, questions about two of them, and clauses joined by "
        "while/whereas into parts, each retrieved and answered alone (see README for its measured effect).",
    )
    answer_sentences: int = Field(
        default=4,
        ge=1,
        le=10,
        description="Most sentences in an extractive answer. 3 -> 4 measured (python -m bench.devsets): "
        "answer-contained realtimeqa2022 0.59 -> 0.61, hotpotqa100 0.45 -> 0.45 (encyclopedia 0.64 -> 0.68); "
        "citation recall 0.54 -> 0.56 and 0.625 -> 0.635; citation precision 0.711 -> 0.711 and 0.806 -> 0.801.",
    )
    lead_bonus: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Score bonus of a document's first sentence in extractive answers (an encyclopedia habit: "
        "its lead says what it is about). Measured 0.1 vs 0 (python -m bench.devsets): see README.",
    )
    follow_ratio: float = Field(
        default=0.4,
        ge=0.0,
        le=1.0,
        description="A further sentence joins an extractive answer while its score for what it adds is at least "
        "this share of the best sentence's score.",
    )
    link_bonus: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Score bonus of a sentence from a document that a chosen sentence names by title, or that "
        "names the chosen one's document (the second hop of a multi-hop answer).",
    )
    kind_bonus_names: bool = Field(
        default=True,
        description="Sentences holding a name the question does not give score higher for which/what/where "
        "questions too (not only who), and written dates ('July 29', 'Tuesday') count for when-questions. "
        "Measured (python -m bench.devsets): answer-contained realtimeqa2022 0.57 -> 0.59, hotpotqa100 0.43 -> "
        "0.45 (encyclopedia 0.63 -> 0.64); citation recall up on both (0.525 -> 0.54, 0.615 -> 0.625), citation "
        "precision down on both (0.72 -> 0.711, 0.821 -> 0.806).",
    )
    short_answer_min_coverage: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Least share of the question's words the first cited sentence must hold for its answering "
        "phrase to lead the answer: a wrong short answer misleads more than none. 0 -> 0.5 measured (python -m "
        "bench.devsets): short answers given on 67.5% -> 54% of realtimeqa2022 and 66% -> 45% of hotpotqa100 "
        "questions, their token F1 0.33 -> 0.36 and 0.074 -> 0.086 (0.7: 22% / 15% given, F1 0.46 / 0.087).",
    )
    next_sentence_answers: bool = Field(
        default=False,
        description="When the best sentence holds no phrase of the asked kind and the sentence right after it does, "
        "quote that one next. Measured (python -m bench.devsets): answer-contained realtimeqa2022 0.61 -> 0.63, "
        "hotpotqa100 0.45 -> 0.45 (encyclopedia 0.68 -> 0.68), citations unchanged: it helps one dev set only, "
        "so it is off by default.",
    )
    answer_documents: int = Field(
        default=2, ge=1, le=10, description="Most documents an extractive answer quotes (conflicts come on top)."
    )
    common_term_share: float = Field(
        default=0.05,
        gt=0.0,
        le=1.0,
        description="A word in at least this share of the store's chunks (and 20 of them) is too common to be a "
        "short answer (a publisher's name in every article).",
    )
    abstain_threshold: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Least P(answerable) (rag/answerability.py, a logistic model of evidence features) to answer; "
        "below it Citewise abstains. Leave-one-set-out at 0.2 (python -m bench.abstention): fitted without "
        "realtimeqa2022, it abstains on 0% of its 200 answerable and 8% of its 50 unanswerable questions; fitted "
        "without hotpotqa100, on 5% of its 100 answerable and 100% of the 25 unanswerable written for it. "
        "Lower answers more (0.1: 0% / 4% and 1% / 96%), higher abstains more (0.4: 0.5% / 16% and 17% / 100%).",
    )
    yes_no_support: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Least verification score (share of the claim's words in one cited sentence) for a yes/no "
        "question's part to count as supported; 'Yes' needs every part supported. At 1.0 on hotpotqa100 (the only "
        "dev set with yes/no questions; python -m bench.devsets): 2 right 'Yes', no wrong verdict, answer-contained "
        "0.68 -> 0.70; at 0.5 a third 'Yes' was wrong (a film that is not animated).",
    )
    support_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Least P(supported) (rag/support.py, a logistic model fitted on human judgements by "
        "bench/support.py) for a cited sentence to count as supported. At 0.5 on attribution-dev, 5-fold: "
        "macro-F1 0.685, 45% of claims called supported (half are); the old word-overlap rules: 0.605, 29%.",
    )
    llm: str | None = Field(
        default=None,
        description="Chat model as PROVIDER:MODEL (e.g. openai:gpt-4o-mini, ollama:llama3); "
        "unset means the extractive answerer.",
    )
    llm_base_url: str | None = Field(default=None, description="Base URL of an OpenAI-compatible server.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the chat model's server.")
    llm_timeout: float = Field(default=60.0, gt=0, description="Seconds to wait for the chat model.")
    max_question_chars: int = Field(default=2000, ge=10, description="Longest question accepted.")

    @model_validator(mode="after")
    def _apply_profile(self) -> Settings:
        for name, value in PROFILES.get(self.profile, {}).items():
            if name not in self.model_fields_set:
                self.__dict__[name] = value  # direct: validate_assignment would re-run this validator
        return self

    def for_collection(self, kind: str) -> Settings:
        """These settings with the profile `kind` applied, for an 'auto' profile once the collection is known;
        the fields set explicitly keep their values."""
        if self.profile != "auto":
            return self
        resolved = self.model_copy()
        for name, value in PROFILES[kind].items():
            if name not in self.model_fields_set:
                resolved.__dict__[name] = value
        resolved.__dict__["profile"] = kind
        return resolved

    def answer_policy(self) -> AnswerPolicy:
        return AnswerPolicy(
            lead_bonus=self.lead_bonus,
            follow_ratio=self.follow_ratio,
            link_bonus=self.link_bonus,
            max_documents=self.answer_documents,
            kind_bonus_names=self.kind_bonus_names,
        )

    @field_validator("llm")
    @classmethod
    def _check_llm(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if ":" not in value:
            raise ValueError(f"llm must look like PROVIDER:MODEL (e.g. openai:gpt-4o-mini), got {value!r}")
        return value
