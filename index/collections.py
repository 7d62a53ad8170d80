"""Collections of documents in the database, and who may read or change each.

Every document belongs to exactly one collection; `default` (id 1) always exists and holds what a store had
before collections. A collection's vectors are a Chroma collection of their own, so a search never even reaches
another collection's vectors; its keyword index (BM25 statistics and term frequencies) counts its own documents
only. Roles: a `reader` may search and ask, an `editor` may also add and remove documents; administrators may do
everything everywhere without a grant.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from .accounts import Principal, UnknownAccountError
from .db import schema
from .db.database import Database
from .db.upsert import insert_or_update
from .errors import CitewiseError, UnknownDocumentError

C = schema.collections
G = schema.grants
DEFAULT = "default"
DEFAULT_ID = schema.DEFAULT_COLLECTION_ID
ROLES = ("reader", "editor")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class CollectionError(CitewiseError):
    """A collection name or role that cannot be used as given."""

    http_status = 400


class UnknownCollectionError(UnknownDocumentError):
    """A collection that does not exist, or that the asker may not see: both answer 404 alike."""


class ForbiddenError(CitewiseError):
    """The asker may read the collection but not change it (a reader asked to add or remove documents)."""

    http_status = 403


@dataclass(frozen=True)
class Collection:
    id: int
    name: str
    vectors: str
    """The name of its Chroma collection."""

    def to_dict(self) -> dict:
        return {"name": self.name}


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise CollectionError(
            f"collection name {name!r} is not allowed: use 1-64 lowercase letters, digits, - and _ (starting with a "
            "letter or digit)"
        )
    return name


class Collections:
    def __init__(self, database: Database):
        self.database = database

    def create(self, name: str) -> Collection:
        check_name(name)
        with self.database.write() as db:
            if db.execute(select(C.c.id).where(C.c.name == name)).first() is not None:
                raise CollectionError(f"collection {name!r} exists already")
            base = db.execute(select(C.c.vectors).where(C.c.id == DEFAULT_ID)).scalar_one()
            # A name never used before: a collection made again after a removal cannot meet vectors left behind.
            vectors = f"{base}-{secrets.token_hex(6)}"
            new_id = db.execute(
                C.insert().values(name=name, vectors=vectors, created_at=time.time())
            ).inserted_primary_key[0]
            stats = [{"collection_id": new_id, "scope": s, "n": 0, "total_len": 0} for s in ("chunk", "document")]
            db.execute(schema.keyword_stats.insert(), stats)
            self.database.bump(db)
        return self.get(name)

    def all(self) -> list[Collection]:
        with self.database.read() as db:
            rows = db.execute(select(C.c.id, C.c.name, C.c.vectors).order_by(C.c.id)).all()
        return [Collection(*row) for row in rows]

    def find(self, name: str) -> Collection | None:
        with self.database.read() as db:
            row = db.execute(select(C.c.id, C.c.name, C.c.vectors).where(C.c.name == name)).first()
        return Collection(*row) if row else None

    def by_id(self, collection_id: int) -> Collection | None:
        with self.database.read() as db:
            row = db.execute(select(C.c.id, C.c.name, C.c.vectors).where(C.c.id == collection_id)).first()
        return Collection(*row) if row else None

    def get(self, name: str) -> Collection:
        found = self.find(name)
        if found is None:
            raise UnknownCollectionError(f"no collection is called {name!r} (`citewise collection list` shows them)")
        return found

    def set_vectors(self, collection: Collection, vectors: str) -> Collection:
        """Name the Chroma collection of `default` (a store opened empty with another `chroma_collection`)."""
        with self.database.write() as db:
            db.execute(update(C).where(C.c.id == collection.id).values(vectors=vectors))
        return Collection(collection.id, collection.name, vectors)

    def forget(self, collection: Collection) -> None:
        """Delete the collection's row (its documents, keyword index and vectors must be gone already)."""
        if collection.id == DEFAULT_ID:
            raise CollectionError("the default collection cannot be removed (remove its documents instead)")
        with self.database.write() as db:
            db.execute(delete(schema.keyword_stats).where(schema.keyword_stats.c.collection_id == collection.id))
            db.execute(delete(schema.terms).where(schema.terms.c.collection_id == collection.id))
            db.execute(delete(G).where(G.c.collection_id == collection.id))
            jobs = schema.jobs
            db.execute(
                update(jobs)
                .where(jobs.c.collection_id == collection.id, jobs.c.state == "queued")
                .values(state="failed", error="the collection was removed")
            )
            db.execute(delete(C).where(C.c.id == collection.id))
            self.database.bump(db)

    # -- access
    def grant(self, name: str, user: str, role: str) -> None:
        if role not in ROLES:
            raise CollectionError(f"role {role!r} is not one of: {', '.join(ROLES)}")
        collection, user_id = self.get(name), self._user_id(user)
        with self.database.write() as db:
            row = {"collection_id": collection.id, "user_id": user_id, "role": role}
            insert_or_update(db, G, [row], ["collection_id", "user_id"])

    def revoke(self, name: str, user: str) -> None:
        collection, user_id = self.get(name), self._user_id(user)
        with self.database.write() as db:
            db.execute(delete(G).where(G.c.collection_id == collection.id, G.c.user_id == user_id))

    def grants(self, name: str) -> dict[str, str]:
        """User name -> role on the collection."""
        users = schema.users
        with self.database.read() as db:
            rows = db.execute(
                select(users.c.name, G.c.role)
                .join(users, users.c.id == G.c.user_id)
                .where(G.c.collection_id == self.get(name).id)
                .order_by(users.c.name)
            ).all()
        return dict(rows)

    def role(self, principal: Principal | None, collection: Collection) -> str | None:
        """What the principal may do in the collection: 'editor', 'reader' or None. No principal (a server with no
        credentials, the local user) and administrators are editors everywhere."""
        if principal is None or principal.admin:
            return "editor"
        if principal.user_id is None:
            return None
        with self.database.read() as db:
            return db.execute(
                select(G.c.role).where(G.c.collection_id == collection.id, G.c.user_id == principal.user_id)
            ).scalar()

    def roles(self, principal: Principal | None) -> dict[Collection, str]:
        """Each collection the principal may read with its role, in creation order, in one query."""
        if principal is None or principal.admin:
            return {c: "editor" for c in self.all()}
        if principal.user_id is None:
            return {}
        with self.database.read() as db:
            rows = db.execute(
                select(C.c.id, C.c.name, C.c.vectors, G.c.role)
                .join(G, G.c.collection_id == C.c.id)
                .where(G.c.user_id == principal.user_id)
                .order_by(C.c.id)
            ).all()
        return {Collection(row.id, row.name, row.vectors): row.role for row in rows}

    def readable(self, principal: Principal | None) -> list[Collection]:
        """The collections the principal may read, in creation order."""
        return list(self.roles(principal))

    def open(self, name: str, principal: Principal | None, write: bool = False) -> Collection:
        """The collection if the principal may read it (and with `write`, change it). One it may not read answers
        exactly as one that does not exist."""
        found = self.find(name)
        role = self.role(principal, found) if found else None
        if found is None or role is None:
            raise UnknownCollectionError(f"no collection is called {name!r} (`citewise collection list` shows them)")
        if write and role != "editor":
            raise ForbiddenError(f"you may read collection {name!r} but not change it (ask for the editor role)")
        return found

    def _user_id(self, name: str) -> int:
        with self.database.read() as db:
            found = db.execute(select(schema.users.c.id).where(schema.users.c.name == name)).scalar()
        if found is None:
            raise UnknownAccountError(f"no user is called {name!r} (`citewise user list` shows them)")
        return found
