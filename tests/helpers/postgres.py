"""A throwaway PostgreSQL 15 server on 127.0.0.1 for the tests, run from Debian's binaries.

`initdb` refuses to run as root, so as root both `initdb` and `pg_ctl` run as Debian's `postgres` user
(`runuser -u postgres -- ...`). The folder comes from `tempfile.mkdtemp()` and is chowned to that user: pytest's
tmp folders are 0700 and root-owned, and `postgres` could not traverse them. The server is stopped by its data
folder (`pg_ctl -D DIR -m immediate stop`), never by process name, so other servers on the machine are untouched.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from ui.ports import free_port

BIN = Path("/usr/lib/postgresql/15/bin")
USER = "citewise"
OS_USER = "postgres"
SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


class PostgresError(RuntimeError):
    """The server could not be set up or started; the message ends with the tail of its log."""


class PostgresServer:
    """`start()` runs initdb and the server on a free port; `stop()` stops it and removes its folder."""

    def __init__(self):
        self.password = secrets.token_urlsafe(12)
        self.port: int | None = None
        self.base: Path | None = None

    @classmethod
    def available(cls) -> bool:
        """Whether PostgreSQL 15's binaries are installed (and, as root, the `postgres` user to run them)."""
        if not all(os.access(BIN / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres")):
            return False
        if os.geteuid() != 0:
            return True
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return False
        return shutil.which("runuser") is not None

    @property
    def data(self) -> Path:
        assert self.base is not None, "not started"
        return self.base / "data"

    @property
    def log(self) -> Path:
        assert self.base is not None, "not started"
        return self.base / "server.log"

    def url(self, database: str = "postgres") -> str:
        assert self.port is not None, "not started"
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def start(self, attempts: int = 3) -> PostgresServer:
        """initdb, then `pg_ctl -w start` on a free port (another port when the chosen one was taken meanwhile)."""
        if self.base is not None:
            raise PostgresError("already started")
        self.base = Path(tempfile.mkdtemp(prefix="citewise-pg-"))
        try:
            self._initdb()
            for attempt in range(attempts):
                self.port = free_port()
                started = self._pg_ctl("-D", str(self.data), "-w", "-t", "60", "-l", str(self.log),
                                       "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} {SETTINGS}",
                                       "start")  # fmt: skip
                if started.returncode == 0:
                    return self
                if "could not bind" not in self._log_tail() or attempt == attempts - 1:
                    raise PostgresError(f"pg_ctl start failed (exit {started.returncode}){self._output(started)}")
                self.log.unlink(missing_ok=True)
        except BaseException:
            self.stop()
            raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        """Stop the server by its data folder (if it runs) and remove the folder. Safe to call twice."""
        if self.base is None:
            return
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
            self.port = None

    def create_database(self, name: str) -> str:
        """CREATE DATABASE "name" TEMPLATE template0; returns its URL."""
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE IF EXISTS "name" WITH (FORCE): connections still open to it are ended."""
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _admin(self):
        import psycopg

        return psycopg.connect(self.url(), autocommit=True, connect_timeout=10)

    def _initdb(self) -> None:
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o600)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(OS_USER)
            for path in (self.base, pwfile):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        try:
            done = self._run("initdb", "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
                             "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C",
                             "--no-sync", "--no-instructions")  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise PostgresError(f"initdb failed (exit {done.returncode}){self._output(done)}")

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        return self._run("pg_ctl", *args)

    def _run(self, binary: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(BIN / binary), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OS_USER, "--", *command]
        # The caller's PG* variables (PGDATA, PGPORT, PGHOST...) must not steer the throwaway server.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        return subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, cwd=self.base, timeout=120
        )

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _output(self, done: subprocess.CompletedProcess) -> str:
        text = (done.stdout + done.stderr).strip()
        tail = self._log_tail()
        return (f":\n{text}" if text else "") + (f"\n--- {self.log.name} (last lines) ---\n{tail}" if tail else "")
