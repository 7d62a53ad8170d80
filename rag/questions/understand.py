"""Understand a question: a follow-up joined to (or, with a language model, rewritten against) the conversation,
split into parts, and whether it asks yes or no. The first stage of rag/pipeline.py."""

from __future__ import annotations

from collections.abc import Callable

from rag.errors import ModelError
from rag.questions.followup import History, condense
from rag.questions.parts import split_question
from rag.questions.yesno import compared_kind, is_yes_no, relates_parts
from rag.stages import Query, QuestionPart

Rewrite = Callable[[str, History], str]
"""(question, history) -> the question rewritten to stand alone (a language model's job)."""


def understand(question: str, history: History, multi_part: bool, rewrite: Rewrite | None = None) -> Query:
    """The `Query` for a checked question. `rewrite` is tried for a follow-up when given; when the model fails,
    the follow-up is searched together with the previous question, with a notice saying why."""
    search, context = condense(question, history)
    standalone = None
    notices: tuple[str, ...] = ()
    if rewrite is not None and history:
        try:
            standalone = rewrite(question, history)
            search, context = standalone, ""
        except ModelError as exc:
            notices = (
                f"The language model could not rewrite the follow-up ({exc.reason}); "
                "it was searched together with the previous question.",
            )
    parts = tuple(split_question(search)) if multi_part else ()
    compares = compared_kind(question) if len(parts) == 2 else ""
    return Query(
        question=question,
        search=search,
        context=context,
        standalone=standalone,
        parts=parts if len(parts) > 1 else (QuestionPart(search, search),),
        yes_no=is_yes_no(question) and (not relates_parts(question) or bool(compares)),
        compares=compares,
        notices=notices,
    )
