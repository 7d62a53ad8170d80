"""The one door of the HTTP server: every request passes here before any route sees it or its body is read.

In order: the Host header must name this server (a foreign name is a DNS-rebinding attempt); a browser's
cross-site request (an Origin other than this server) is refused; once any credential is configured, every
route but sign-in and the bare health check needs a bearer key or a signed-in session; the body is capped
(413 at once from Content-Length, or as soon as a streamed body passes the cap); every response carries
security headers. Pure ASGI, outermost, so it guards the REST API, the OpenAI routes, Gradio's page, config,
queue, upload and file routes, and the MCP endpoint alike.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from index.accounts import Accounts, Principal

from .signin import SIGN_IN_PATH, SIGN_OUT_PATH, Credentials, SignIn

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
PUBLIC_PATHS = frozenset({"/api/v1/health", SIGN_IN_PATH, SIGN_OUT_PATH, "/favicon.ico"})
UPLOAD_PATHS = ("/api/v1/documents", "/gradio_api/upload")
API_PREFIXES = ("/api/", "/v1/", "/mcp", "/gradio_api/")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
"""Gradio's page runs inline bootstrap scripts and styles, and its HTML component compiles its templates with
`new Function` (hence 'unsafe-eval'); document text is escaped before it reaches them. What the policy adds:
nothing is loaded from, sent to or framed by another site, and no plugin, <base> or off-site form runs."""
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
)


@dataclass(frozen=True)
class Access:
    """Who may come in and how much they may send."""

    credentials: Credentials = field(default_factory=Credentials)
    accounts: Accounts | None = None
    """The users and their keys in the store's database; None for a gate with configured credentials only."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names besides the loopback ones that this server answers to; '*' lets any name in."""
    max_request_bytes: int = 1 << 20
    max_upload_bytes: int = 200_000_000

    @property
    def required(self) -> bool:
        """Whether every route but sign-in needs a credential: once any is configured or any user exists."""
        return self.credentials.required or (self.accounts is not None and self.accounts.has_users())

    def host_allowed(self, host: str) -> bool:
        return "*" in self.allowed_hosts or host in LOOPBACK_NAMES or host in self.allowed_hosts


def principal_of(scope: Scope) -> Principal | None:
    """Who the gate found on a request (it puts them in the ASGI scope's state, before any route runs); None when no
    one signed in or sent a key. Every surface (REST, web UI, MCP) reads the asker here."""
    return scope.get("state", {}).get("principal")


class BodyTooLarge(Exception):
    pass


class Gate:
    def __init__(self, app, access: Access):
        self.app = app
        self.access = access
        self.sign_in = SignIn(access.credentials, access.accounts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        send = _with_security_headers(send)
        host = _host_name(headers.get("host", ""))
        if not self.access.host_allowed(host):
            await _refuse(scope, send, 400, f"host {host!r} is not served here; allow it with CITEWISE_ALLOWED_HOSTS")
            return
        origin = headers.get("origin")
        if (
            origin is not None
            and origin != "null"
            and urlsplit(origin).netloc.lower() != headers.get("host", "").lower()
        ):
            await _refuse(scope, send, 403, "cross-site requests are refused")
            return
        path = scope.get("path", "")
        principal = await self.sign_in.principal(headers)
        scope.setdefault("state", {})["principal"] = principal
        if path in (SIGN_IN_PATH, SIGN_OUT_PATH) and scope["type"] == "http":
            await self.sign_in.handle(scope, receive, send, headers)
            return
        if principal is None and path not in PUBLIC_PATHS and self.access.required:
            if scope["type"] == "http" and _is_page_visit(scope, headers, path):
                target = SIGN_IN_PATH + "?next=" + quote(path, safe="/")
                await _respond(send, 303, b"", [(b"location", target.encode())])
            else:
                await _refuse(
                    scope,
                    send,
                    401,
                    "a valid API key is required: send 'Authorization: Bearer KEY' (people sign in at /login)",
                )
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        await self._within_limit(scope, receive, send, headers, path)

    async def _within_limit(self, scope: Scope, receive: Receive, send: Send, headers: dict, path: str) -> None:
        limit = self.access.max_upload_bytes if path.startswith(UPLOAD_PATHS) else self.access.max_request_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, 413, _too_large(limit))
            return
        received = 0
        over = False
        started = False

        async def counted() -> dict:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def guarded(message: dict) -> None:
            nonlocal started
            if over:  # whatever the app makes of the cut-off body, the client is told 413
                return
            started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            pass
        if over and not started:
            await _refuse(scope, send, 413, _too_large(limit))


def _too_large(limit: int) -> str:
    return f"the request body is over the limit of {limit} bytes"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _host_name(host: str) -> str:
    """`example.org:7860` -> `example.org`; `[::1]:7860` -> `::1`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_page_visit(scope: Scope, headers: dict, path: str) -> bool:
    return (
        scope.get("method") == "GET" and not path.startswith(API_PREFIXES) and "text/html" in headers.get("accept", "")
    )


def _with_security_headers(send: Send) -> Send:
    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


async def _refuse(scope: Scope, send: Send, status: int, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"error": message}).encode()
    await _respond(send, status, body, [(b"content-type", b"application/json")])


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
