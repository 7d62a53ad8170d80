"""Collections from the command line: `citewise collection create|list|grant|revoke|remove`. The command line acts
as the store's administrator (whoever can open the database can read it all); access rights bind the web UI, the
HTTP API and MCP, where people come in with their own accounts."""

from __future__ import annotations

from typing import Annotated

import typer

from ui.cli_common import STORE, JsonOption, Store, app, fail_cleanly, print_json, takes

collection_app = typer.Typer(
    no_args_is_help=True, help="Collections of documents and who may read (reader) or change (editor) each."
)
app.add_typer(collection_app, name="collection")

CollectionName = Annotated[str, typer.Argument(help="The collection's name (lowercase letters, digits, - and _).")]
UserName = Annotated[str, typer.Argument(help="The user's name.")]


def _collections(where: Store):
    from index.collections import Collections

    database, _ = where.database()
    return Collections(database)


@collection_app.command("create")
@fail_cleanly
@takes(STORE)
def collection_create(name: CollectionName, *, where: Store) -> None:
    """Make an empty collection (`citewise ingest --collection NAME PATH` fills it)."""
    _collections(where).create(name)
    typer.echo(f"created collection {name}")


@collection_app.command("list")
@fail_cleanly
@takes(STORE)
def collection_list(as_json: JsonOption = False, *, where: Store) -> None:
    """Every collection with its number of documents and who may read or change it."""
    from index.catalog import Catalog

    collections = _collections(where)
    rows = [
        {
            "name": c.name,
            "documents": Catalog(collections.database, c.id).document_count(),
            "grants": collections.grants(c.name),
        }
        for c in collections.all()
    ]
    if as_json:
        print_json({"collections": rows})
        return
    for row in rows:
        grants = ", ".join(f"{user} ({role})" for user, role in row["grants"].items()) or "administrators only"
        typer.echo(f"{row['name']}: {row['documents']} documents; {grants}")


@collection_app.command("grant")
@fail_cleanly
@takes(STORE)
def collection_grant(
    name: CollectionName,
    user: UserName,
    role: Annotated[
        str, typer.Option("--role", help="reader: search and ask; editor: also add and remove documents.")
    ] = "reader",
    *,
    where: Store,
) -> None:
    """Let a user read (reader) or also change (editor) a collection; a second grant replaces the first."""
    _collections(where).grant(name, user, role)
    typer.echo(f"{user} is now {role} of {name}")


@collection_app.command("revoke")
@fail_cleanly
@takes(STORE)
def collection_revoke(name: CollectionName, user: UserName, *, where: Store) -> None:
    """Take a user's access to a collection away."""
    _collections(where).revoke(name, user)
    typer.echo(f"{user} no longer has access to {name}")


@collection_app.command("remove")
@fail_cleanly
@takes(STORE)
def collection_remove(name: CollectionName, *, where: Store) -> None:
    """Remove a collection with its documents and their vectors (not `default`)."""
    from .ingest_queue import remove_collection

    removed = remove_collection(where.assistant(collection=name))
    typer.echo(f"removed collection {name} and its {len(removed)} documents")
