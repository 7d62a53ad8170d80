"""Settings of the web server (the `server` group), on top of the application's."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from index.errors import CitewiseError
from index.settings_base import Group
from rag.settings import Settings

from .gate import Access
from .signin import Credentials


class ServerSettings(Group):
    """The web UI and HTTP API: address, who is let in, and the size of what they accept."""

    host: str = Field(
        default="127.0.0.1", description="Address the web UI and API bind to; 0.0.0.0 exposes them to the network."
    )
    port: int = Field(
        default=7860, ge=0, le=65535, description="TCP port of the web UI and API (0-65535; 0 picks a free one)."
    )
    auth: str | None = Field(
        default=None,
        description="Login for the web UI as USER:PASSWORD; the API then takes it as a bearer key too. Unset: no "
        "login.",
    )
    api_keys: str | None = Field(
        default=None,
        description="Comma-separated bearer keys the API and web UI require (CITEWISE_API_KEYS); unset (and no auth): "
        "open to whoever reaches the address.",
    )
    allowed_hosts: str | None = Field(
        default=None,
        description="Comma-separated host names the server answers to besides localhost, 127.0.0.1 and ::1 (and "
        "the host setting when it names one address); requests naming another host are refused, which stops "
        "DNS-rebinding attacks. '*' accepts any name: only behind a proxy that checks it.",
    )
    workers: int = Field(
        default=1,
        ge=0,
        le=32,
        description="Ingestion workers run inside the server when files are indexed through the job queue (a "
        "shared database), 0-32; 0 leaves the jobs to `citewise worker` processes. Ignored when files are indexed "
        "directly (the embedded default).",
    )
    max_request_kb: int = Field(
        default=1024,
        ge=1,
        le=1_000_000,
        description="Largest request body accepted, uploads aside, in KiB (1-1,000,000); a larger one gets 413.",
    )
    max_upload_mb: float = Field(
        default=200.0,
        gt=0,
        description="Largest upload request (all its files together), in MB (> 0); each file must also be within "
        "ingest.max_file_mb. A larger body is refused with 413 as soon as it passes the limit.",
    )

    @property
    def api_key_list(self) -> list[str]:
        return [k.strip() for k in (self.api_keys or "").split(",") if k.strip()]

    def access(self, accounts=None) -> Access:
        """Who the server lets in (the configured credentials, and `accounts`: the users of the database), the
        host names it answers to, and the body limits (ui/gate.py)."""
        hosts = [h.strip().lower().strip("[]") for h in (self.allowed_hosts or "").split(",") if h.strip()]
        if self.host not in ("0.0.0.0", "::", ""):
            hosts.append(self.host.lower().strip("[]"))
        return Access(
            credentials=Credentials.of(self.api_key_list, self.auth),
            accounts=accounts,
            allowed_hosts=tuple(hosts),
            max_request_bytes=self.max_request_kb * 1024,
            max_upload_bytes=int(self.max_upload_mb * 1_000_000),
        )

    def check_exposure(self, access: Access) -> None:
        """Refuse to serve beyond this machine with nothing to sign in with: anyone on the network could read
        every document."""
        if is_loopback(self.host) or access.required:
            return
        raise CitewiseError(
            f"refusing to serve on {self.host} with no users and no API keys: anyone who reaches it could read every "
            "document. Add a user first (`citewise user add NAME --admin`), or set CITEWISE_API_KEYS, or serve on "
            "127.0.0.1"
        )

    @field_validator("auth")
    @classmethod
    def _check_auth(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        user, sep, password = value.partition(":")
        if not sep or not user or not password:
            raise ValueError("auth must look like USER:PASSWORD")
        return value


class AppSettings(Settings):
    """The application's settings and the server's."""

    FLAT_NAMES: ClassVar[dict[str, str]] = {
        "host": "server.host",
        "port": "server.port",
        "auth": "server.auth",
        "api_keys": "server.api_keys",
        "allowed_hosts": "server.allowed_hosts",
        "max_request_kb": "server.max_request_kb",
        "max_upload_mb": "server.max_upload_mb",
        "workers": "server.workers",
    }

    server: ServerSettings = Field(default_factory=ServerSettings, description=ServerSettings.__doc__)


def is_loopback(host: str) -> bool:
    """Whether an address to bind to is reachable from this machine only."""
    import ipaddress

    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False
