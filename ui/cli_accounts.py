"""Accounts from the command line: `citewise user add|list|passwd|remove` and `citewise key create|list|revoke`.

They need only the database (no Chroma, no model), so they run on any machine given the same --database-url.
Passwords are prompted for twice without echo, or read from one line of stdin with --password-stdin (scripts);
never taken as an argument, where `ps` and shell history would show them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ui.cli_common import STORE, CliError, JsonOption, Store, app, fail_cleanly, print_json, takes

user_app = typer.Typer(no_args_is_help=True, help="People who sign in: add, list, change a password, remove.")
key_app = typer.Typer(no_args_is_help=True, help="API keys that act as a user: create (shown once), list, revoke.")
app.add_typer(user_app, name="user")
app.add_typer(key_app, name="key")

NameArgument = Annotated[str, typer.Argument(help="The user's name.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts).")
]


def _accounts(where: Store):
    from index.accounts import Accounts

    database, _ = where.database()
    return Accounts(database)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CliError("--password-stdin: stdin is empty")
        return line.rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
@fail_cleanly
@takes(STORE)
def user_add(
    name: NameArgument,
    admin: Annotated[bool, typer.Option("--admin", help="May manage users, keys and every collection.")] = False,
    password_stdin: PasswordStdin = False,
    *,
    where: Store,
) -> None:
    """Add a user; from then on the web UI and the API require signing in (or a key)."""
    accounts = _accounts(where)
    user = accounts.add_user(name, _password(password_stdin), admin=admin)
    typer.echo(f"added {'administrator' if user.admin else 'user'} {user.name}")


@user_app.command("list")
@fail_cleanly
@takes(STORE)
def user_list(as_json: JsonOption = False, *, where: Store) -> None:
    """The users, administrators marked."""
    users = _accounts(where).users()
    if as_json:
        print_json({"users": [u.to_dict() for u in users]})
        return
    if not users:
        typer.echo("No users: Citewise runs as one local user. Add one with `citewise user add NAME --admin`.")
    for user in users:
        typer.echo(f"{user.name}{'  (admin)' if user.admin else ''}")


@user_app.command("passwd")
@fail_cleanly
@takes(STORE)
def user_passwd(name: NameArgument, password_stdin: PasswordStdin = False, *, where: Store) -> None:
    """Set a user's password (their web sessions end; their API keys keep working)."""
    accounts = _accounts(where)
    accounts.set_password(name, _password(password_stdin))
    typer.echo(f"password of {name} changed")


@user_app.command("remove")
@fail_cleanly
@takes(STORE)
def user_remove(name: NameArgument, *, where: Store) -> None:
    """Remove a user with their API keys and sessions."""
    _accounts(where).remove_user(name)
    typer.echo(f"removed user {name}")


@key_app.command("create")
@fail_cleanly
@takes(STORE)
def key_create(name: NameArgument, as_json: JsonOption = False, *, where: Store) -> None:
    """Make an API key acting as the user; it is printed once and only its digest is kept."""
    made = _accounts(where).create_key(name)
    if as_json:
        print_json(made.to_dict())
        return
    typer.echo(made.key)
    typer.echo(f"key {made.id} for {name}: store it now, it cannot be shown again", err=True)


@key_app.command("list")
@fail_cleanly
@takes(STORE)
def key_list(name: NameArgument, as_json: JsonOption = False, *, where: Store) -> None:
    """A user's keys: id, when made, when last used (never the key itself)."""
    keys = _accounts(where).keys(name)
    if as_json:
        print_json({"keys": [k.to_dict() for k in keys]})
        return
    if not keys:
        typer.echo(f"{name} has no API keys")
    for key in keys:
        used = f"last used {_when(key.last_used_at)}" if key.last_used_at else "never used"
        typer.echo(f"{key.id}  made {_when(key.created_at)}  {used}")


@key_app.command("revoke")
@fail_cleanly
@takes(STORE)
def key_revoke(key_id: Annotated[str, typer.Argument(help="The key's id, as `key list` shows it.")], *, where: Store):
    """Revoke a key: requests with it are refused from now on."""
    _accounts(where).revoke_key(key_id)
    typer.echo(f"revoked key {key_id}")


def _when(epoch: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
