"""The application's settings: the index's, plus retrieval, answering and LLM (env prefix `CITEWISE_`)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from index.settings import IndexSettings


class Settings(IndexSettings):
    """Everything `rag` needs; built once at the edge (CLI, web UI, API caller) and passed down."""

    top_k: int = Field(default=5, ge=1, le=50, description="Passages handed to the answerer and shown.")
    candidates: int = Field(
        default=40, ge=1, le=1000, description="Chunks each retriever (dense, BM25) proposes before fusion."
    )
    rrf_k: int = Field(default=20, ge=1, description="Reciprocal-rank-fusion constant: higher flattens ranks.")
    second_hop: bool = Field(
        default=True,
        description="Run a second retrieval round seeded by the first round's passages (multi-hop questions).",
    )
    title_links: bool = Field(
        default=True,
        description="Rank the documents whose title the question names (and, in the second hop, that a top "
        "passage names) as a list of their own.",
    )
    document_weight: float = Field(
        default=1.0,
        ge=0.0,
        description="Weight in the fusion of whole-document BM25 (each document as its best chunk); 0 turns it off.",
    )
    document_candidates: int = Field(
        default=20, ge=1, le=1000, description="Documents whole-document BM25 proposes before fusion."
    )
    mmr: bool = Field(default=False, description="Diversify passages with maximal marginal relevance.")
    mmr_lambda: float = Field(default=0.7, ge=0.0, le=1.0, description="MMR trade-off: 1 = relevance only.")
    answer_sentences: int = Field(default=3, ge=1, le=10, description="Most sentences in an extractive answer.")
    abstain_threshold: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Least P(answerable) (rag/answerability.py, a logistic model of evidence features) to answer; "
        "below it Citewise abstains. Leave-one-set-out at 0.2 (bench/abstention.py): fitted without "
        "realtimeqa2022, it abstains on 0.5% of its answerable and 16% of its unanswerable questions; fitted "
        "without hotpotqa100, on 5% of its answerable and 100% of the unanswerable written for it.",
    )
    support_threshold: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Least verification score for a cited sentence to count as supported."
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

    @field_validator("llm")
    @classmethod
    def _check_llm(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if ":" not in value:
            raise ValueError(f"llm must look like PROVIDER:MODEL (e.g. openai:gpt-4o-mini), got {value!r}")
        return value
