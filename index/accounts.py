"""Accounts in the database: users with Argon2id password hashes, their API keys and web sessions.

Passwords are hashed with Argon2id (pwdlib's recommended parameters, ~0.2 s a check here): slow on purpose,
since people choose guessable ones. API keys and session tokens are 256 random bits made here, so a SHA-256 digest
is as safe to store and lets every request be checked in microseconds. A key reads `cw_<id>_<secret>`: the public
id finds its row, the secret is compared by digest in constant time. Nothing stores or logs a secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import delete, func, select, update

from .db import schema
from .db.database import Database
from .errors import CitewiseError

U = schema.users
K = schema.api_keys
S = schema.sessions
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8
KEY_PREFIX = "cw"
LAST_USED_EVERY = 60.0
"""A key's last use is written at most this often (seconds), so that requests do not each write a row."""
USERS_CHECKED_EVERY = 2.0
"""Whether any user exists is read again after this many seconds: a user added by `citewise user add` in another
process makes a running server require sign-in within that time."""


class AccountError(CitewiseError):
    """A user name, password or key that cannot be used as given."""

    http_status = 400


class UnknownAccountError(AccountError):
    """A user or key that does not exist."""

    http_status = 404


@dataclass(frozen=True)
class User:
    id: int
    name: str
    admin: bool
    created_at: float

    def to_dict(self) -> dict:
        return {"name": self.name, "admin": self.admin, "created_at": iso_time(self.created_at)}


@dataclass(frozen=True)
class ApiKey:
    """A key as listed: never its secret."""

    id: str
    user: str
    created_at: float
    last_used_at: float | None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "user": self.user,
            "created_at": iso_time(self.created_at),
            "last_used_at": iso_time(self.last_used_at) if self.last_used_at is not None else None,
        }


@dataclass(frozen=True)
class NewKey:
    """A key just made: `key` is shown once and never stored."""

    id: str
    key: str

    def to_dict(self) -> dict:
        return {"id": self.id, "key": self.key}


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a user of the table, or (user_id None) an administrator's credential from the
    server's configuration (`CITEWISE_API_KEYS`, `--auth`) or the local user of a server with no accounts."""

    name: str
    admin: bool
    user_id: int | None = None


def iso_time(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise AccountError(
            f"user name {name!r} is not allowed: use 1-64 letters, digits and . _ @ - (starting with a letter or digit)"
        )
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    return password


class Accounts:
    def __init__(self, database: Database):
        self.database = database
        self._users_known: tuple[float, bool] = (0.0, False)

    @cached_property
    def _hasher(self):
        from pwdlib import PasswordHash

        return PasswordHash.recommended()

    @cached_property
    def _decoy_hash(self) -> str:
        """Checked against when a name is unknown, so that a wrong name costs as long as a wrong password."""
        return self._hasher.hash(secrets.token_urlsafe(16))

    # -- users
    def add_user(self, name: str, password: str, admin: bool = False) -> User:
        check_name(name)
        password_hash = self._hasher.hash(check_password(password))
        with self.database.write() as db:
            if db.execute(select(U.c.id).where(U.c.name == name)).first() is not None:
                raise AccountError(f"user {name!r} exists already (change a password with `citewise user passwd`)")
            db.execute(U.insert().values(name=name, password_hash=password_hash, admin=admin, created_at=time.time()))
        self._users_known = (0.0, False)
        return self._user(name)

    def users(self) -> list[User]:
        with self.database.read() as db:
            rows = db.execute(select(U.c.id, U.c.name, U.c.admin, U.c.created_at).order_by(U.c.name)).all()
        return [User(row.id, row.name, bool(row.admin), row.created_at) for row in rows]

    def user(self, name: str) -> User | None:
        with self.database.read() as db:
            row = db.execute(select(U.c.id, U.c.name, U.c.admin, U.c.created_at).where(U.c.name == name)).first()
        return User(row.id, row.name, bool(row.admin), row.created_at) if row else None

    def _user(self, name: str) -> User:
        found = self.user(name)
        if found is None:
            raise UnknownAccountError(f"no user is called {name!r} (`citewise user list` shows them)")
        return found

    def set_password(self, name: str, password: str) -> None:
        """A new password; the user's web sessions end (their keys stay)."""
        user = self._user(name)
        password_hash = self._hasher.hash(check_password(password))
        with self.database.write() as db:
            db.execute(update(U).where(U.c.id == user.id).values(password_hash=password_hash))
            db.execute(delete(S).where(S.c.user_id == user.id))

    def remove_user(self, name: str) -> None:
        """The user, their keys and sessions."""
        user = self._user(name)
        with self.database.write() as db:
            db.execute(delete(K).where(K.c.user_id == user.id))
            db.execute(delete(S).where(S.c.user_id == user.id))
            db.execute(delete(U).where(U.c.id == user.id))

    def has_users(self) -> bool:
        """Whether any user exists. Sticky once true: a server that has required sign-in keeps requiring it even
        if every user is removed (it fails closed; a restart decides again)."""
        checked_at, known = self._users_known
        if not known and time.monotonic() - checked_at > USERS_CHECKED_EVERY:
            with self.database.read() as db:
                known = db.execute(select(func.count()).select_from(U)).scalar_one() > 0
            self._users_known = (time.monotonic(), known)
        return known

    def verify(self, name: str, password: str) -> Principal | None:
        """The user a name and password sign in as, None if either is wrong (as slow either way)."""
        with self.database.read() as db:
            row = db.execute(select(U.c.id, U.c.name, U.c.admin, U.c.password_hash).where(U.c.name == name)).first()
        if row is None:
            self._hasher.verify(password, self._decoy_hash)
            return None
        valid, updated = self._hasher.verify_and_update(password, row.password_hash)
        if not valid:
            return None
        if updated is not None:  # hashed with parameters pwdlib no longer recommends
            with self.database.write() as db:
                db.execute(update(U).where(U.c.id == row.id).values(password_hash=updated))
        return Principal(row.name, bool(row.admin), row.id)

    # -- API keys
    def create_key(self, name: str) -> NewKey:
        user = self._user(name)
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self.database.write() as db:
            db.execute(K.insert().values(id=key_id, user_id=user.id, digest=digest(secret), created_at=time.time()))
        return NewKey(key_id, f"{KEY_PREFIX}_{key_id}_{secret}")

    def keys(self, name: str | None = None) -> list[ApiKey]:
        """Keys of one user (all users' without a name)."""
        query = select(K.c.id, U.c.name, K.c.created_at, K.c.last_used_at).join(U, U.c.id == K.c.user_id)
        if name is not None:
            query = query.where(U.c.id == self._user(name).id)
        with self.database.read() as db:
            rows = db.execute(query.order_by(U.c.name, K.c.created_at)).all()
        return [ApiKey(row.id, row.name, row.created_at, row.last_used_at) for row in rows]

    def revoke_key(self, key_id: str) -> None:
        with self.database.write() as db:
            if db.execute(delete(K).where(K.c.id == key_id)).rowcount == 0:
                raise UnknownAccountError(f"no API key has the id {key_id!r} (`citewise key list USER` shows them)")

    def principal_for_key(self, key: str) -> Principal | None:
        prefix, _, rest = key.partition("_")
        key_id, _, secret = rest.partition("_")
        if prefix != KEY_PREFIX or not key_id or not secret:
            return None
        with self.database.read() as db:
            row = db.execute(
                select(K.c.digest, K.c.last_used_at, U.c.id, U.c.name, U.c.admin)
                .join(U, U.c.id == K.c.user_id)
                .where(K.c.id == key_id)
            ).first()
        if row is None or not hmac.compare_digest(row.digest, digest(secret)):
            return None
        now = time.time()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
            with self.database.write() as db:
                db.execute(update(K).where(K.c.id == key_id).values(last_used_at=now))
        return Principal(row.name, bool(row.admin), row.id)

    # -- web sessions
    def start_session(self, principal: Principal, seconds: float) -> str:
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self.database.write() as db:
            db.execute(delete(S).where(S.c.expires_at < now))
            db.execute(
                S.insert().values(
                    digest=digest(token), user_id=principal.user_id, name=principal.name, expires_at=now + seconds
                )
            )
        return token

    def session(self, token: str) -> Principal | None:
        """Who a live session belongs to (a user's admin flag as it is now), None if it ended or never was."""
        with self.database.read() as db:
            row = db.execute(
                select(S.c.name, S.c.user_id, S.c.expires_at, U.c.admin)
                .outerjoin(U, U.c.id == S.c.user_id)
                .where(S.c.digest == digest(token))
            ).first()
        if row is None or row.expires_at < time.time():
            return None
        if row.user_id is None:  # signed in with a credential of the configuration: an administrator
            return Principal(row.name, True)
        return Principal(row.name, bool(row.admin), row.user_id)

    def end_session(self, token: str) -> None:
        with self.database.write() as db:
            db.execute(delete(S).where(S.c.digest == digest(token)))
