"""One question's straight path, from `Assistant.ask` to `Answer`:

    understand -> retrieve -> [LLM: write -> check] -> read -> decide -> compose (and check) -> Answer

Each stage is a function with frozen, typed input and output (rag/stages.py). This orchestrator owns what is
not a stage: the settings resolved once per question, the timings, the notices, and the fallback to the
extractive answer when the language model fails. Streaming runs the same stages.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import replace
from functools import cached_property
from typing import Protocol, runtime_checkable

from langchain_core.runnables import Runnable, RunnableLambda

from rag.answering.compose import abstention_text, compose
from rag.answering.llm import (
    answer_messages,
    build_model,
    condense_messages,
    invoke_model,
    is_insufficient,
    stream_model,
)
from rag.answering.reader import decide, read, shown_passages
from rag.checking.reply import check_reply
from rag.checking.support import Encode, SupportChecker
from rag.errors import ModelError
from rag.questions.followup import History
from rag.questions.understand import understand
from rag.retrieval.retrieve import retrieve
from rag.retrieval.search import Retrieval
from rag.settings import Settings
from rag.stages import Query, Reading, Retrieved, Turn
from rag.types import Answer, Passage


@runtime_checkable
class TokenEncoder(Protocol):
    """An encoder that also gives its word pieces' vectors in context (the support checker's finest feature)."""

    encode_tokens: Encode


class Pipeline:
    """Answers one `Turn` over a collection: extractive by default, written by a chat model in "llm" mode."""

    def __init__(self, retrieval: Retrieval, encoder: object = None, model=None):
        self.retrieval = retrieval
        self.encoder = encoder
        self._model = model

    @cached_property
    def checker(self) -> SupportChecker:
        """The support checker of every citation and verdict, with the store's own encoder when it gives word
        pieces' vectors (a user's own LangChain Embeddings leave the checker to its word features)."""
        encode = self.encoder.encode_tokens if isinstance(self.encoder, TokenEncoder) else None
        return SupportChecker(encode, self.retrieval.settings.checks.support_threshold)

    def model(self, settings: Settings):
        if self._model is None:
            self._model = build_model(settings)  # ModelError when none is configured
        return self._model

    # -- running
    def invoke(self, turn: Turn) -> Answer:
        *_, answer = self.run(turn, stream=False)
        return answer

    def stream(self, turn: Turn) -> Iterator[str | Answer]:
        """Partial text as it is written (the model's own in LLM mode; the extractive answer's sentences), then
        the final `Answer`."""
        for event in self.run(turn, stream=True):
            if isinstance(event, Answer) and event.mode == "extractive":
                for piece in event.answer.split("] "):
                    yield piece + ("] " if not piece.endswith("]") and "[" in piece else "")
            yield event

    def as_runnable(self) -> Runnable:
        """The pipeline as a LangChain runnable: `Turn` in, `Answer` out."""
        return RunnableLambda(self.invoke, name="citewise")

    def run(self, turn: Turn, stream: bool) -> Generator[str | Answer, None, None]:
        started = time.perf_counter()
        settings = self.retrieval.settings  # an 'auto' profile resolved for this collection, once per question
        k, answer_k = turn.k or settings.retrieval.top_k, turn.answer_k or settings.retrieval.top_k
        rewrite = (lambda q, h: self._rewrite(q, h, settings)) if turn.mode == "llm" else None
        query = understand(turn.question, turn.history, settings.questions.multi_part, rewrite)
        notices = list(query.notices)
        retrieve_started = time.perf_counter()
        retrieved = retrieve(query, self.retrieval, k, turn.doc_ids)
        timings = {"retrieve": _ms(retrieve_started)}
        answer = None
        answer_started = time.perf_counter()
        if turn.mode == "llm":
            try:
                answer = yield from self._written(query, retrieved, answer_k, settings, notices, stream)
            except ModelError as exc:
                notices.append(
                    f"The language model failed ({exc.reason}); this is Citewise's extractive answer instead."
                )
                answer_started = time.perf_counter()
        if answer is None:
            answer = self._extracted(query, retrieved, answer_k, settings)
        timings["answer"] = _ms(answer_started)
        timings["total"] = _ms(started)
        yield replace(
            answer,
            timings_ms=timings,
            notices=tuple(notices),
            standalone_question=query.standalone or (query.search if query.context else None),
        )

    def readings(self, turn: Turn) -> tuple[Reading, ...]:
        """The first stages alone (understand, retrieve, read), with the settings `run` uses: the evidence
        benchmarks fit the abstention model on, one `Reading` per part."""
        settings = self.retrieval.settings
        query = understand(turn.question, turn.history, settings.questions.multi_part)
        retrieved = retrieve(query, self.retrieval, turn.k or settings.retrieval.top_k, turn.doc_ids)
        return read(query, retrieved, self.retrieval, settings, turn.answer_k or settings.retrieval.top_k)

    # -- the two ways of answering
    def _extracted(self, query: Query, retrieved: Retrieved, answer_k: int, settings: Settings) -> Answer:
        readings = read(query, retrieved, self.retrieval, settings, answer_k)
        decision = decide(readings, settings.answering.abstain_threshold)
        shown = shown_passages(readings, retrieved.run.passages)
        if decision.abstain:
            return _abstained(query, shown, "extractive", decision.answerability)
        composition = compose(query, readings, decision, self.retrieval, settings, self.checker)
        return Answer(
            question=query.question,
            answer=composition.text,
            abstained=False,
            mode="extractive",
            citations=composition.citations,
            conflicts=composition.conflicts,
            passages=shown,
            answerability=decision.answerability,
            short_answer=composition.short_answer,
            parts=composition.parts,
            verdict=composition.verdict,
        )

    def _written(
        self, query: Query, retrieved: Retrieved, answer_k: int, settings: Settings, notices: list[str], stream: bool
    ) -> Generator[str, None, Answer]:
        """The model's answer, every cited sentence checked; raises ModelError for the extractive fallback."""
        passages = retrieved.run.passages[:answer_k]
        if not passages:
            return _abstained(query, (), "llm", 0.0)
        model = self.model(settings)
        messages = answer_messages(query.question, passages)
        if stream:
            pieces = []
            for piece in stream_model(model, messages):
                pieces.append(piece)
                yield piece
            reply = "".join(pieces).strip()  # stream_model raised ModelReplyError if it was empty
        else:
            reply = invoke_model(model, messages)
        if is_insufficient(reply):
            return _abstained(query, retrieved.run.passages, "llm", 0.0)
        checked = check_reply(reply, passages, self.retrieval, self.checker)
        if checked.dropped:
            cited = ", ".join(f"[{n}]" for n in checked.dropped)
            notices.append(f"The model cited passages that do not exist: {cited} (dropped).")
        if not checked.citations:
            notices.append("The model cited nothing; none of its sentences could be checked.")
        supported = sum(c.supported for c in checked.citations)
        return Answer(
            question=query.question,
            answer=checked.text,
            abstained=False,
            mode="llm",
            citations=checked.citations,
            passages=retrieved.run.passages,
            unsupported_sentences=checked.unsupported,
            uncited_sentences=checked.uncited,
            answerability=supported / len(checked.citations) if checked.citations else 0.0,
        )

    def _rewrite(self, question: str, history: History, settings: Settings) -> str:
        return invoke_model(self.model(settings), condense_messages(question, history))


def _abstained(query: Query, passages: tuple[Passage, ...], mode: str, answerability: float) -> Answer:
    return Answer(
        question=query.question,
        answer=abstention_text(passages),
        abstained=True,
        mode=mode,
        passages=passages,
        answerability=answerability,
    )


def _ms(since: float) -> float:
    return 1000 * (time.perf_counter() - since)
