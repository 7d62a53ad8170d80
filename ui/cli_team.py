"""Commands for a team's shared engine: `citewise db upgrade|status`, `citewise jobs`, `citewise worker`."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from ui.cli_common import STORE, JsonOption, Store, app, fail_cleanly, print_json, takes

db_app = typer.Typer(no_args_is_help=True, help="The database's schema: its status, and upgrades.")
app.add_typer(db_app, name="db")


@db_app.command("status")
@fail_cleanly
@takes(STORE)
def db_status(as_json: JsonOption = False, *, where: Store) -> None:
    """Schema revision of the database against this release's; exit 1 when an upgrade is due."""
    from index.db import legacy, migrate

    database, settings = where.database(auto_upgrade=False)
    status = migrate.status(database)
    store = settings.storage.path
    old = legacy.legacy_catalog(store)
    backup = Path(store) / (legacy.LEGACY_CATALOG + legacy.BACKUP_SUFFIX)
    data = status.to_dict() | {
        "legacy_catalog": str(old) if old else None,
        "legacy_backup": str(backup) if backup.is_file() else None,
    }
    if as_json:
        print_json(data)
    else:
        typer.echo(f"database: {status.url} ({status.dialect})")
        typer.echo(f"revision: {status.revision or 'none (empty database)'}; this release: {status.head}")
        if old:
            typer.echo(
                f"store {store} has a catalog of an older release ({old.name}): `citewise db upgrade` imports it"
            )
        typer.echo("up to date" if status.at_head and not old else "an upgrade is due: citewise db upgrade")
    raise typer.Exit(0 if status.at_head and not old else 1)


@db_app.command("upgrade")
@fail_cleanly
@takes(STORE)
def db_upgrade(
    from_store: Annotated[
        Path | None,
        typer.Option("--from-store", help="Import the catalog of a store made by an older release into this database."),
    ] = None,
    *,
    where: Store,
) -> None:
    """Apply pending migrations (safe while other servers start: they wait for the lock)."""
    from index.db import Database, legacy, migrate

    settings = where.settings()
    url = settings.database.resolved_url(settings.storage.path)
    if from_store is not None:
        database = Database(url, pool_size=1)
        migrate.upgrade(database, lambda connection: legacy.import_store(connection, from_store, database))
        legacy.finish(from_store)
    else:
        database, _ = where.database()
    typer.echo(f"{migrate.status(database).url}: at revision {migrate.HEAD}")


@app.command()
@fail_cleanly
@takes(STORE)
def jobs(
    as_json: JsonOption = False,
    state: Annotated[str | None, typer.Option("--state", help="Only jobs in this state.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (unfinished first).")] = 50,
    *,
    where: Store,
) -> None:
    """Ingestion jobs: queued, running (with progress), done and failed (with the reason)."""
    from index.db.schema import JOB_STATES
    from ui.cli_common import CliError
    from ui.reports import print_jobs

    if state is not None and state not in JOB_STATES:
        raise CliError(f"--state must be one of {', '.join(JOB_STATES)}, not {state!r}")
    found = where.assistant().jobs(state=state, limit=limit)
    if as_json:
        print_json({"jobs": [job.to_dict() for job in found]})
    else:
        print_jobs(found)


@app.command()
@fail_cleanly
@takes(STORE)
def worker(
    once: Annotated[bool, typer.Option("--once", help="Exit once no job is queued or running.")] = False,
    *,
    where: Store,
) -> None:
    """Claim ingestion jobs from the database and index them (any number of workers, on any machine with the same
    --database-url and --chroma-url). SIGTERM finishes the job at hand, then exits."""
    from index.embedding import LocalEmbeddings
    from index.library import Library
    from index.worker import Worker

    settings = where.settings()
    library = Library(settings, LocalEmbeddings.from_settings(settings.embedding))
    runner = Worker(library)
    signal.signal(signal.SIGTERM, lambda *_: runner.stop.set())
    typer.echo(f"citewise worker {runner.name}: waiting for jobs in {library.database.masked}", err=True)
    done = runner.run(idle_exit=1.0 if once else None)
    typer.echo(f"citewise worker {runner.name}: {done} jobs done", err=True)
