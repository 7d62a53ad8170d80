"""Reopening a saved conversation of 20 turns through the web app (issue 24: <= 300 ms), on the demo corpus with
the real model: 20 questions are asked through the REST route that saves them, then the conversation is reopened
through the web app's own event route (Gradio's queue over HTTP: the event a page load runs, which reopens the
tab's conversation), and in real headless Chromium by a page reload until its 20th answer is shown and its
first citation opens. Side by side: reopening a conversation of 1 turn.

    python -m bench.conversations [--turns 20] [--repeats 15] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.api import QUESTIONS
from bench.common import REPO, machine, percentile


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def saved_conversation(base: str, turns: int) -> str:
    made = post(f"{base}/api/v1/conversations", {"title": f"{turns} turns"})
    for number in range(turns):
        post(f"{base}/api/v1/conversations/{made['id']}/ask", {"question": QUESTIONS[number % len(QUESTIONS)]})
    return made["id"]


def through_events(base: str, conversation_id: str, repeats: int) -> list[float]:
    """The web app's page-load event with the tab's conversation id, as a reload calls it (Gradio's queue)."""
    from gradio_client import Client

    client = Client(base, verbose=False)
    client.predict(conversation_id, api_name="/load_page")  # warm: the session's first call
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.predict(conversation_id, api_name="/load_page")
        timings.append(1000 * (time.perf_counter() - started))
    return timings


def through_chromium(base: str, conversation_id: str, turns: int, repeats: int) -> list[float]:
    """A page reload until the conversation's last answer is shown and its first citation opens."""
    from playwright.sync_api import sync_playwright

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_context(bypass_csp=True).new_page()
        page.goto(base)
        page.evaluate(f"() => window.sessionStorage.setItem('citewise.conversation', '{conversation_id}')")
        for _ in range(repeats + 1):
            started = time.perf_counter()
            page.reload()
            page.wait_for_selector(f"#cw-turn-{turns - 1}", timeout=60_000)
            timings.append(1000 * (time.perf_counter() - started))
        page.click("#cw-turn-0 a.cw-marker[data-n='1']")
        page.wait_for_selector(".cw-source:has(mark:target)", timeout=10_000)
        browser.close()
    return timings[1:]


def summary(values: list[float]) -> dict:
    return {"p50_ms": round(percentile(values, 50), 1), "p95_ms": round(percentile(values, 95), 1)}


def run(turns: int = 20, repeats: int = 15) -> dict:
    from rag import Assistant
    from ui.settings import AppSettings
    from ui.web import launch

    store = Path(tempfile.mkdtemp(prefix="citewise-conversations-")) / "store"
    assistant = Assistant.open(store=store)
    assistant.ingest([REPO / "demo_corpus"])
    server = launch(AppSettings(store=store, port=0), assistant=assistant, block=False)
    base = f"http://127.0.0.1:{server.config.port}"
    try:
        long_id, short_id = saved_conversation(base, turns), saved_conversation(base, 1)
        result = {
            "turns": turns,
            "repeats": repeats,
            "event_route": {
                f"{turns}_turns": summary(through_events(base, long_id, repeats)),
                "1_turn": summary(through_events(base, short_id, repeats)),
            },
            "chromium_reload": {
                f"{turns}_turns": summary(through_chromium(base, long_id, turns, repeats)),
                "1_turn": summary(through_chromium(base, short_id, 1, repeats)),
            },
            "machine": machine(),
        }
    finally:
        server.should_exit = True
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="write bench/results/conversations.json too")
    args = parser.parse_args()
    result = run(args.turns, args.repeats)
    print(json.dumps(result, indent=1))
    if args.json:
        (REPO / "bench" / "results" / "conversations.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
