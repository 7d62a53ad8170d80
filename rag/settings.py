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
    mmr: bool = Field(default=False, description="Diversify passages with maximal marginal relevance.")
    mmr_lambda: float = Field(default=0.7, ge=0.0, le=1.0, description="MMR trade-off: 1 = relevance only.")
    answer_sentences: int = Field(default=3, ge=1, le=10, description="Most sentences in an extractive answer.")
    abstain_threshold: float = Field(
        default=0.40,
        ge=0.0,
        le=1.0,
        description="Least answerability (0..1) of the retrieved text; below it Citewise abstains. "
        "Calibrated with bench/abstention.py: 0.40 abstained on 0% of 114 answerable and answered 2.7% of 37 "
        "unanswerable questions.",
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
