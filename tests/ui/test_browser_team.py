"""Two people side by side in real headless Chromium against a real server with the bundled model (issue 24), with
the store's database embedded (SQLite) and on a real PostgreSQL: each signs in and sees only their own
collections, documents and conversations; a reload reopens their conversation and its citations still open;
only the administrator gets the Admin tab and every collection."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.stores import answering_store, database_settings
from index.collections import Collections

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HARBOUR = "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890.\n"
BRIDGE = "Kelso bridge\n\nThe old bridge at Kelso was rebuilt in stone after the flood of 1797.\n"
PASSWORD = "side by side 2026"


@pytest.fixture(params=["embedded", "postgres"])
def team(request, tmp_path, real_embeddings):
    """default holds the harbour, legal the bridge; ann reads legal, bob edits default, boss administers."""
    from ui.settings import AppSettings
    from ui.web import launch

    extra = database_settings(request)
    assistant = answering_store(tmp_path, real_embeddings, {"harbour.txt": HARBOUR}, **extra)
    collections = Collections(assistant.library.database)
    collections.create("legal")
    (tmp_path / "legal").mkdir()
    (tmp_path / "legal" / "bridge.txt").write_text(BRIDGE)
    assistant.collection("legal").ingest([tmp_path / "legal"])
    for name in ("ann", "bob", "boss"):
        assistant.accounts.add_user(name, PASSWORD, admin=name == "boss")
    collections.grant("legal", "ann", "reader")
    collections.grant("default", "bob", "editor")
    running = launch(AppSettings(store=assistant.settings.storage.path, port=0, **extra), assistant, block=False)
    yield f"http://127.0.0.1:{running.config.port}/", tmp_path
    running.should_exit = True


def sign_in(browser, url: str, name: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("input[name=username]", timeout=30_000)
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#cw-question textarea", timeout=60_000)
    page.wait_for_selector(f"#cw-who:has-text('{name}')", timeout=30_000)  # the person's own load has run
    return context, page


def ask(page, question: str, turns: int) -> str:
    page.fill("#cw-question textarea", question)
    page.press("#cw-question textarea", "Enter")
    page.wait_for_selector(f"#cw-turn-{turns - 1} .cw-sources, #cw-turn-{turns - 1} .cw-badge-abstain", timeout=60_000)
    page.wait_for_selector(f"#cw-conversations label:has-text('{turns} turn')", timeout=30_000)  # saved
    return page.inner_text(f"#cw-turn-{turns - 1}")


def library(page, showing: str) -> str:
    """The Library tab's text once it lists `showing`: a change of collection refreshes the list asynchronously."""
    page.get_by_role("tab", name="Library").click()
    page.wait_for_selector(f"#cw-documents:has-text('{showing}')", timeout=30_000)
    text = page.inner_text("#cw-documents")
    page.get_by_role("tab", name="Ask").click()
    return text


def test_two_people_side_by_side_see_only_their_own(team, browser):
    url, folder = team
    (ann_context, ann), (bob_context, bob) = sign_in(browser, url, "ann"), sign_in(browser, url, "bob")
    assert "Larkfield" not in library(ann, showing="Kelso bridge")
    assert "Kelso" not in library(bob, showing="Larkfield harbour")
    # One collection each: no picker to choose from, and no Admin tab.
    for page in (ann, bob):
        assert not page.locator("#cw-collection").is_visible()
        assert page.get_by_role("tab", name="Admin").count() == 0

    ann_answer = ask(ann, "When was the Kelso bridge rebuilt?", 1)
    bob_answer = ask(bob, "How many yachts were in Larkfield harbour?", 1)
    assert "1797" in ann_answer and "Larkfield" not in ann_answer
    assert "12 yachts" in bob_answer and "Kelso" not in bob_answer
    follow = ask(ann, "What was it rebuilt in?", 2)
    assert "stone" in follow
    elsewhere = ask(bob, "When was the Kelso bridge rebuilt?", 2)  # in ann's collection, not in bob's
    assert "1797" not in elsewhere and "rebuilt in stone" not in elsewhere
    ann_list, bob_list = ann.inner_text("#cw-conversations"), bob.inner_text("#cw-conversations")
    assert "When was the Kelso bridge rebuilt? · legal · 2 turns" in ann_list and "yachts" not in ann_list
    assert "How many yachts were in Larkfield harbour? · default · 2 turns" in bob_list
    assert ann_list.count(" turn") == bob_list.count(" turn") == 1

    # A reload reopens each person's conversation, and its citations open their exact span in the source file.
    for page, source in ((ann, folder / "legal" / "bridge.txt"), (bob, folder / "docs" / "harbour.txt")):
        page.reload()
        page.wait_for_selector("#cw-turn-1", timeout=60_000)
        assert page.locator("#cw-conversation .cw-turn").count() == 2
        page.click("#cw-turn-0 a.cw-marker[data-n='1']")
        page.wait_for_selector(".cw-source:has(mark:target)")
        quote = page.locator("mark:target").inner_text()
        assert len(quote) > 20 and quote in Path(source).read_text()
    # A new conversation, then back to the first one by its entry in the list.
    ann.click("#cw-new-conversation")
    ann.wait_for_function("document.querySelectorAll('#cw-conversation .cw-turn').length === 0")
    ask(ann, "Which river flooded?", 1)
    assert ann.locator("#cw-conversations label").count() == 2
    ann.locator("#cw-conversations label", has_text="When was the Kelso bridge rebuilt?").click()
    ann.wait_for_selector("#cw-turn-1", timeout=30_000)
    assert "stone" in ann.inner_text("#cw-turn-1") and ann.input_value("#cw-conversation-title input") != ""
    ann_context.close()
    bob_context.close()


@pytest.mark.parametrize("team", ["embedded"], indirect=True)  # the operations' storage is tested on both
def test_the_administrator_chooses_among_every_collection_and_administers(team, browser):
    url, _ = team
    context, page = sign_in(browser, url, "boss")
    assert page.locator("#cw-collection").is_visible()
    page.click("#cw-collection input")
    options = page.locator("ul[role=listbox] li").all_inner_texts()
    assert [o.replace("✓", "").strip() for o in options] == ["default (editor)", "legal (editor)"]
    page.locator("ul[role=listbox] li", has_text="legal").click()
    assert "Larkfield" not in library(page, showing="Kelso bridge")
    assert "1797" in ask(page, "When was the Kelso bridge rebuilt?", 1)
    page.get_by_role("tab", name="Admin").click()
    users = page.inner_text("#cw-users")
    assert all(name in users for name in ("ann", "bob", "boss"))
    grants = page.inner_text("#cw-grants")
    assert "legal" in grants and "reader" in grants and "editor" in grants
    page.fill("#cw-admin-collection input", "hr")
    page.click("#cw-create-collection")
    page.wait_for_selector("#cw-admin-message:has-text('Made collection hr')", timeout=30_000)
    context.close()
