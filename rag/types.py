"""The answer contract (DESIGN.md): plain, serialisable data that the UI renders and callers check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _pick(item: object, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields as JSON-ready values (scores rounded to 4 places)."""
    return {name: round(value, 4) if name == "score" else value for name in names for value in (getattr(item, name),)}


@dataclass(frozen=True)
class ShortAnswer:
    """The answering phrase: `stored_text[start:end] == text`, inside the quote of citation `citation`."""

    text: str
    citation: int
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citation": self.citation, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Passage:
    """A retrieved span of a document: `text == stored_text[start:end]`."""

    doc_id: str
    source: str
    title: str
    start: int
    end: int
    text: str
    score: float
    page: int | None = None
    sentences: tuple[tuple[int, int], ...] = ()
    """Absolute offsets of the passage's sentences in the stored text."""
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)
    """{"title", "source", "author", "date"} of the document (None where unknown)."""

    def to_dict(self) -> dict[str, Any]:
        return _pick(self, ("doc_id", "source", "title", "start", "end", "page", "text", "score", "metadata"))


@dataclass(frozen=True)
class Citation:
    """`n` is the marker `[n]`; `quote == stored_text[start:end]` always holds."""

    n: int
    doc_id: str
    source: str
    title: str
    start: int
    end: int
    quote: str
    supported: bool
    score: float
    page: int | None = None
    line: int | None = None
    reason: str = ""
    """Why the cited text does not support the sentence (a number, a name, a negation, or that it does not
    say this); empty when it does."""
    boxes: tuple[tuple[float, ...], ...] = ()
    """PDFs: `(page, x0, y0, x1, y1)` rectangles in PDF points, origin at the page's top left, covering the
    quote's characters on the rendered pages (one per line part)."""

    def to_dict(self) -> dict[str, Any]:
        fields = tuple("n doc_id source title start end page line quote supported score reason".split())
        data = _pick(self, fields)
        if self.boxes:
            data["boxes"] = [[int(b[0]), *(round(v, 2) for v in b[1:])] for b in self.boxes]
        return data


@dataclass(frozen=True)
class Conflict:
    """Sources that state different values for the same thing."""

    about: str
    citations: tuple[int, ...]
    values: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"about": self.about, "citations": list(self.citations), "values": list(self.values)}


@dataclass(frozen=True)
class AnswerPart:
    """One part of a multi-part question, with the citations that answer it."""

    question: str
    citations: tuple[int, ...] = ()
    answered: bool = False
    check: str | None = None
    """For a yes/no question: whether the part's evidence 'supports' or 'contradicts' it (None: neither)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "citations": list(self.citations),
            "answered": self.answered,
            "check": self.check,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    mode: str
    citations: tuple[Citation, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    passages: tuple[Passage, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    """Things the user should know about how this answer was made (e.g. the LLM failed, extractive used)."""
    standalone_question: str | None = None
    """The follow-up question rewritten to stand alone, when history changed it."""
    unsupported_sentences: int = 0
    uncited_sentences: int = 0
    answerability: float = 0.0
    """0..1: how well the retrieved text answers the question; below the threshold Citewise abstains."""
    short_answer: ShortAnswer | None = None
    """The answering phrase of a who/what/when/how-many question, inside a cited quote."""
    parts: tuple[AnswerPart, ...] = ()
    """The parts of a multi-part question (comparisons, two named things, joined clauses), each answered alone."""
    verdict: str | None = None
    """'Yes' or 'No' for a yes/no question whose every part the evidence checks as supported or contradicted."""

    def citation(self, n: int) -> Citation | None:
        return next((c for c in self.citations if c.n == n), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "passages": [p.to_dict() for p in self.passages],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "notices": list(self.notices),
            "standalone_question": self.standalone_question,
            "unsupported_sentences": self.unsupported_sentences,
            "uncited_sentences": self.uncited_sentences,
            "answerability": round(self.answerability, 4),
            "short_answer": self.short_answer.to_dict() if self.short_answer else None,
            "parts": [p.to_dict() for p in self.parts],
            "verdict": self.verdict,
        }


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """An Answer from its JSON (`Answer.to_dict`), as saved with a conversation; fields a later release added
    take their defaults, fields it no longer knows are ignored."""

    def citation(c: dict[str, Any]) -> Citation:
        return Citation(
            n=c["n"],
            doc_id=c["doc_id"],
            source=c.get("source", ""),
            title=c.get("title", ""),
            start=c.get("start", 0),
            end=c.get("end", 0),
            quote=c.get("quote", ""),
            supported=c.get("supported", True),
            score=c.get("score", 0.0),
            page=c.get("page"),
            line=c.get("line"),
            reason=c.get("reason", ""),
            boxes=tuple(tuple(box) for box in c.get("boxes", ())),
        )

    def passage(p: dict[str, Any]) -> Passage:
        names = ("doc_id", "source", "title", "start", "end", "text", "score", "page")
        return Passage(**{name: p.get(name) for name in names}, metadata=p.get("metadata") or {})

    short = data.get("short_answer")
    return Answer(
        question=data.get("question", ""),
        answer=data.get("answer", ""),
        abstained=data.get("abstained", False),
        mode=data.get("mode", "extractive"),
        citations=tuple(citation(c) for c in data.get("citations", ())),
        conflicts=tuple(
            Conflict(c["about"], tuple(c.get("citations", ())), tuple(c.get("values", ())))
            for c in data.get("conflicts", ())
        ),
        passages=tuple(passage(p) for p in data.get("passages", ())),
        timings_ms=dict(data.get("timings_ms") or {}),
        notices=tuple(data.get("notices", ())),
        standalone_question=data.get("standalone_question"),
        unsupported_sentences=data.get("unsupported_sentences", 0),
        uncited_sentences=data.get("uncited_sentences", 0),
        answerability=data.get("answerability", 0.0),
        short_answer=ShortAnswer(**short) if short else None,
        parts=tuple(
            AnswerPart(p["question"], tuple(p.get("citations", ())), p.get("answered", False), p.get("check"))
            for p in data.get("parts", ())
        ),
        verdict=data.get("verdict"),
    )
