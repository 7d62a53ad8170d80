"""The page's load event puts the person's conversation, collections and library in place. Under load it can end
seconds after the page shows; a question asked before then had its answer wiped by the blank conversation that
event puts in place (a flaky failure of eight concurrent browser sessions). Asking now waits for it."""

from __future__ import annotations

import time

import pytest

from helpers.stores import answering_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HARBOUR = "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890.\n"
LOAD_SECONDS = 3.0


@pytest.fixture
def slow_loading_page(tmp_path, real_embeddings, monkeypatch):
    """A real server whose page-load event takes LOAD_SECONDS longer, as on a machine under load."""
    from ui.settings import AppSettings
    from ui.web import launch
    from ui.web_chat import ChatEvents

    reopen = ChatEvents.reopen

    def slow_reopen(self, conversation_id, request):
        time.sleep(LOAD_SECONDS)
        return reopen(self, conversation_id, request)

    monkeypatch.setattr(ChatEvents, "reopen", slow_reopen)
    assistant = answering_store(tmp_path, real_embeddings, {"harbour.txt": HARBOUR})
    running = launch(AppSettings(store=assistant.settings.storage.path, port=0), assistant, block=False)
    yield f"http://127.0.0.1:{running.config.port}/"
    running.should_exit = True


def test_asking_waits_for_the_page_load_and_its_answer_survives_it(slow_loading_page, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    page.goto(slow_loading_page)
    page.wait_for_selector("#cw-question textarea", timeout=60_000)
    shown = time.perf_counter()
    assert page.is_disabled("#cw-question textarea") and page.is_disabled("#cw-ask")
    assert all(page.is_disabled(f".cw-example >> nth={n}") for n in range(page.locator(".cw-example").count()))
    page.fill("#cw-question textarea", "How many fishing boats did the harbour master count?")  # waits until enabled
    assert time.perf_counter() - shown > LOAD_SECONDS / 2
    page.press("#cw-question textarea", "Enter")
    page.wait_for_selector("#cw-turn-0 .cw-sources", timeout=60_000)
    page.wait_for_timeout(1_000)  # anything still on its way from the page's load would land now
    assert page.locator("#cw-conversation .cw-turn").count() == 1
    assert "37" in page.inner_text("#cw-turn-0")
    assert page.is_enabled("#cw-ask") and page.input_value("#cw-question textarea") == ""
    context.close()
