"""Credentials and browser sign-in: bearer keys for programs, a sign-in page and a session cookie for people.

Two sources of credentials: the server's configuration (`CITEWISE_API_KEYS`, `--auth USER:PASSWORD`), which acts
as an administrator, and the accounts in the database (`citewise user add`, `citewise key create`; index/accounts.py),
each acting as its user. Configured keys and the --auth password are kept only as SHA-256 digests and compared in
constant time; sessions are random tokens kept as digests in the database, so every server of one database knows
them; failed sign-ins are rate-limited per client address and per name.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs

from index.accounts import KEY_PREFIX, Accounts, Principal

CONFIGURED_KEY = "api-key"
"""The name of a principal that came in with a key of the configuration (CITEWISE_API_KEYS)."""

SIGN_IN_PATH = "/login"
SIGN_OUT_PATH = "/logout"
SESSION_COOKIE = "citewise_session"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000
FAILURES_ALLOWED = 5
"""Failed sign-ins per client address (and per user name) within FAILURE_WINDOW before further tries wait."""
FAILURE_WINDOW = 300.0
MAX_FORM_BYTES = 8192


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True)
class Credentials:
    """What lets someone in: bearer keys (`CITEWISE_API_KEYS`) and the login of `--auth USER:PASSWORD`, which
    is also accepted as the bearer key `USER:PASSWORD`. None configured: the server is open (loopback only)."""

    key_digests: tuple[bytes, ...] = ()
    login_name: str | None = None
    login_digest: bytes | None = field(default=None, repr=False)

    @classmethod
    def of(cls, keys: list[str] | tuple[str, ...] = (), login: str | None = None) -> Credentials:
        name, password = login.split(":", 1) if login else (None, None)
        keys = [k for k in keys if k] + ([login] if login else [])
        return cls(tuple(_digest(k) for k in keys), name, _digest(password) if password else None)

    @property
    def required(self) -> bool:
        return bool(self.key_digests)

    def key_valid(self, given: str) -> bool:
        digest = _digest(given)
        return any(hmac.compare_digest(digest, known) for known in self.key_digests) if given else False

    def login_valid(self, name: str, password: str) -> Principal | None:
        """The principal a sign-in form names: the `--auth` user with its password, or anyone with a key."""
        if self.login_digest is not None and name == self.login_name:
            return Principal(name, admin=True) if hmac.compare_digest(_digest(password), self.login_digest) else None
        return Principal(CONFIGURED_KEY, admin=True) if self.key_valid(password) else None


class FailedSignIns:
    """Sliding-window count of failures per key (an address or a name)."""

    def __init__(self, allowed: int = FAILURES_ALLOWED, window: float = FAILURE_WINDOW):
        self.allowed = allowed
        self.window = window
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, keys: list[str]) -> float:
        """0 when a try is allowed now, else how long until one is."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key in keys:
                times = self._times.get(key)
                while times and now - times[0] > self.window:
                    times.popleft()
                if times and len(times) >= self.allowed:
                    waits.append(self.window - (now - times[0]))
            return max(waits, default=0.0)

    def record(self, keys: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._times) > 100_000:  # a flood of names must not grow memory without bound
                self._times.clear()
            for key in keys:
                self._times.setdefault(key, deque()).append(now)


class MemorySessions:
    """Sessions of a server without a database (tests of the gate alone): kept as digests in this process."""

    def __init__(self):
        self._sessions: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def start_session(self, principal: Principal, seconds: float) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[_digest(token)] = (principal, time.time() + seconds)
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return token

    def session(self, token: str) -> Principal | None:
        with self._lock:
            principal, expires = self._sessions.get(_digest(token), (None, 0.0))
        return principal if expires >= time.time() else None

    def end_session(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(_digest(token), None)


class SignIn:
    def __init__(self, credentials: Credentials, accounts: Accounts | None = None):
        self.credentials = credentials
        self.accounts = accounts
        self.sessions = accounts or MemorySessions()
        self.failures = FailedSignIns()

    # -- who is asking
    async def principal(self, headers: dict[str, str]) -> Principal | None:
        """The principal of a request (bearer key or session cookie), None if there is none. Reads of the database
        run in a worker thread, off the event loop."""
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            key = authorization[7:].strip()
            if self.credentials.key_valid(key):
                return Principal(CONFIGURED_KEY, admin=True)
            if self.accounts is not None and key.startswith(KEY_PREFIX + "_"):
                return await asyncio.to_thread(self.accounts.principal_for_key, key)
            return None
        token = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
        if not token:
            return None
        return await asyncio.to_thread(self.sessions.session, token)

    async def _login(self, name: str, password: str) -> Principal | None:
        """A user of the database by name and password, else the configuration's --auth login or key."""
        if self.accounts is not None and name and name != self.credentials.login_name:
            found = await asyncio.to_thread(self.accounts.verify, name, password)
            if found is not None:
                return found
        return self.credentials.login_valid(name, password)

    @property
    def _asks_name(self) -> bool:
        return self.credentials.login_name is not None or (self.accounts is not None and self.accounts.has_users())

    # -- the pages
    async def handle(self, scope, receive, send, headers: dict[str, str]) -> None:
        path, method = scope["path"], scope.get("method", "GET")
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        if path == SIGN_OUT_PATH:
            token = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
            if token:
                await asyncio.to_thread(self.sessions.end_session, token)
            expired = f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
            await _page(send, 303, "", [(b"location", SIGN_IN_PATH.encode()), (b"set-cookie", expired.encode())])
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        target = _local_path(query.get("next", ["/"])[0])
        if method != "POST":
            await _page(send, 200, sign_in_html(target, "", self._asks_name))
            return
        form = parse_qs((await _read_form(receive)).decode("utf-8", "replace"))
        name = form.get("username", [""])[0]
        password = form.get("password", [""])[0]
        target = _local_path(form.get("next", [target])[0])
        client = (scope.get("client") or ("unknown", 0))[0]
        keys = [f"address:{client}"] + ([f"name:{name}"] if name else [])
        wait = self.failures.wait_seconds(keys)
        if wait > 0:
            message = f"Too many failed sign-ins; try again in {int(wait) + 1} s."
            retry = [(b"retry-after", str(int(wait) + 1).encode())]
            await _page(send, 429, sign_in_html(target, message, self._asks_name), retry)
            return
        principal = await self._login(name, password)
        if principal is None:
            self.failures.record(keys)
            message = "Wrong user name, password or key."
            await _page(send, 401, sign_in_html(target, message, self._asks_name))
            return
        token = await asyncio.to_thread(self.sessions.start_session, principal, SESSION_SECONDS)
        cookie = f"{SESSION_COOKIE}={token}; Path=/; Max-Age={SESSION_SECONDS}; HttpOnly; "
        cookie += f"SameSite=Lax{secure}"
        await _page(send, 303, "", [(b"location", target.encode()), (b"set-cookie", cookie.encode())])


def sign_in_html(target: str, message: str, with_name: bool) -> str:
    name_input = '<input name="username" type="text" autocomplete="username" autofocus>'
    name_field = f"<label>User name {name_input}</label>" if with_name else ""
    secret_label = "Password or API key" if with_name else "API key"
    error = f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · Citewise</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:22rem;margin:12vh auto;padding:0 1rem;color:#1f2937}}
label{{display:block;margin:.8rem 0}}
input{{display:block;width:100%;padding:.5rem;margin-top:.3rem;box-sizing:border-box}}
button{{padding:.55rem 1.2rem;background:#2563eb;color:#fff;border:0;border-radius:.3rem}}
.error{{color:#b91c1c}}</style>
</head><body><h1>Citewise</h1><p>Sign in to ask your documents.</p>{error}
<form method="post" action="/login"><input type="hidden" name="next" value="{escape(target, quote=True)}">
{name_field}<label>{secret_label} <input name="password" type="password" autocomplete="current-password"
{"" if with_name else "autofocus"} required></label><button type="submit" id="cw-sign-in">Sign in</button></form>
</body></html>"""


def _local_path(target: str) -> str:
    """Only a path on this server (no scheme, host or `//`), so sign-in cannot redirect elsewhere."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    return target


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def _read_form(receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_FORM_BYTES:
            return b""
        if not message.get("more_body"):
            return body


async def _page(send, status: int, html: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = html.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
