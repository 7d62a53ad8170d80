"""Shared fixtures: fake and real encoders, stores, a real `chroma run` server and a real PostgreSQL 15 on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

sys.path.insert(0, str(Path(__file__).parent))

# Gradio parses its own components' source with `ast` when first imported. CPython 3.11.7 keeps the AST
# converter's recursion counter per interpreter, shared by threads (gh-106905): once a module compiled in a
# background thread of an earlier test (a server's, an ingestion queue's) has upset it, the first `import gradio`
# failed half-way (SystemError, then "gradio.components has no attribute LoginButton" in every later test).
# Imported here, at collection, before any test starts a thread.
import gradio  # noqa: E402, F401

from helpers.fakes import HashingEmbeddings  # noqa: E402
from ui.ports import free_port, wait_for_port  # noqa: E402, F401 - the tests import them from here

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def fake_embeddings() -> HashingEmbeddings:
    return HashingEmbeddings()


@pytest.fixture(scope="session")
def real_embeddings(tmp_path_factory):
    """The encoder users get: the bundled model on the backend `auto` picks here, converted once per session."""
    from index.embedding import LocalEmbeddings

    return LocalEmbeddings(dtype="float32", cache=tmp_path_factory.mktemp("encoders"))


@pytest.fixture(scope="session")
def torch_embeddings():
    """The reference every faster backend is judged against: PyTorch, float32."""
    from index.embedding import LocalEmbeddings

    return LocalEmbeddings(dtype="float32", backend="torch")


@pytest.fixture
def index_settings(tmp_path):
    from index.settings import IndexSettings

    return IndexSettings(store=tmp_path / "store")


@pytest.fixture
def fake_library(index_settings, fake_embeddings):
    from index.library import Library

    return Library(index_settings, fake_embeddings)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on 127.0.0.1, stopped by its PID at the end of the session."""
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(path / "server.log", "wb")
    process = subprocess.Popen(
        [str(VENV_BIN / "chroma"), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL 15 on 127.0.0.1 (tests/helpers/postgres.py), one per session because initdb and start cost
    about a second; stopped by its data folder at the end. Without Debian's postgresql-15 the tests that need it
    skip, except in CI, where a missing server must not pass unnoticed."""
    from helpers.postgres import BIN, PostgresServer

    if not PostgresServer.available():
        message = f"PostgreSQL 15 is not installed ({BIN}, as root also a postgres user); scripts/test-deps.sh does it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with PostgresServer() as server:
        yield server


@pytest.fixture
def pg_url(postgres_server):
    """The URL of a fresh, empty database on `postgres_server` (`t_<10 hex>`, from template0), dropped afterwards,
    so each test starts from nothing without paying for a server of its own."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven through Playwright."""
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/test-deps.sh")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()
