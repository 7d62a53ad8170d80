"""Settings of the web server, on top of the application's."""

from __future__ import annotations

from pydantic import Field, field_validator

from rag.settings import Settings


class AppSettings(Settings):
    host: str = Field(default="127.0.0.1", description="Address the web UI binds to; 0.0.0.0 exposes it.")
    port: int = Field(default=7860, ge=0, le=65535, description="Port of the web UI (0 picks a free one).")
    auth: str | None = Field(
        default=None, description="Login for the web UI as USER:PASSWORD; the API then takes it as a bearer key too."
    )
    api_keys: str | None = Field(
        default=None, description="Comma-separated bearer keys the API requires (CITEWISE_API_KEYS); none: open."
    )

    @property
    def api_key_list(self) -> list[str]:
        keys = [k.strip() for k in (self.api_keys or "").split(",") if k.strip()]
        return keys + ([self.auth] if self.auth else [])

    @field_validator("auth")
    @classmethod
    def _check_auth(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        user, sep, password = value.partition(":")
        if not sep or not user or not password:
            raise ValueError("auth must look like USER:PASSWORD")
        return value
