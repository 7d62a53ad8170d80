"""The answering chain as LangChain runnables: condense -> retrieve -> answer -> Answer.

The answer step is extractive by default, or written by a chat model (`mode="llm"`) and then checked; when
the model fails, the extractive answer is given with a notice saying why.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

from langchain_core.runnables import RunnableLambda

from rag.answering.answerability import Features, features, load_model, unmentioned_names
from rag.answering.conflicts import find_conflicts, topic
from rag.answering.reading import ScoredSentence, choose, question_weights, score_sentences, with_next_sentence
from rag.answering.short_answer import short_answer
from rag.checking.citations import span_citation
from rag.checking.support import SupportChecker
from rag.questions.followup import History, condense
from rag.questions.parts import QuestionPart, split_question
from rag.questions.yesno import (
    PartCheck,
    check_claim,
    claim_of,
    evidence,
    is_yes_no,
    order_holds,
    relates_parts,
    verdict,
)
from rag.retrieval.fusion import RetrievalRun, interleave
from rag.retrieval.search import Retrieval
from rag.settings import Settings
from rag.types import Answer, AnswerPart, Citation, Conflict, Passage

PART_SENTENCES = 2
"""Most sentences quoted for one part of a multi-part question."""
COMMON_MIN_CHUNKS = 20
"""A term in fewer chunks than this is never common, however small the store."""
ABSTAIN_TEXT = "The documents do not say. None of the retrieved passages answers this question"


@dataclass
class Turn:
    """What flows through the chain for one question."""

    question: str
    history: History | None = None
    k: int | None = None
    answer_k: int | None = None
    doc_ids: list[str] | None = None
    query: str = ""
    context: str = ""
    run: RetrievalRun | None = None
    parts: list[QuestionPart] = field(default_factory=list)
    part_runs: list[RetrievalRun] = field(default_factory=list)
    """One retrieval per part of a multi-part question; `run` then interleaves their passages."""
    mode: str = "extractive"
    notices: list[str] = field(default_factory=list)
    standalone: str | None = None
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)


class AnswerChain:
    def __init__(self, retrieval: Retrieval, model=None):
        self.retrieval = retrieval
        self._model = model
        self.prepare = RunnableLambda(self._condense, name="condense") | RunnableLambda(self._retrieve, name="retrieve")
        self.runnable = self.prepare | RunnableLambda(self._answer, name="answer")

    @property
    def settings(self) -> Settings:
        """The retrieval's settings for this collection (an 'auto' profile resolved)."""
        return self.retrieval.settings

    @cached_property
    def checker(self) -> SupportChecker:
        """The support checker of every citation (rag/support.py), with the store's own encoder."""
        # An encoder without word-piece vectors (a user's own LangChain Embeddings) leaves the checker to the
        # word features.
        encode = getattr(self.retrieval.library.embeddings, "encode_tokens", None)
        return SupportChecker(encode, self.settings.checks.support_threshold)

    @property
    def model(self):
        if self._model is None:
            from rag.answering.llm import build_model

            self._model = build_model(self.settings)
        return self._model

    def invoke(self, turn: Turn) -> Answer:
        return self.runnable.invoke(turn)

    def stream(self, turn: Turn) -> Iterator[str | Answer]:
        if turn.mode == "llm":
            yield from self._llm_stream(self.prepare.invoke(turn))
            return
        answer = self.invoke(turn)
        # The extractive answer exists at once; it is streamed sentence by sentence for a uniform interface.
        for piece in answer.answer.split("] "):
            yield piece + ("] " if not piece.endswith("]") and "[" in piece else "")
        yield answer

    # -- steps
    def _condense(self, turn: Turn) -> Turn:
        turn.query, turn.context = condense(turn.question, turn.history)
        if turn.mode == "llm" and turn.history:
            from rag.answering.llm import condense_messages, reply_text

            try:
                turn.standalone = reply_text(self.model.invoke(condense_messages(turn.question, turn.history)))
                turn.query, turn.context = turn.standalone, ""
            except Exception as exc:  # any model failure: fall back to searching with the conversation
                turn.notices.append(
                    f"The language model could not rewrite the follow-up ({describe_failure(exc)}); "
                    "it was searched together with the previous question."
                )
        return turn

    def _retrieve(self, turn: Turn) -> Turn:
        started = time.perf_counter()
        k = turn.k or self.settings.retrieval.top_k
        turn.parts = split_question(turn.query) if self.settings.questions.multi_part else []
        if len(turn.parts) > 1:
            turn.part_runs = [self.retrieval.search(part.question, k=k, doc_ids=turn.doc_ids) for part in turn.parts]
            turn.run = interleave(turn.part_runs, k)
        else:
            turn.run = self.retrieval.search(turn.query, k=k, doc_ids=turn.doc_ids)
        turn.timings["retrieve"] = 1000 * (time.perf_counter() - started)
        return turn

    def _answer(self, turn: Turn) -> Answer:
        if turn.mode == "llm":
            answer = None
            for event in self._llm_stream(turn, stream=False):
                answer = event
            return answer
        return self._extractive(turn)

    def _llm_stream(self, turn: Turn, stream: bool = True) -> Iterator[str | Answer]:
        from rag.answering.llm import answer_messages, checked_answer, is_insufficient, reply_text

        started = time.perf_counter()
        passages = turn.run.passages[: turn.answer_k or self.settings.retrieval.top_k]
        if not passages:
            yield self._finish(turn, self.abstention(turn, []), started, 0.0, mode="llm")
            return
        messages = answer_messages(turn.question, passages)
        try:
            if stream:
                pieces = []
                for chunk in self.model.stream(messages):
                    piece = chunk.content if isinstance(chunk.content, str) else ""
                    if piece:
                        pieces.append(piece)
                        yield piece
                reply = reply_text("".join(pieces))
            else:
                reply = reply_text(self.model.invoke(messages))
        except Exception as exc:  # unreachable, timed out, malformed: the extractive answer, with a notice
            turn.notices.append(
                f"The language model failed ({describe_failure(exc)}); this is Citewise's extractive answer instead."
            )
            yield self._extractive(turn)
            return
        if is_insufficient(reply):
            yield self._finish(turn, self.abstention(turn, turn.run.passages), started, 0.0, mode="llm")
            return
        text, citations, unsupported, uncited, dropped = checked_answer(
            reply, passages, self.retrieval.document, self.checker
        )
        if dropped:
            turn.notices.append(
                "The model cited passages that do not exist: " + ", ".join(f"[{n}]" for n in dropped) + " (dropped)."
            )
        if not citations:
            turn.notices.append("The model cited nothing; none of its sentences could be checked.")
        answer = Answer(
            question=turn.question,
            answer=text,
            abstained=False,
            mode="llm",
            citations=tuple(citations),
            passages=tuple(turn.run.passages),
            unsupported_sentences=unsupported,
            uncited_sentences=uncited,
        )
        supported_share = sum(c.supported for c in citations) / len(citations) if citations else 0.0
        yield self._finish(turn, answer, started, supported_share, mode="llm")

    def _finish(self, turn: Turn, answer: Answer, started: float, answerability: float, mode: str) -> Answer:
        turn.timings["answer"] = 1000 * (time.perf_counter() - started)
        turn.timings["total"] = 1000 * (time.perf_counter() - turn.started)
        return replace(
            answer,
            mode=mode,
            timings_ms=dict(turn.timings),
            answerability=answerability,
            notices=tuple(turn.notices),
            standalone_question=turn.standalone or answer.standalone_question,
        )

    def _extractive(self, turn: Turn) -> Answer:
        if turn.part_runs:
            return self._extractive_parts(turn)
        started = time.perf_counter()
        passages = turn.run.passages
        scored = score_sentences(
            turn.question,
            passages[: turn.answer_k or self.settings.retrieval.top_k],
            self.document_text,
            turn.context,
            self.settings.answering,
        )
        answerability = self.answerability(turn, scored)
        if (
            answerability < self.settings.answering.abstain_threshold or not scored
        ):  # nothing retrieved: nothing to quote
            answer = self.abstention(turn, passages)
        else:
            answer = self.decide_yes_no(turn.question, self.compose(turn, scored, passages))
        return self._finish(turn, answer, started, answerability, mode="extractive")

    def _extractive_parts(self, turn: Turn) -> Answer:
        """Each part answered from its own retrieval, in the question's order; the parts the documents do
        not answer are named as such; abstention only when no part is answered."""
        started = time.perf_counter()
        answer_k = turn.answer_k or self.settings.retrieval.top_k
        citations: list[Citation] = []
        number_of: dict[tuple[str, int], int] = {}
        texts: list[str] = []
        parts: list[AnswerPart] = []
        checks: list[PartCheck] = []
        conflicts: list[Conflict] = []
        yes_no = is_yes_no(turn.question) and not relates_parts(turn.question)
        best = 0.0
        for part, run in zip(turn.parts, turn.part_runs, strict=True):
            passages = run.passages[:answer_k]
            scored = score_sentences(part.question, passages, self.document_text, "", self.settings.answering)
            probability = self._probability(part.question, "", scored, passages, run)
            best = max(best, probability)
            if probability < self.settings.answering.abstain_threshold or not scored:
                texts.append(f"On {part.subject}, the documents do not say.")
                parts.append(AnswerPart(part.question))
                checks.append(PartCheck(None))
                continue
            weights = question_weights(part.question)
            chosen = choose(scored, PART_SENTENCES, weights, self.settings.answering)
            disagreements = find_conflicts(part.question, scored, self.document_text)
            chosen += [s for a, b, _, _ in disagreements for s in (a, b) if s not in chosen]
            markers = self.cite(chosen, citations, number_of)
            texts.append(f"On {part.subject}: " + " ".join(f"{citations[n - 1].quote} [{n}]" for n in markers))
            for found in disagreements:
                conflict, said = self.conflict(part.question, found, number_of)
                conflicts.append(conflict)
                texts.append(said)
            check = self.check_part(part.question, [citations[n - 1] for n in markers]) if yes_no else PartCheck(None)
            checks.append(check if check.sentence is None else PartCheck(check.outcome, markers[check.sentence]))
            parts.append(AnswerPart(part.question, tuple(markers), True, check.outcome))
        decided = self.parts_verdict(turn.parts, checks, citations) if yes_no else None
        if decided:
            texts.insert(0, f"{decided}.")
        if not any(p.answered for p in parts):
            answer = self.abstention(turn, turn.run.passages)
        else:
            answer = Answer(
                question=turn.question,
                answer=" ".join(texts),
                abstained=False,
                mode="extractive",
                citations=tuple(citations),
                conflicts=tuple(conflicts),
                passages=tuple(turn.run.passages),
                standalone_question=turn.query if turn.context else None,
                parts=tuple(parts),
                verdict=decided,
            )
        return self._finish(turn, answer, started, best, mode="extractive")

    # -- yes/no questions
    def decide_yes_no(self, question: str, answer: Answer) -> Answer:
        """'Yes.' or 'No.' before the evidence when the cited sentences check the question's claim."""
        if not is_yes_no(question) or relates_parts(question) or not answer.citations:
            return answer
        decided = verdict([self.check_part(question, list(answer.citations))])
        return replace(answer, answer=f"{decided}. {answer.answer}", verdict=decided) if decided else answer

    def check_part(self, question: str, citations: list[Citation]) -> PartCheck:
        cited = []
        for citation in citations:
            record = self.retrieval.record(citation.doc_id)
            author, publisher = (record.author, record.publisher) if record else (None, None)
            cited.append(evidence(citation.quote, citation.title, publisher, author))
        return check_claim(claim_of(question), cited, self.settings.checks.yes_no_support)

    def parts_verdict(self, parts: list[QuestionPart], checks: list[PartCheck], citations: list[Citation]):
        """The verdict over all parts; a before/after question compares the dates of the deciding documents."""
        relation = next((p.joined_by for p in parts if p.joined_by), "")
        order = None
        if relation and len(checks) == 2 and all(c.sentence is not None for c in checks):
            first, second = (self.retrieval.record(citations[c.sentence - 1].doc_id) for c in checks)
            order = order_holds(relation, first and first.date, second and second.date)
        return verdict(checks, asks_order=bool(relation), order=order)

    # -- parts
    def document_text(self, doc_id: str) -> str:
        return self.retrieval.document_text(doc_id)[0]

    def is_common(self, term: str) -> bool:
        """A stemmed term in so many chunks of the store that it names nothing in particular ("cnn", "said")."""
        frequencies, chunks = self.retrieval.library.keyword.document_frequencies([term])
        count = frequencies.get(term, 0)
        return count >= COMMON_MIN_CHUNKS and count >= self.settings.answering.common_term_share * chunks

    def evidence(self, turn: Turn, scored: list[ScoredSentence]) -> Features:
        passages = turn.run.passages[: turn.answer_k or self.settings.retrieval.top_k]
        return self._features(turn.question, turn.context, scored, passages, turn.run)

    def answerability(self, turn: Turn, scored: list[ScoredSentence]) -> float:
        """P(the retrieved text answers the question), from the fitted abstention model; abstain below
        `answering.abstain_threshold`."""
        return load_model().probability(self.evidence(turn, scored)) if scored else 0.0

    def _probability(self, question: str, context: str, scored, passages, run) -> float:
        if not scored:
            return 0.0
        return load_model().probability(self._features(question, context, scored, passages, run))

    def _features(self, question: str, context: str, scored, passages, run) -> Features:
        return features(question, context, scored, passages, run, self.retrieval.library.keyword)

    def abstention(self, turn: Turn, passages: list[Passage]) -> Answer:
        related = ""
        if passages:
            titles = list(dict.fromkeys(p.title for p in passages[:3]))
            related = " The closest passages, from " + "; ".join(titles) + ", are listed below as related."
        return Answer(
            question=turn.question,
            answer=ABSTAIN_TEXT + "." + related,
            abstained=True,
            mode="extractive",
            passages=tuple(passages),
            standalone_question=turn.query if turn.context else None,
        )

    def compose(self, turn: Turn, scored: list[ScoredSentence], passages: list[Passage]) -> Answer:
        weights = question_weights(turn.question, turn.context)
        chosen = choose(scored, self.settings.answering.max_sentences, weights, self.settings.answering)
        if self.settings.answering.next_sentence_answers:
            chosen = with_next_sentence(turn.question, chosen, scored, self.is_common)
        disagreements = find_conflicts(turn.question, scored, self.document_text)
        for a, b, _, _ in disagreements:
            for sentence in (a, b):
                if sentence not in chosen:
                    chosen.append(sentence)
        citations: list[Citation] = []
        number_of: dict[tuple[str, int], int] = {}
        markers = self.cite(chosen, citations, number_of)
        parts = [f"{sentence.text} [{n}]" for sentence, n in zip(chosen, markers, strict=True)]
        confident = chosen[0].coverage >= self.settings.answering.short_answer_min_coverage
        short = short_answer(turn.question, citations[:1], self.is_common) if confident and not disagreements else None
        if short is not None:
            parts.insert(0, f"{short.text}.")
        unmentioned = unmentioned_names(turn.question, passages[: turn.answer_k or self.settings.retrieval.top_k])
        if unmentioned:
            parts.append("The documents do not mention " + ", ".join(f"“{name}”" for name in unmentioned) + ".")
        conflicts = []
        for found in disagreements:
            conflict, said = self.conflict(turn.question, found, number_of)
            conflicts.append(conflict)
            parts.append(said)
        return Answer(
            question=turn.question,
            answer=" ".join(parts),
            abstained=False,
            mode="extractive",
            citations=tuple(citations),
            conflicts=tuple(conflicts),
            passages=tuple(passages),
            standalone_question=turn.query if turn.context else None,
            short_answer=short,
        )

    @staticmethod
    def conflict(question: str, found, number_of: dict[tuple[str, int], int]) -> tuple[Conflict, str]:
        """A disagreement between two cited sentences, and the sentence of the answer that shows it."""
        a, b, value_a, value_b = found
        na, nb = number_of[(a.doc_id, a.start)], number_of[(b.doc_id, b.start)]
        said = f"The sources disagree: [{na}] says {value_a}, [{nb}] says {value_b}."
        return Conflict(about=topic(question), citations=(na, nb), values=(value_a, value_b)), said

    def cite(
        self, sentences: list[ScoredSentence], citations: list[Citation], number_of: dict[tuple[str, int], int]
    ) -> list[int]:
        """The marker of each sentence: a new citation appended the first time a sentence is cited, the same
        number when a sentence is cited again (two parts of a question answered by one sentence)."""
        markers = []
        for sentence in sentences:
            key = (sentence.doc_id, sentence.start)
            if key not in number_of:
                number_of[key] = len(citations) + 1
                citations.append(self.citation(number_of[key], sentence))
            markers.append(number_of[key])
        return markers

    def citation(self, n: int, sentence: ScoredSentence) -> Citation:
        stored = self.retrieval.document(sentence.doc_id)
        verdict = self.checker.check(sentence.text, stored.text[sentence.start : sentence.end])
        return span_citation(n, sentence.doc_id, stored, sentence.start, sentence.end, verdict)


def describe_failure(exc: Exception) -> str:
    """One short reason for a model failure, for the notice shown beside the answer."""
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    if "Timeout" in name or "timed out" in text.lower():
        return "it timed out"
    if "Connection" in name or "connect" in text.lower():
        return "it could not be reached"
    return f"{name}: {text}" if text else name
