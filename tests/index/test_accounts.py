"""Accounts (index/accounts.py) on SQLite and on a real PostgreSQL: passwords hashed with Argon2id, keys and
session tokens kept only as digests, a key or session acts as its user (as that user is now), and removing or
re-passwording a user ends what it should."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from index.accounts import AccountError, Accounts, Principal, UnknownAccountError
from index.db import open_database, schema

PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", "postgres"])
def accounts(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/citewise.db"
    else:
        url = request.getfixturevalue("pg_url")
    return Accounts(open_database(url, tmp_path, 0.0, 2, True))


def _all_stored_text(accounts: Accounts) -> str:
    """Every value of the account tables, as one text: what a stolen database would show."""
    with accounts.database.read() as db:
        rows = [
            row for table in (schema.users, schema.api_keys, schema.sessions) for row in db.execute(select(table)).all()
        ]
    return " ".join(str(value) for row in rows for value in row)


def test_a_password_is_stored_as_an_argon2id_hash_and_checked(accounts):
    accounts.add_user("alice", PASSWORD, admin=True)
    stored = _all_stored_text(accounts)
    assert PASSWORD not in stored
    assert "$argon2id$" in stored
    assert accounts.verify("alice", PASSWORD) == Principal("alice", True, accounts.user("alice").id)
    assert accounts.verify("alice", PASSWORD + "!") is None
    assert accounts.verify("nobody", PASSWORD) is None


def test_bad_names_passwords_and_duplicates_are_refused_by_name(accounts):
    with pytest.raises(AccountError, match="user name 'bad name'"):
        accounts.add_user("bad name", PASSWORD)
    with pytest.raises(AccountError, match="at least 8 characters"):
        accounts.add_user("bob", "short")
    accounts.add_user("bob", PASSWORD)
    with pytest.raises(AccountError, match="'bob' exists already"):
        accounts.add_user("bob", PASSWORD)
    with pytest.raises(UnknownAccountError, match="'carol'"):
        accounts.remove_user("carol")
    assert [u.name for u in accounts.users()] == ["bob"]


def test_a_key_acts_as_its_user_until_revoked_and_only_its_digest_is_kept(accounts):
    accounts.add_user("bob", PASSWORD)
    made = accounts.create_key("bob")
    secret = made.key.split("_", 2)[2]
    assert made.key.startswith(f"cw_{made.id}_") and len(secret) >= 40
    assert secret not in _all_stored_text(accounts)
    principal = accounts.principal_for_key(made.key)
    assert principal is not None and principal.name == "bob" and not principal.admin
    assert accounts.principal_for_key(made.key[:-1] + ("A" if made.key[-1] != "A" else "B")) is None
    assert accounts.principal_for_key(f"cw_{made.id}_") is None
    assert accounts.principal_for_key("not-a-key") is None
    listed = accounts.keys("bob")
    assert [k.id for k in listed] == [made.id] and listed[0].last_used_at is not None
    assert secret not in str([k.to_dict() for k in listed])
    accounts.revoke_key(made.id)
    assert accounts.principal_for_key(made.key) is None
    with pytest.raises(UnknownAccountError):
        accounts.revoke_key(made.id)


def test_sessions_follow_the_user_as_it_is_now(accounts):
    accounts.add_user("dana", PASSWORD)
    dana = accounts.verify("dana", PASSWORD)
    token = accounts.start_session(dana, 3600)
    assert token not in _all_stored_text(accounts)
    assert accounts.session(token) == dana
    with accounts.database.write() as db:  # made an administrator meanwhile: the session says so at once
        db.execute(schema.users.update().where(schema.users.c.name == "dana").values(admin=True))
    assert accounts.session(token).admin
    accounts.set_password("dana", PASSWORD + " new")
    assert accounts.session(token) is None  # a new password ends the old sessions
    assert accounts.verify("dana", PASSWORD) is None and accounts.verify("dana", PASSWORD + " new")
    expired = accounts.start_session(dana, -1)
    assert accounts.session(expired) is None
    configured = accounts.start_session(Principal("ops", True), 3600)  # the --auth login: no user row
    assert accounts.session(configured) == Principal("ops", True)
    accounts.end_session(configured)
    assert accounts.session(configured) is None


def test_removing_a_user_removes_their_keys_and_sessions(accounts):
    accounts.add_user("erin", PASSWORD)
    key = accounts.create_key("erin").key
    token = accounts.start_session(accounts.verify("erin", PASSWORD), 3600)
    accounts.remove_user("erin")
    assert accounts.principal_for_key(key) is None
    assert accounts.session(token) is None
    assert accounts.keys() == []
    with accounts.database.read() as db:
        assert db.execute(select(schema.sessions)).all() == []


def test_once_users_exist_sign_in_stays_required_even_if_all_are_removed(accounts):
    """A server fails closed: removing the last user must not open it to everyone until it restarts."""
    assert not accounts.has_users()
    accounts.add_user("fay", PASSWORD)
    assert accounts.has_users()
    accounts.remove_user("fay")
    assert accounts.has_users()
    assert not Accounts(accounts.database).has_users()  # a fresh start decides again


def test_a_user_added_by_another_process_is_noticed_within_seconds(accounts):
    other = Accounts(accounts.database)
    assert not accounts.has_users()
    other.add_user("gus", PASSWORD)
    deadline = time.monotonic() + 5
    while not accounts.has_users():
        assert time.monotonic() < deadline, "the new user was not noticed"
        time.sleep(0.1)
