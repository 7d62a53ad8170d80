"""Users and their keys at the door of a real server (issue 24): once a user exists every route needs a key or a
sign-in; a user's key acts on REST and the OpenAI route until revoked; people sign in with their name and
password; a session made on one server is honoured by another server of the same database; and a server never
starts on a network address with nothing to sign in with."""

from __future__ import annotations

import httpx
import pytest

from helpers.cli import run_cli
from helpers.stores import answering_store
from index.collections import Collections

PASSWORD = "tide tables 1890"
ADMIN_KEY = "configured-admin-key-77"
TEXTS = {"harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890."}


def _serve(assistant, **settings):
    from ui.settings import AppSettings
    from ui.web import launch

    return launch(
        AppSettings(store=assistant.settings.storage.path, port=0, **settings), assistant=assistant, block=False
    )


@pytest.fixture
def server(tmp_path, fake_embeddings):
    assistant = answering_store(tmp_path, fake_embeddings, TEXTS)
    assistant.accounts.add_user("ann", PASSWORD)
    Collections(assistant.library.database).grant("default", "ann", "reader")
    running = _serve(assistant, api_keys=ADMIN_KEY)
    yield f"http://127.0.0.1:{running.config.port}", assistant
    running.should_exit = True


def test_a_users_key_opens_rest_and_the_openai_route_until_revoked(server):
    base, assistant = server
    made = assistant.accounts.create_key("ann")
    bearer = {"Authorization": f"Bearer {made.key}"}
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/api/v1/documents").status_code == 401
        assert client.get("/api/v1/documents", headers={"Authorization": "Bearer cw_x_y"}).status_code == 401
        documents = client.get("/api/v1/documents", headers=bearer)
        assert documents.status_code == 200 and "harbour" in documents.text.lower()
        assert client.get("/v1/models", headers=bearer).status_code == 200
        answer = client.post("/api/v1/ask", json={"question": "How many yachts?"}, headers=bearer)
        assert answer.status_code == 200 and answer.json()["citations"]
        assert client.get("/api/v1/health", headers=bearer).json()["documents"] == 1
        assert client.get("/api/v1/health").json() == {"status": "ok"}
        # The configured key stays an administrator's credential beside the users.
        assert client.get("/api/v1/documents", headers={"Authorization": f"Bearer {ADMIN_KEY}"}).status_code == 200
        assistant.accounts.revoke_key(made.id)
        assert client.get("/api/v1/documents", headers=bearer).status_code == 401


def test_people_sign_in_with_name_and_password_and_another_server_knows_the_session(server, fake_embeddings):
    base, assistant = server
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/login")
        assert 'name="username"' in form.text  # users exist: the form asks for a name
        wrong = client.post("/login", data={"username": "ann", "password": PASSWORD + "x"})
        assert wrong.status_code == 401
        signed = client.post("/login", data={"username": "ann", "password": PASSWORD, "next": "/"})
        assert signed.status_code == 303
        token = client.cookies["citewise_session"]
        assert client.get("/api/v1/documents").status_code == 200
    other = _serve(assistant)  # a second server of the same database (no configured key at all)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{other.config.port}", timeout=30) as client:
            assert client.get("/api/v1/documents").status_code == 401  # users exist: closed without any configured key
            client.cookies.set("citewise_session", token)
            assert client.get("/api/v1/documents").status_code == 200
            client.get("/logout")
            assert client.get("/api/v1/documents").status_code == 401
        with httpx.Client(base_url=base, timeout=30) as client:
            client.cookies.set("citewise_session", token)
            assert client.get("/api/v1/documents").status_code == 401  # signed out everywhere
    finally:
        other.should_exit = True


@pytest.mark.integration
def test_serving_on_a_network_address_with_nothing_to_sign_in_with_is_refused(tmp_path):
    """The check runs before the model loads or a port opens; it names the command that fixes it."""
    result = run_cli("serve", "--host", "0.0.0.0", "--port", "0", "--store", tmp_path / "store", timeout=120)
    assert result.returncode == 2
    assert "citewise user add NAME --admin" in result.stderr and "0.0.0.0" in result.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_addresses(host, loopback):
    from ui.settings import is_loopback

    assert is_loopback(host) is loopback


def test_the_web_ui_opens_to_every_user_and_its_page_holds_nothing_of_any_collection(server):
    """Gradio's page and config are the same for everyone: documents, collections and conversations reach a person
    only through their own events (tests/ui/test_web_people.py), never in what the page is built with."""
    base, assistant = server
    key = assistant.accounts.create_key("ann").key
    [harbour] = [d.doc_id for d in assistant.documents()]
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in ("/", "/config", "/gradio_api/info"):
            shown = client.get(path, headers={"Authorization": f"Bearer {key}"})
            assert shown.status_code == 200, path
            assert "harbour" not in shown.text.lower() and harbour not in shown.text, path
        assert client.get("/config").status_code == 401
