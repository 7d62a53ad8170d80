"""Many people at once: 16 users, each with their own API key and a reader of one of 4 collections (each holding
its own copy of the demo corpus, so each has documents of its own ids), ask 10 questions each, concurrently, over
HTTP on 127.0.0.1, against one running server (the real model, loaded once). Reports errors, answers that came
back for another client's question, answers citing a document outside the asker's collection, and latency
percentiles beside the same questions asked one at a time.

    python -m bench.api [--clients 16] [--questions 10] [--collections 4]
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


def ask(url: str, question: str, key: str | None = None, collection: str = "default") -> tuple[float, dict]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {key}"} if key else {})
    body = json.dumps({"question": question, "collection": collection}).encode()
    request = urllib.request.Request(url, data=body, headers=headers)
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


def run(clients: int = 16, questions: int = 10, collections: int = 4) -> dict:
    from index.collections import Collections
    from rag import Assistant
    from ui.settings import AppSettings
    from ui.web import launch

    store = Path(tempfile.mkdtemp(prefix="citewise-api-")) / "store"
    assistant = Assistant.open(store=store)
    names = [f"team-{n}" for n in range(collections)]
    owned: dict[str, set[str]] = {}
    for name in names:
        Collections(assistant.library.database).create(name)
        assistant.collection(name).ingest([REPO / "demo_corpus"])
        owned[name] = {d.doc_id for d in assistant.collection(name).documents()}
    keys = []
    for number in range(clients):
        user = f"user-{number}"
        assistant.accounts.add_user(user, f"password of {user}")
        Collections(assistant.library.database).grant(names[number % collections], user, "reader")
        keys.append(assistant.accounts.create_key(user).key)
    server = launch(AppSettings(store=store, port=0), assistant=assistant, block=False)
    port = server.config.port
    url = f"http://127.0.0.1:{port}/api/v1/ask"
    try:
        alone = [ask(url, q, keys[0], names[0])[0] for q in QUESTIONS[:questions]]

        def client(number: int) -> list[tuple[str, float, dict | None, str | None, str]]:
            results = []
            collection = names[number % collections]
            for turn in range(questions):
                question = f"{QUESTIONS[(number + turn) % len(QUESTIONS)]} (client {number}, turn {turn})"
                try:
                    ms, body = ask(url, question, keys[number], collection)
                    results.append((question, ms, body, None, collection))
                except Exception as exc:  # every failure is counted, none stops the run
                    results.append((question, 0.0, None, f"{type(exc).__name__}: {exc}", collection))
            return results

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            results = [r for batch in pool.map(client, range(clients)) for r in batch]
        seconds = time.perf_counter() - started
    finally:
        server.should_exit = True
    errors = [e for _, _, _, e, _ in results if e]
    mixed = [q for q, _, body, _, _ in results if body is not None and body.get("question") != q]
    foreign = [
        q
        for q, _, body, _, collection in results
        if body is not None and any(c["doc_id"] not in owned[collection] for c in body.get("citations", []))
    ]
    return {
        "clients": clients,
        "collections": collections,
        "questions_each": questions,
        "requests": len(results),
        "errors": len(errors),
        "first_errors": errors[:3],
        "answers_for_another_question": len(mixed),
        "answers_citing_another_collection": len(foreign),
        "concurrent": percentiles([ms for _, ms, body, _, _ in results if body is not None]),
        "one_at_a_time": percentiles(alone),
        "throughput_per_s": round(len(results) / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--collections", type=int, default=4)
    args = parser.parse_args()
    print(json.dumps(run(args.clients, args.questions, args.collections), indent=1))


if __name__ == "__main__":
    main()
