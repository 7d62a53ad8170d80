"""Saved conversations in the database: each belongs to one owner (a user, a configured credential, or the local
user of a server without accounts) and one collection, and keeps every turn's question with its whole Answer JSON
as it was given, so that an old answer shows exactly what was said and cited then.

Someone else's conversation answers exactly as one that does not exist (`UnknownConversationError`, 404).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from .accounts import Principal
from .db import schema
from .db.database import Database
from .errors import CitewiseError, UnknownDocumentError

V = schema.conversations
T = schema.turns
MAX_TITLE = 200
LOCAL = "local"


class UnknownConversationError(UnknownDocumentError):
    """A conversation that does not exist or is not the asker's."""


class ConversationError(CitewiseError):
    http_status = 400


def owner_of(principal: Principal | None) -> str:
    """The owner key of whoever asks: a user by id (a renamed or re-added name is someone else), a configured
    credential by its name, or the local user of a server without credentials."""
    if principal is None:
        return LOCAL
    return f"user:{principal.user_id}" if principal.user_id is not None else f"config:{principal.name}"


@dataclass(frozen=True)
class Turn:
    position: int
    question: str
    answer: dict
    created_at: float


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    collection_id: int
    created_at: float
    updated_at: float
    turn_count: int
    turns: tuple[Turn, ...] = ()


def _title(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ConversationError("a conversation's title must not be empty")
    return text[:MAX_TITLE]


class Conversations:
    def __init__(self, database: Database):
        self.database = database

    def create(self, principal: Principal | None, collection_id: int, title: str = "New conversation") -> Conversation:
        now = time.time()
        row = {
            "id": secrets.token_hex(12),
            "owner": owner_of(principal),
            "user_id": principal.user_id if principal else None,
            "collection_id": collection_id,
            "title": _title(title),
            "created_at": now,
            "updated_at": now,
        }
        with self.database.write() as db:
            db.execute(V.insert().values(**row))
        return Conversation(row["id"], row["title"], collection_id, now, now, 0)

    def list(self, principal: Principal | None) -> list[Conversation]:
        """The owner's conversations, the most recently continued first."""
        counted = select(T.c.conversation_id, func.count().label("n")).group_by(T.c.conversation_id).subquery()
        with self.database.read() as db:
            rows = db.execute(
                select(V, func.coalesce(counted.c.n, 0).label("n"))
                .outerjoin(counted, counted.c.conversation_id == V.c.id)
                .where(V.c.owner == owner_of(principal))
                .order_by(V.c.updated_at.desc(), V.c.id)
            ).all()
        return [Conversation(r.id, r.title, r.collection_id, r.created_at, r.updated_at, r.n) for r in rows]

    def get(self, principal: Principal | None, conversation_id: str) -> Conversation:
        """The conversation with its turns, in order."""
        with self.database.read() as db:
            row = db.execute(select(V).where(*self._mine(principal, conversation_id))).first()
            if row is None:
                raise self._unknown(conversation_id)
            turns = db.execute(
                select(T.c.position, T.c.question, T.c.answer, T.c.created_at)
                .where(T.c.conversation_id == conversation_id)
                .order_by(T.c.position)
            ).all()
        found = tuple(Turn(t.position, t.question, json.loads(t.answer), t.created_at) for t in turns)
        return Conversation(row.id, row.title, row.collection_id, row.created_at, row.updated_at, len(found), found)

    def rename(self, principal: Principal | None, conversation_id: str, title: str) -> str:
        """Give the conversation a new title; the title as kept (spaces folded, clipped)."""
        title = _title(title)
        with self.database.write() as db:
            done = db.execute(update(V).where(*self._mine(principal, conversation_id)).values(title=title))
            if done.rowcount == 0:
                raise self._unknown(conversation_id)
        return title

    def remove(self, principal: Principal | None, conversation_id: str) -> None:
        with self.database.write() as db:
            if db.execute(select(V.c.id).where(*self._mine(principal, conversation_id))).first() is None:
                raise self._unknown(conversation_id)
            db.execute(delete(T).where(T.c.conversation_id == conversation_id))
            db.execute(delete(V).where(V.c.id == conversation_id))

    def append(self, principal: Principal | None, conversation_id: str, question: str, answer: dict) -> Turn:
        """Add a turn at the end (its position is the next free one, under the write lock)."""
        now = time.time()
        with self.database.write() as db:
            if db.execute(select(V.c.id).where(*self._mine(principal, conversation_id))).first() is None:
                raise self._unknown(conversation_id)
            last = db.execute(select(func.max(T.c.position)).where(T.c.conversation_id == conversation_id)).scalar()
            position = 0 if last is None else last + 1
            db.execute(
                T.insert().values(
                    conversation_id=conversation_id,
                    position=position,
                    question=question,
                    answer=json.dumps(answer, ensure_ascii=False),
                    created_at=now,
                )
            )
            db.execute(update(V).where(V.c.id == conversation_id).values(updated_at=now))
        return Turn(position, question, answer, now)

    @staticmethod
    def _mine(principal: Principal | None, conversation_id: str):
        return V.c.id == conversation_id, V.c.owner == owner_of(principal)

    @staticmethod
    def _unknown(conversation_id: str) -> UnknownConversationError:
        return UnknownConversationError(f"no conversation has the id {conversation_id!r}")
