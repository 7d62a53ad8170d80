"""Saved conversations over REST (`/api/v1/conversations`): each person's own, in one collection, every turn's
whole Answer JSON kept; reading one back, every citation says whether its span still reads the same. Someone else's
conversation answers 404 exactly like an unknown id (index/conversations.py)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from index.collections import DEFAULT, Collections, UnknownCollectionError
from index.conversations import MAX_TITLE, Conversations
from index.errors import UnknownDocumentError
from rag import Assistant
from rag.requests import AskRequest, build

NOT_FOUND = {404: {"description": "No such conversation (or not yours)."}}


class NewConversation(BaseModel):
    title: str = Field("New conversation", max_length=MAX_TITLE, description="What the list shows.")
    collection: str = Field(DEFAULT, description="The collection its questions are answered from.")


class Rename(BaseModel):
    title: str = Field(max_length=MAX_TITLE)


class TurnRequest(BaseModel):
    question: str = Field(description="The next question; the conversation's earlier turns are its history.")
    k: int | None = AskRequest.model_fields["k"]
    mode: str | None = AskRequest.model_fields["mode"]


def add_conversation_routes(
    v1: APIRouter,
    assistant: Assistant,
    collections: Collections,
    principal: Callable,
    scoped: Callable,
    ready: Callable[[], None],
    model_failed: dict,
) -> None:
    """The routes on `v1`; `principal(request)` is who asks, `scoped(request, name)` the assistant of a collection
    they may read (ui/api.py)."""
    conversations = Conversations(assistant.library.database)
    by_id = {}

    def collection_name(collection_id: int) -> str:
        if collection_id not in by_id:
            by_id.update({c.id: c.name for c in collections.all()})
        return by_id.get(collection_id, "")

    def summary(found) -> dict:
        return {
            "id": found.id,
            "title": found.title,
            "collection": collection_name(found.collection_id),
            "created_at": found.created_at,
            "updated_at": found.updated_at,
            "turns": found.turn_count,
        }

    @v1.get("/conversations")
    def list_conversations(request: Request) -> dict:
        """The caller's saved conversations, the most recently continued first."""
        return {"conversations": [summary(c) for c in conversations.list(principal(request))]}

    @v1.post("/conversations", status_code=201, responses=NOT_FOUND)
    def new_conversation(request: Request, body: NewConversation) -> dict:
        found = collections.open(body.collection, principal(request))
        return summary(conversations.create(principal(request), found.id, body.title))

    @v1.get("/conversations/{conversation_id}", responses=NOT_FOUND)
    def get_conversation(request: Request, conversation_id: str) -> dict:
        """The conversation with every turn's whole Answer JSON as it was given; each citation says whether its
        span still reads the same (`current`: same, changed, or removed: the document is gone or unreadable)."""
        found = conversations.get(principal(request), conversation_id)
        try:
            target = scoped(request, collection_name(found.collection_id))
        except UnknownCollectionError:
            target = None
        texts: dict[str, str | None] = {}
        turns = [
            {"question": t.question, "answer": with_currency(t.answer, target, texts), "created_at": t.created_at}
            for t in found.turns
        ]
        return summary(found) | {"turns": turns}

    @v1.patch("/conversations/{conversation_id}", responses=NOT_FOUND)
    def rename_conversation(request: Request, conversation_id: str, body: Rename) -> dict:
        conversations.rename(principal(request), conversation_id, body.title)
        return summary(conversations.get(principal(request), conversation_id))

    @v1.delete("/conversations/{conversation_id}", responses=NOT_FOUND)
    def delete_conversation(request: Request, conversation_id: str) -> dict:
        conversations.remove(principal(request), conversation_id)
        return {"removed": conversation_id}

    @v1.post("/conversations/{conversation_id}/ask", responses=model_failed | NOT_FOUND)
    def ask_in_conversation(request: Request, conversation_id: str, body: TurnRequest) -> dict:
        """Ask the next question of a conversation (its earlier turns are the history) and save the turn."""
        ready()
        who = principal(request)
        found = conversations.get(who, conversation_id)
        target = scoped(request, collection_name(found.collection_id))
        history = [(t.question, t.answer.get("answer", "")) for t in found.turns]
        asked = build(AskRequest, question=body.question, history=history, k=body.k, mode=body.mode)
        answer = target.ask(asked).to_dict()
        turn = conversations.append(who, conversation_id, body.question, answer)
        return {"question": turn.question, "answer": answer, "created_at": turn.created_at, "position": turn.position}


def with_currency(answer: dict, assistant: Assistant | None, texts: dict[str, str | None] | None = None) -> dict:
    """The Answer JSON with each citation's `current`: `same` while its document still reads the quote at its
    span; `changed` when the document is gone but its source file is indexed again with other content (a new
    version), or its text there differs; `removed` when the document and its source are gone (or the collection is
    no longer readable). `texts` keeps the documents' texts across calls (the turns of one conversation)."""
    citations = []
    texts = {} if texts is None else texts
    sources: set[str] | None = None
    for citation in answer.get("citations", []):
        doc_id = citation.get("doc_id", "")
        if doc_id not in texts:
            try:
                texts[doc_id] = assistant.document(doc_id).text if assistant is not None else None
            except UnknownDocumentError:
                texts[doc_id] = None
        text = texts[doc_id]
        if text is not None:
            span = text[citation.get("start", 0) : citation.get("end", 0)]
            current = "same" if span == citation.get("quote") else "changed"
        else:
            if sources is None:
                records = assistant.documents() if assistant is not None else []
                sources = {source for record in records for source in record.sources}
            current = "changed" if citation.get("source") in sources else "removed"
        citations.append(citation | {"current": current})
    return answer | {"citations": citations}
