"""Saved conversations over REST against a real server (issue 24), on SQLite and on PostgreSQL: turns are kept
with their whole Answer JSON and survive a new client (a reload); a follow-up uses the earlier turns; each person
sees only their own, and someone else's answers 404 exactly like an unknown id; an old citation says plainly
when its document was changed or removed since."""

from __future__ import annotations

import httpx
import pytest

from helpers.stores import answering_store, database_settings
from index.collections import Collections

TEXTS = {
    "harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890.",
    "ferry.txt": "Osterby ferry\n\nThe Osterby ferry sails at dawn and carries twelve cars to Kelso.",
}
PASSWORD = "conversation password"


@pytest.fixture(params=["sqlite", "postgres"])
def server(request, tmp_path, fake_embeddings):
    from ui.settings import AppSettings
    from ui.web import launch

    extra = database_settings(request)
    assistant = answering_store(tmp_path, fake_embeddings, TEXTS, **extra)
    keys = {}
    for name in ("alice", "bob"):
        assistant.accounts.add_user(name, PASSWORD)
        Collections(assistant.library.database).grant("default", name, "editor")
        keys[name] = {"Authorization": f"Bearer {assistant.accounts.create_key(name).key}"}
    running = launch(
        AppSettings(store=assistant.settings.storage.path, port=0, **extra), assistant=assistant, block=False
    )
    base = f"http://127.0.0.1:{running.config.port}"
    yield base, keys, assistant, tmp_path
    running.should_exit = True


def test_a_conversation_keeps_its_turns_and_a_follow_up_uses_them(server):
    base, keys, _, _ = server
    with httpx.Client(base_url=base, timeout=60, headers=keys["alice"]) as client:
        made = client.post("/api/v1/conversations", json={"title": "Boats"})
        assert made.status_code == 201
        conversation = made.json()["id"]
        first = client.post(f"/api/v1/conversations/{conversation}/ask", json={"question": "How many yachts?"})
        assert first.status_code == 200 and first.json()["answer"]["citations"]
        second = client.post(f"/api/v1/conversations/{conversation}/ask", json={"question": "And fishing boats?"})
        assert second.status_code == 200 and "37" in second.json()["answer"]["answer"]
    with httpx.Client(base_url=base, timeout=60, headers=keys["alice"]) as reloaded:  # a new client: a reload
        listed = reloaded.get("/api/v1/conversations").json()["conversations"]
        assert [(c["id"], c["title"], c["turns"], c["collection"]) for c in listed] == [
            (conversation, "Boats", 2, "default")
        ]
        saved = reloaded.get(f"/api/v1/conversations/{conversation}").json()
        assert [t["question"] for t in saved["turns"]] == ["How many yachts?", "And fishing boats?"]
        assert saved["turns"][0]["answer"]["answer"] == first.json()["answer"]["answer"]
        assert all(c["current"] == "same" for t in saved["turns"] for c in t["answer"]["citations"])
        assert reloaded.patch(f"/api/v1/conversations/{conversation}", json={"title": "Harbour"}).json()["title"] == (
            "Harbour"
        )
        assert reloaded.delete(f"/api/v1/conversations/{conversation}").status_code == 200
        assert reloaded.get(f"/api/v1/conversations/{conversation}").status_code == 404


def test_someone_elses_conversation_answers_like_an_unknown_one(server):
    base, keys, _, _ = server
    with httpx.Client(base_url=base, timeout=60) as client:
        mine = client.post("/api/v1/conversations", json={"title": "Alice's"}, headers=keys["alice"]).json()["id"]
        client.post(f"/api/v1/conversations/{mine}/ask", json={"question": "How many yachts?"}, headers=keys["alice"])
        assert client.get("/api/v1/conversations", headers=keys["bob"]).json()["conversations"] == []
        for method, suffix, body in (
            ("GET", "", None),
            ("PATCH", "", {"title": "taken"}),
            ("POST", "/ask", {"question": "How many yachts?"}),
            ("DELETE", "", None),
        ):
            theirs = client.request(method, f"/api/v1/conversations/{mine}{suffix}", json=body, headers=keys["bob"])
            unknown = client.request(method, f"/api/v1/conversations/nosuch{suffix}", json=body, headers=keys["bob"])
            assert theirs.status_code == unknown.status_code == 404, (method, suffix)
            assert theirs.json()["error"].replace(mine, "X") == unknown.json()["error"].replace("nosuch", "X")
            assert "yachts" not in theirs.text
        assert client.get(f"/api/v1/conversations/{mine}", headers=keys["alice"]).json()["title"] == "Alice's"
        no_key = client.get("/api/v1/conversations")
        assert no_key.status_code == 401


def test_an_old_citation_says_when_its_document_changed_or_was_removed(server):
    base, keys, assistant, tmp_path = server
    with httpx.Client(base_url=base, timeout=60, headers=keys["alice"]) as client:
        conversation = client.post("/api/v1/conversations", json={}).json()["id"]
        for question in ("How many yachts were in Larkfield harbour?", "When does the Osterby ferry sail?"):
            client.post(f"/api/v1/conversations/{conversation}/ask", json={"question": question})
        harbour = tmp_path / "docs" / "harbour.txt"
        harbour.write_text(TEXTS["harbour.txt"].replace("12 yachts", "14 yachts"))
        assistant.ingest([harbour])  # a new version of the file: its old document is gone
        ferry = next(d.doc_id for d in assistant.documents() if "ferry" in d.title.lower())
        assistant.remove([ferry])
        saved = client.get(f"/api/v1/conversations/{conversation}").json()
        currents = [{c["current"] for c in t["answer"]["citations"]} for t in saved["turns"]]
        assert currents == [{"changed"}, {"removed"}]
