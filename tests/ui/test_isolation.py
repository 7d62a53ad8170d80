"""Isolation of collections at the door of a real server (issue 24), on SQLite and on PostgreSQL: every surface of
the REST API and the OpenAI route, for each role (administrator, editor, reader, a user with no access, no key).

A collection, document or job the caller may not read answers 404 exactly as one that does not exist; a reader
may read but not change (403); nothing of another collection appears in any answer."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from helpers.corpora import write_pdf
from helpers.stores import answering_store, database_settings
from index.collections import Collections

TEXTS = {"harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890."}
LEGAL = "Kelso bridge\n\nThe old bridge at Kelso was rebuilt in stone after the flood of 1797."
HR = "Osterby payroll\n\nThe Osterby office paid its 14 clerks every second Friday in 1902."
PASSWORD = "matrix password 1"
ROLES = ("admin", "editor", "reader", "outsider", "nobody")


@pytest.fixture(params=["sqlite", "postgres"])
def team(request, tmp_path, fake_embeddings):
    """A server with collections default (harbour), legal (bridge) and hr (payroll), and a key per role: `editor`
    and `reader` of legal, `outsider` with no grant, `nobody` with no key at all."""
    from ui.settings import AppSettings
    from ui.web import launch

    extra = database_settings(request)
    assistant = answering_store(tmp_path, fake_embeddings, TEXTS, **extra)
    collections = Collections(assistant.library.database)
    for name, text in (("legal", LEGAL), ("hr", HR)):
        collections.create(name)
        folder = tmp_path / name
        folder.mkdir()
        (folder / f"{name}.txt").write_text(text)
        if name == "hr":  # a PDF, for its page images
            write_pdf(folder / "ledger.pdf", ["Osterby ledger. The clerks signed the ledger each Friday."])
        assistant.collection(name).ingest([folder])
    keys = {"nobody": None}
    for role in ROLES[:-1]:
        assistant.accounts.add_user(role, PASSWORD, admin=role == "admin")
        keys[role] = assistant.accounts.create_key(role).key
    collections.grant("legal", "editor", "editor")
    collections.grant("legal", "reader", "reader")
    running = launch(
        AppSettings(store=assistant.settings.storage.path, port=0, **extra), assistant=assistant, block=False
    )
    ids = {name: {d.doc_id for d in assistant.collection(name).documents()} for name in ("default", "legal", "hr")}
    with httpx.Client(base_url=f"http://127.0.0.1:{running.config.port}", timeout=60) as client:
        client.store = Path(assistant.settings.storage.path)  # where page images are cached, for one test
        yield client, keys, ids
    running.should_exit = True


def call(client, keys, role, method, path, **kwargs):
    headers = {"Authorization": f"Bearer {keys[role]}"} if keys[role] else {}
    return client.request(method, path, headers=headers, **kwargs)


# (method, path, keyword arguments) of every read of the legal collection, and what the answer must hold.
READS = [
    ("GET", "/api/v1/documents", {"params": {"collection": "legal"}}),
    ("GET", "/api/v1/search", {"params": {"q": "bridge at Kelso flood", "collection": "legal"}}),
    ("POST", "/api/v1/ask", {"json": {"question": "When was the Kelso bridge rebuilt?", "collection": "legal"}}),
    ("POST", "/v1/chat/completions", {"json": {"model": "citewise/legal", "messages": [
        {"role": "user", "content": "When was the Kelso bridge rebuilt?"}]}}),
]  # fmt: skip
EXPECTED_READ = {"admin": 200, "editor": 200, "reader": 200, "outsider": 404, "nobody": 401}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "kwargs"), READS, ids=[f"{m} {p}" for m, p, _ in READS])
def test_reading_the_legal_collection(team, role, method, path, kwargs):
    client, keys, ids = team
    response = call(client, keys, role, method, path, **kwargs)
    assert response.status_code == EXPECTED_READ[role], response.text
    text = response.text
    for other in ("default", "hr"):  # nothing of another collection, whatever the answer
        assert not any(doc_id in text for doc_id in ids[other])
    assert "payroll" not in text.lower() and "harbour" not in text.lower()
    if response.status_code == 200:
        assert any(doc_id in text for doc_id in ids["legal"])


def test_a_forbidden_collection_answers_exactly_as_a_missing_one(team):
    client, keys, _ = team
    for role in ("editor", "reader", "outsider"):
        forbidden = call(client, keys, role, "GET", "/api/v1/documents", params={"collection": "hr"})
        missing = call(client, keys, role, "GET", "/api/v1/documents", params={"collection": "nosuch"})
        assert forbidden.status_code == missing.status_code == 404
        assert forbidden.json()["error"].replace("hr", "X") == missing.json()["error"].replace("nosuch", "X")


@pytest.mark.parametrize("role", ROLES)
def test_listing_collections_and_models_shows_only_what_the_role_may_read(team, role):
    client, keys, _ = team
    expected = {
        "admin": ["default", "legal", "hr"],
        "editor": ["legal"],
        "reader": ["legal"],
        "outsider": [],
    }
    listed = call(client, keys, role, "GET", "/api/v1/collections")
    models = call(client, keys, role, "GET", "/v1/models")
    if role == "nobody":
        assert listed.status_code == models.status_code == 401
        return
    assert [c["name"] for c in listed.json()["collections"]] == expected[role]
    names = ["citewise" if c == "default" else f"citewise/{c}" for c in expected[role]]
    assert [m["id"] for m in models.json()["data"]] == names


@pytest.mark.parametrize("role", ROLES)
def test_a_document_is_read_in_its_own_collection_only(team, role):
    client, keys, ids = team
    [bridge] = ids["legal"]
    own = call(client, keys, role, "GET", f"/api/v1/documents/{bridge}/text", params={"collection": "legal"})
    assert own.status_code == EXPECTED_READ[role]
    if own.status_code == 200:
        assert "rebuilt in stone" in own.json()["text"]
    # Through a collection it is not in, even an administrator finds nothing.
    elsewhere = call(client, keys, role, "GET", f"/api/v1/documents/{bridge}/text", params={"collection": "default"})
    assert elsewhere.status_code == (401 if role == "nobody" else 404)
    assert "stone" not in elsewhere.text


@pytest.mark.parametrize("role", ROLES)
def test_changing_the_legal_collection_needs_the_editor_role(team, role):
    client, keys, ids = team
    [bridge] = ids["legal"]
    expected = {"admin": 200, "editor": 200, "reader": 403, "outsider": 404, "nobody": 401}[role]
    files = {"files": (f"note-{role}.txt", f"Note by {role}\n\nThe bridge toll was two pence.".encode())}
    uploaded = call(client, keys, role, "POST", "/api/v1/documents", params={"collection": "legal"}, files=files)
    assert uploaded.status_code == expected, uploaded.text
    removed = call(client, keys, role, "DELETE", f"/api/v1/documents/{bridge}", params={"collection": "legal"})
    assert removed.status_code == expected, removed.text
    remaining = call(client, keys, "admin", "GET", "/api/v1/documents", params={"collection": "legal"}).json()
    assert (bridge in {d["doc_id"] for d in remaining["documents"]}) == (expected != 200)


@pytest.mark.parametrize("role", ROLES)
def test_a_pdf_page_image_is_served_only_to_readers_of_its_collection(team, role):
    client, keys, ids = team
    [ledger] = [
        doc_id
        for doc_id in ids["hr"]
        if call(client, keys, "admin", "GET", f"/api/v1/documents/{doc_id}", params={"collection": "hr"})
        .json()["source"]
        .endswith(".pdf")
    ]
    rendered = call(client, keys, "admin", "GET", f"/api/v1/documents/{ledger}/pages/1", params={"collection": "hr"})
    assert rendered.status_code == 200  # now cached in the store, where Gradio's file route must not reach it
    page = call(client, keys, role, "GET", f"/api/v1/documents/{ledger}/pages/1", params={"collection": "hr"})
    assert page.status_code == {"admin": 200, "nobody": 401}.get(role, 404)
    if role == "admin":
        assert page.content.startswith(b"\x89PNG") and page.headers["content-type"] == "image/png"
        assert call(client, keys, role, "GET", f"/api/v1/documents/{ledger}/pages/9", params={"collection": "hr"}
                    ).status_code == 404  # fmt: skip
    else:
        unknown = call(client, keys, role, "GET", "/api/v1/documents/nosuch/pages/1", params={"collection": "hr"})
        assert page.status_code == unknown.status_code and b"PNG" not in page.content
    # Through another collection even an administrator gets nothing, and Gradio's file route never serves pages.
    assert call(client, keys, role, "GET", f"/api/v1/documents/{ledger}/pages/1").status_code in (401, 404)
    cached_pages = list(client.store.glob("pages/*/1.png"))
    assert cached_pages
    for cached in cached_pages:
        served = call(client, keys, role, "GET", f"/gradio_api/file={cached}")
        assert served.status_code != 200 and b"PNG" not in served.content
