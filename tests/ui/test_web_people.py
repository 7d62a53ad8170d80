"""The web UI's events per person (issue 24), called as Gradio calls them, with a real SQLite store: each person's
questions are answered from collections they may read and saved to their own conversations; a saved conversation
reopens as it was answered, its citations saying when their document changed or was removed since; the Admin
tab's operations are an administrator's only, whatever the page shows."""

from __future__ import annotations

from html import unescape
from types import SimpleNamespace

import gradio
import pytest
from starlette.requests import Request

from helpers.stores import answering_store
from index.accounts import Principal
from index.collections import Collections
from ui.gate import Access
from ui.handlers import Handlers
from ui.signin import Credentials
from ui.web_access import NotAdministratorError, NotSignedInError, WebAccess
from ui.web_admin import Administration
from ui.web_chat import CHAT_OUTPUTS, ChatEvents
from ui.web_conversations import Opened

HARBOUR = "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890."
BRIDGE = "Kelso bridge\n\nThe old bridge at Kelso was rebuilt in stone after the flood of 1797."
PASSWORD = "web people password"


def request_of(principal: Principal | None):
    """What Gradio hands a handler: its Request around the HTTP request the gate put the principal on."""
    return gradio.Request(request=Request({"type": "http", "state": {"principal": principal}}))


@pytest.fixture
def team(tmp_path, fake_embeddings):
    """default (harbour) and legal (bridge); ann reads legal only, bob reads nothing, boss administers."""
    assistant = answering_store(tmp_path, fake_embeddings, {"harbour.txt": HARBOUR})
    Collections(assistant.library.database).create("legal")
    folder = tmp_path / "legal"
    folder.mkdir()
    (folder / "bridge.txt").write_text(BRIDGE)
    assistant.collection("legal").ingest([folder])
    people = {}
    for name in ("ann", "bob", "boss"):
        assistant.accounts.add_user(name, PASSWORD, admin=name == "boss")
        people[name] = request_of(assistant.accounts.verify(name, PASSWORD))
    Collections(assistant.library.database).grant("legal", "ann", "reader")
    access = WebAccess(Handlers(assistant), Access(credentials=Credentials.of(["configured-key"])))
    return SimpleNamespace(assistant=assistant, access=access, chat=ChatEvents(access.handlers, access), **people)


def ask(chat: ChatEvents, request, question: str, collection: str, answers=None, state=None) -> tuple:
    """The last update of one question: (conversation, viewer, turns, export, question box, state, list, title,
    id)."""
    updates = list(
        chat.respond(question, answers or [], state or Opened(), collection, 5, [], "extractive", {}, request)
    )
    assert all(len(update) == CHAT_OUTPUTS for update in updates)
    return updates[-1]


def shown(update: tuple) -> str:
    """The conversation as a person reads it."""
    return unescape(update[0])


def test_the_question_box_is_emptied_once_so_the_next_question_typed_while_streaming_survives(team):
    updates = list(team.chat.respond("How many yachts?", [], Opened(), "default", 5, [], "extractive", {}, team.boss))
    assert len(updates) > 1, "the answer should stream in several updates"
    boxes = [update[4] for update in updates]
    assert boxes[0]["value"] == "" and boxes[0]["interactive"]  # and usable: the page starts with it disabled
    assert "How many yachts?" in updates[0][0] and "▌" in updates[0][0]  # never emptied unseen
    assert all(isinstance(box, dict) and "value" not in box for box in boxes[1:])  # gr.skip()
    assert "▌" not in updates[-1][0] and "cw-marker" in updates[-1][0]


def test_a_person_asks_only_where_they_may_read(team):
    conversation, *_ = ask(team.chat, team.ann, "When was the Kelso bridge rebuilt?", "legal")
    assert "1797" in conversation and "harbour" not in conversation.lower()
    refused = shown(ask(team.chat, team.ann, "How many yachts?", "default"))
    missing = shown(ask(team.chat, team.ann, "How many yachts?", "nosuch"))
    assert "no collection is called 'default'" in refused and "yachts in 1890" not in refused
    assert refused.replace("default", "X") == missing.replace("nosuch", "X")  # forbidden reads as missing
    assert "no collection is called 'legal'" in shown(ask(team.chat, team.bob, "When was it rebuilt?", "legal"))
    assert team.access.collection_roles(team.ann) == {"legal": "reader"}
    assert team.access.collection_roles(team.bob) == {}
    assert list(team.access.collection_roles(team.boss)) == ["default", "legal"]


def test_a_request_without_a_principal_never_passes_as_the_local_user(team):
    with pytest.raises(NotSignedInError):
        team.access.in_collection(request_of(None), "default")
    with pytest.raises(NotSignedInError):
        team.access.in_collection(gradio.Request(), "default")  # no HTTP request at all


def test_answers_are_saved_to_the_askers_conversation_and_reopen_as_given(team):
    first = ask(team.chat, team.ann, "When was the Kelso bridge rebuilt?", "legal")
    state = first[5]
    assert state.id and state.collection == "legal" and first[8] == state.id
    follow = ask(team.chat, team.ann, "What was it rebuilt in?", "legal", first[2], state)
    assert follow[5].id == state.id and len(follow[2]) == 2
    listed = team.chat.saved.choices(team.ann)
    assert [conversation_id for _, conversation_id in listed] == [state.id]
    assert "2 turns" in listed[0][0] and "legal" in listed[0][0]
    reopened = team.chat.reopen(state.id, team.ann)
    assert reopened.collection == "legal"
    conversation, viewer, turns = reopened.updates[:3]
    assert [a.to_dict() for a in turns] == [a.to_dict() for a in follow[2]]
    assert conversation == follow[0] and 'id="cw-mark-1-1"' in viewer and "cw-stale" not in viewer
    # Nobody else sees it, and their reopening of its id is a blank chat, as for an unknown id.
    assert team.chat.saved.choices(team.bob) == [] and team.chat.saved.choices(team.boss) == []
    for other in (team.bob, team.boss):
        assert team.chat.reopen(state.id, other).collection is None
        assert team.chat.reopen(state.id, other).updates[2] == []
    markdown = open(reopened.updates[3]["value"], encoding="utf-8").read()
    assert (
        markdown.startswith("# When was the Kelso bridge rebuilt?") and "> " + turns[0].citations[0].quote in markdown
    )


def test_a_saved_citation_says_when_its_document_changed_or_was_removed(team, tmp_path):
    legal = team.assistant.collection("legal")
    saved = ask(team.chat, team.ann, "When was the Kelso bridge rebuilt?", "legal")
    quote = saved[2][0].citations[0].quote
    (tmp_path / "legal" / "bridge.txt").write_text(BRIDGE.replace("1797", "1798"))
    legal.ingest([tmp_path / "legal"])
    changed = team.chat.reopen(saved[5].id, team.ann).updates
    assert "the document has changed since this answer" in changed[0]
    assert "the document has changed since this answer" in changed[1] and quote in unescape(changed[1])
    legal.remove([d.doc_id for d in legal.documents()])
    removed = team.chat.reopen(saved[5].id, team.ann).updates
    assert "the document was removed since this answer" in removed[0]
    assert "was removed since this answer" in open(removed[3]["value"], encoding="utf-8").read()


def test_renaming_and_deleting_a_conversation(team):
    state = ask(team.chat, team.ann, "When was the Kelso bridge rebuilt?", "legal")[5]
    renamed = team.chat.rename("  Kelso   notes ", [], state, team.ann)
    assert renamed[5].title == "Kelso notes" and renamed[7] == "Kelso notes"
    assert team.chat.saved.choices(team.ann)[0][0].startswith("Kelso notes")
    # Someone else's id is unknown to them: renaming or deleting it changes nothing.
    assert "no conversation has the id" in shown(team.chat.rename("Mine now", [], state, team.bob))
    team.chat.delete(state, team.bob)
    assert len(team.chat.saved.choices(team.ann)) == 1
    team.chat.delete(state, team.ann)
    assert team.chat.saved.choices(team.ann) == []


def test_administration_is_for_administrators_only(team):
    admin = Administration(team.access)
    for person in (team.ann, team.bob):
        with pytest.raises(NotAdministratorError):
            admin.add_user(person, "eve", PASSWORD, True)
        with pytest.raises(NotAdministratorError):
            admin.view(person)
    assert team.assistant.accounts.user("eve") is None
    view = admin.add_user(team.boss, "eve", PASSWORD, False)
    assert "Added user eve" in view.message and "eve" in view.user_names
    view, key = admin.create_key(team.boss, "eve")
    assert key.startswith("cw_") and team.assistant.accounts.principal_for_key(key).name == "eve"
    assert key not in str(admin.view(team.boss))  # listed by id only, never again in full
    view = admin.create_collection(team.boss, "hr")
    assert "hr" in view.collection_names
    view = admin.grant(team.boss, "hr", "eve", "editor")
    assert ["hr", "eve", "editor"] in view.grants
    assert "confirm" in admin.remove_collection(team.boss, "hr", False).message
    assert "hr" in Collections(team.assistant.library.database).all().__repr__()
    assert "Removed collection hr" in admin.remove_collection(team.boss, "hr", True).message
    assert Collections(team.assistant.library.database).find("hr") is None
    bad = admin.add_user(team.boss, "eve", PASSWORD, False)
    assert "cw-admin-error" in bad.message and "eve" in bad.message
