"""The store's consistency for GET /api/v1/health, checked in the background: the check queries the vector
store, which can wait behind a large write, and a health endpoint must answer at once whatever the server does."""

from __future__ import annotations

import threading
import time

from rag import Assistant

INTERVAL = 10.0
"""Seconds a result is served before the next check starts."""
FIRST_WAIT = 1.0
"""Seconds a request waits for the very first result (later ones never wait)."""


class BackgroundHealth:
    def __init__(self, assistant: Assistant, interval: float = INTERVAL):
        self.assistant = assistant
        self.interval = interval
        self._result: dict | None = None
        self._checked = 0.0
        self._running = threading.Lock()
        self._first = threading.Event()

    def latest(self) -> dict:
        """The last check's result with its age in seconds (`checked_seconds_ago`); a new check is started when
        it is older than the interval. Until a first check ends: `{"store_check": "running"}`."""
        if time.monotonic() - self._checked > self.interval and self._running.acquire(blocking=False):
            threading.Thread(target=self._check, name="citewise-health", daemon=True).start()
        self._first.wait(FIRST_WAIT)
        result = self._result
        if result is None:
            return {"store_check": "running"}
        return result | {"checked_seconds_ago": round(time.monotonic() - self._checked, 1)}

    def _check(self) -> None:
        try:
            self._result = self.assistant.health().to_dict()
        except Exception as exc:  # noqa: BLE001 - a failing store is what a health check reports
            self._result = {
                "consistent": False,
                "problems": [f"the store cannot be checked: {type(exc).__name__}: {exc}"],
            }
        finally:
            self._checked = time.monotonic()
            self._first.set()
            self._running.release()
