"""The Answer JSON contract (DESIGN.md, `Answer.to_dict()`) as pydantic models: exactly the keys `to_dict()`
emits, no others (`extra="forbid"`), each described. `AnswerJSON.model_json_schema()` is the published schema;
tests/rag/test_answer_schema.py validates real answers against it and compares it with a committed snapshot,
so a change of the contract is a deliberate snapshot update. Only for validation and documentation: the
answer itself is built by `rag.types`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Box = tuple[int, float, float, float, float]
"""`[page, x0, y0, x1, y1]`: page 1-based, coordinates in PDF points (2 decimals), origin at the page's top left."""


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CitationJSON(_Contract):
    """One numbered citation: an exact span of a stored document and the check of the sentence that cites it."""

    n: int = Field(ge=1, description="The marker number: `[n]` in the answer text refers to this citation.")
    doc_id: str = Field(description="Id of the cited document.")
    source: str = Field(description="Where the document came from: its file path or name.")
    title: str = Field(description="Title of the document.")
    start: int = Field(ge=0, description="Character offset of the quote's start in the document's stored text.")
    end: int = Field(ge=0, description="Character offset just after the quote's end in the stored text.")
    page: int | None = Field(ge=1, description="1-based page of the quote's start (PDFs and images), else null.")
    line: int | None = Field(ge=1, description="1-based line of the stored text where the quote starts.")
    quote: str = Field(description="Exactly `stored_text[start:end]`.")
    supported: bool = Field(
        description="Whether the support checker found the sentence carrying the marker supported by the quote."
    )
    score: float = Field(ge=0.0, le=1.0, description="The checker's probability that the quote supports it.")
    reason: str = Field(
        description="Why the quote does not support the sentence (a number, a name, a negation...); empty when it does."
    )
    boxes: list[Box] = Field(
        default_factory=list,
        description="PDF and image citations only (the key is absent otherwise): rectangles `[page, x0, y0, x1, "
        "y1]` in points, origin at the page's top left, covering the quote's characters on the rendered pages.",
    )


class ConflictJSON(_Contract):
    """Cited sources that state different values for the same thing."""

    about: str = Field(description="What the sources disagree about.")
    citations: list[int] = Field(description="Marker numbers (`n`) of the citations that disagree.")
    values: list[str] = Field(description="The differing values, as the sources write them.")


class PassageMetadataJSON(_Contract):
    """What the document says about itself (null where unknown)."""

    title: str | None = Field(description="Title of the document.")
    source: str | None = Field(description="The publisher when the document names one, else the file name.")
    author: str | None = Field(description="Author(s) as the document names them.")
    date: str | None = Field(description="Publication date, ISO 8601 (YYYY-MM-DD).")


class PassageJSON(_Contract):
    """A retrieved span of a document, as given to the answer step."""

    doc_id: str = Field(description="Id of the document.")
    source: str = Field(description="Where the document came from: its file path or name.")
    title: str = Field(description="Title of the document.")
    start: int = Field(ge=0, description="Character offset of the passage's start in the stored text.")
    end: int = Field(ge=0, description="Character offset just after the passage's end in the stored text.")
    page: int | None = Field(ge=1, description="1-based page of the passage's start (PDFs and images), else null.")
    text: str = Field(description="Exactly `stored_text[start:end]`.")
    score: float = Field(ge=0.0, le=1.0, description="Retrieval score relative to the best passage (which has 1).")
    metadata: PassageMetadataJSON = Field(description="The document's metadata (the fields the filters match).")


class TimingsJSON(_Contract):
    """Wall-clock time of the answer's steps, in milliseconds (1 decimal)."""

    retrieve: float = Field(ge=0.0, description="Searching the collection and assembling the passages.")
    answer: float = Field(ge=0.0, description="Reading the passages, composing and checking the answer.")
    total: float = Field(ge=0.0, description="The whole question, from receipt to answer.")


class ShortAnswerJSON(_Contract):
    """The answering phrase of a who/what/when/how-many question, inside the quote of one citation."""

    text: str = Field(description="The phrase: exactly `stored_text[start:end]`.")
    citation: int = Field(ge=1, description="Marker number (`n`) of the citation whose quote holds the phrase.")
    start: int = Field(ge=0, description="Character offset of the phrase's start in the stored text.")
    end: int = Field(ge=0, description="Character offset just after the phrase's end in the stored text.")


class AnswerPartJSON(_Contract):
    """One part of a multi-part question (a comparison, two named things, joined clauses), answered alone."""

    question: str = Field(description="The part, as a question of its own.")
    citations: list[int] = Field(description="Marker numbers (`n`) of the citations that answer this part.")
    answered: bool = Field(description="Whether the documents answer this part.")
    check: Literal["supports", "contradicts"] | None = Field(
        description="Yes/no questions: whether the part's evidence supports or contradicts it; null when neither."
    )


class AnswerJSON(_Contract):
    """The answer to one question (`citewise ask --json`, `POST /api/v1/ask`, `Answer.to_dict()`)."""

    question: str = Field(description="The question as asked.")
    answer: str = Field(description="The answer text, with `[n]` markers referring to `citations`.")
    abstained: bool = Field(
        description="True when the documents do not contain an answer: `answer` says so and `citations` may be empty."
    )
    mode: Literal["extractive", "llm"] = Field(
        description="extractive: sentences quoted from the documents; llm: written by a chat model, then checked."
    )
    citations: list[CitationJSON] = Field(description="The citations the markers refer to, by `n`.")
    conflicts: list[ConflictJSON] = Field(description="Cited sources that disagree with each other.")
    passages: list[PassageJSON] = Field(description="The retrieved passages the answer was made from, best first.")
    timings_ms: TimingsJSON = Field(description="How long each step took.")
    notices: list[str] = Field(
        description="What the user should know about how this answer was made (e.g. the LLM failed, the "
        "extractive answer is shown instead)."
    )
    standalone_question: str | None = Field(
        description="A follow-up question rewritten to stand alone, when the conversation changed it; else null."
    )
    unsupported_sentences: int = Field(ge=0, description="Sentences whose citation does not support them.")
    uncited_sentences: int = Field(ge=0, description="Sentences that cite nothing (LLM mode).")
    answerability: float = Field(
        ge=0.0,
        le=1.0,
        description="How well the retrieved text answers the question (0..1); below the threshold Citewise abstains.",
    )
    short_answer: ShortAnswerJSON | None = Field(
        description="The answering phrase of a who/what/when/how-many question; null when there is none."
    )
    parts: list[AnswerPartJSON] = Field(description="The parts of a multi-part question; empty for a single one.")
    verdict: Literal["Yes", "No"] | None = Field(
        description="For a yes/no question whose every part the evidence supports or contradicts; else null."
    )
