"""Saved conversations in the web UI: the list of the person's own, opening one (its old answers as they were
given, each citation saying whether its document still reads the same), saving each new turn, renaming and
deleting. Only the owner's conversations are ever listed or opened (index/conversations.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.collections import DEFAULT, UnknownCollectionError
from index.conversations import Conversation, UnknownConversationError
from rag import Answer
from rag.types import answer_from_dict

from .api_conversations import with_currency
from .handlers import Handlers
from .web_access import WebAccess

TITLE_CHARS = 80
"""A new conversation is titled with the start of its first question."""


@dataclass(frozen=True)
class Opened:
    """The conversation the chat shows: its saved id (None until its first answer is saved), title, collection,
    and its saved citations whose document has `changed` or was `removed` since, by (turn, citation number)."""

    id: str | None = None
    title: str = ""
    collection: str = DEFAULT
    stale: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reopened:
    opened: Opened
    turns: list[Answer]
    handlers: Handlers | None
    """The handlers of its collection; None when the asker may no longer read it (its citations are `removed`)."""


class ConversationViews:
    def __init__(self, access: WebAccess):
        self.access = access

    def choices(self, request) -> list[tuple[str, str]]:
        """(label, id) of the asker's conversations, the most recently continued first."""
        found = self.access.conversations.list(self.access.principal(request))
        names = {c.id: c.name for c in self.access.collections.all()} if found else {}
        return [(label(c, names.get(c.collection_id, "")), c.id) for c in found]

    def reopen(self, request, conversation_id: str) -> Reopened:
        """The conversation with its answers rebuilt from their saved JSON (UnknownConversationError unless it is
        the asker's)."""
        principal = self.access.principal(request)
        found = self.access.conversations.get(principal, conversation_id)
        collection = self.access.collections.by_id(found.collection_id)
        name = collection.name if collection else DEFAULT
        try:
            handlers = self.access.in_collection(request, name) if collection else None
        except UnknownCollectionError:
            handlers = None
        assistant = handlers.assistant if handlers else None
        texts: dict[str, str | None] = {}
        stale: dict[tuple[int, int], str] = {}
        turns = []
        for number, turn in enumerate(found.turns):
            for citation in with_currency(turn.answer, assistant, texts)["citations"]:
                if citation["current"] != "same":
                    stale[number, citation["n"]] = citation["current"]
            turns.append(answer_from_dict(turn.answer))
        return Reopened(Opened(found.id, found.title, name, stale), turns, handlers)

    def save(self, request, opened: Opened, collection: str, answer: Answer) -> Opened:
        """Add the answer as the conversation's next turn, starting the conversation with it if none is saved
        yet (or the open one was deleted elsewhere meanwhile)."""
        principal = self.access.principal(request)
        if opened.id is not None and opened.collection == collection:
            try:
                self.access.conversations.append(principal, opened.id, answer.question, answer.to_dict())
                return opened
            except UnknownConversationError:
                pass
        found = self.access.collections.open(collection, principal)
        started = self.access.conversations.create(principal, found.id, answer.question[:TITLE_CHARS] or "Untitled")
        self.access.conversations.append(principal, started.id, answer.question, answer.to_dict())
        return Opened(started.id, started.title, collection, opened.stale if opened.id is None else {})

    def rename(self, request, opened: Opened, title: str) -> Opened:
        if opened.id is None:
            raise UnknownConversationError("ask a question first: a conversation is saved with its first answer")
        kept = self.access.conversations.rename(self.access.principal(request), opened.id, title)
        return Opened(opened.id, kept, opened.collection, opened.stale)

    def delete(self, request, opened: Opened) -> None:
        if opened.id is not None:
            self.access.conversations.remove(self.access.principal(request), opened.id)


def label(conversation: Conversation, collection: str) -> str:
    turns = f"{conversation.turn_count} turn" + ("" if conversation.turn_count == 1 else "s")
    return f"{conversation.title} · {collection} · {turns}"
