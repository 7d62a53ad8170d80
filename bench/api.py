"""Many programs at once: 16 concurrent API clients x 10 questions each against one running server (the demo
corpus, the real model, loaded once), over HTTP on 127.0.0.1. Reports errors, answers that came back for
another client's question, and latency percentiles beside the same questions asked one at a time.

    python -m bench.api [--clients 16] [--questions 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import REPO

QUESTIONS = [
    "How many reservists were called up?",
    "Who ordered the mobilization?",
    "How many protesters were detained?",
    "Who is Rebekah Koffler?",
    "What anniversary did the gala concert mark?",
    "How many Moscow nationals fled to neighbouring countries?",
    "Where were protesters detained?",
    "When was the partial mobilization announced?",
    "What did Putin say about nuclear weapons?",
    "Which countries did Russians flee to?",
]


def ask(url: str, question: str) -> tuple[float, dict]:
    request = urllib.request.Request(
        url, data=json.dumps({"question": question}).encode(), headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = json.loads(response.read())
    return 1000 * (time.perf_counter() - started), body


def percentiles(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def run(clients: int = 16, questions: int = 10) -> dict:
    from rag import Assistant
    from ui.settings import AppSettings
    from ui.web import launch

    store = Path(tempfile.mkdtemp(prefix="citewise-api-")) / "store"
    assistant = Assistant.open(store=store)
    assistant.ingest([REPO / "demo_corpus"])
    server = launch(AppSettings(store=store, port=0), assistant=assistant, block=False)
    port = server.config.port
    url = f"http://127.0.0.1:{port}/api/v1/ask"
    try:
        alone = [ask(url, q)[0] for q in QUESTIONS[:questions]]

        def client(number: int) -> list[tuple[str, float, dict | None, str | None]]:
            results = []
            for turn in range(questions):
                question = f"{QUESTIONS[(number + turn) % len(QUESTIONS)]} (client {number}, turn {turn})"
                try:
                    ms, body = ask(url, question)
                    results.append((question, ms, body, None))
                except Exception as exc:  # every failure is counted, none stops the run
                    results.append((question, 0.0, None, f"{type(exc).__name__}: {exc}"))
            return results

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            results = [r for batch in pool.map(client, range(clients)) for r in batch]
        seconds = time.perf_counter() - started
    finally:
        server.should_exit = True
    errors = [e for _, _, _, e in results if e]
    mixed = [q for q, _, body, _ in results if body is not None and body.get("question") != q]
    return {
        "clients": clients,
        "questions_each": questions,
        "requests": len(results),
        "errors": len(errors),
        "first_errors": errors[:3],
        "answers_for_another_question": len(mixed),
        "concurrent": percentiles([ms for _, ms, body, _ in results if body is not None]),
        "one_at_a_time": percentiles(alone),
        "throughput_per_s": round(len(results) / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(run(args.clients, args.questions), indent=1))


if __name__ == "__main__":
    main()
