"""Large uploads against a real server (issue 21): seconds per MB of text at several sizes (linear means a flat
column), while a second client keeps asking and checking health; its slowest answers show whether reads stall.

    python -m bench.large_files --sizes 5 10 20 49 [--json results.json]

Each file is varied prose made from a fixed-seed vocabulary (no two chunks alike), uploaded through
POST /api/v1/documents to `citewise serve` over the sample corpus, with the real model and default settings.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from ui.cli import demo_corpus_files

from .common import CITEWISE, cli_env, free_port, wait_for_port

QUESTION = "How many reservists were called up?"
WORDS = (
    "harbour tide ferry council budget river storm bridge school market rail station mayor vote clinic road "
    "museum archive library festival orchard mill quarry lighthouse canal tram depot square tower garden dock"
).split()


def varied_text(megabytes: float, seed: int) -> str:
    rng = random.Random(seed)
    parts, size, n = [], 0, 0
    while size < megabytes * 1_000_000:
        words = rng.choices(WORDS, k=rng.randint(8, 18))
        sentence = f"In {1900 + rng.randint(0, 120)} the {' '.join(words)} counted {rng.randint(2, 9999)} visitors. "
        if n % 6 == 5:
            sentence += "\n\n"
        parts.append(sentence)
        size += len(sentence)
        n += 1
    return "".join(parts)


def measure(base: str, path: Path) -> dict:
    latencies: dict[str, list[float]] = {"health": [], "ask": []}
    done = threading.Event()
    failures: list[str] = []

    def reader() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while not done.is_set():
                for name, call in (
                    ("health", lambda: client.get("/api/v1/health")),
                    ("ask", lambda: client.post("/api/v1/ask", json={"question": QUESTION})),
                ):
                    started = time.perf_counter()
                    response = call()
                    latencies[name].append(time.perf_counter() - started)
                    if response.status_code != 200 or (name == "ask" and "300,000" not in response.text):
                        failures.append(f"{name}: {response.status_code} {response.text[:120]}")
                time.sleep(0.5)

    thread = threading.Thread(target=reader)
    thread.start()
    started = time.perf_counter()
    with path.open("rb") as handle:
        response = httpx.post(
            f"{base}/api/v1/documents", files=[("files", (path.name, handle, "text/plain"))], timeout=7200
        )
    seconds = time.perf_counter() - started
    done.set()
    thread.join()
    report = response.json()
    megabytes = path.stat().st_size / 1e6
    return {
        "megabytes": round(megabytes, 1),
        "seconds": round(seconds, 1),
        "seconds_per_mb": round(seconds / megabytes, 2),
        "chunks": sum(item.get("chunks") or 0 for item in report.get("added", [])),
        "health_max_ms": round(1000 * max(latencies["health"]), 1),
        "ask_p50_ms": round(1000 * statistics.median(latencies["ask"]), 1),
        "ask_max_ms": round(1000 * max(latencies["ask"]), 1),
        "reads": len(latencies["ask"]),
        "read_failures": failures[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[5, 10, 20, 49])
    parser.add_argument("--json", type=Path, help="Write the results here too.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="citewise-large-"))
    store = work / "store"
    subprocess.run(
        [CITEWISE, "ingest", "--quiet", "--store", str(store), *map(str, demo_corpus_files())],
        check=True,
        env=cli_env(),
    )
    port = free_port()
    server = subprocess.Popen(
        [CITEWISE, "serve", "--store", str(store), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=(work / "serve.log").open("wb"),
        env=cli_env(),
    )
    rows = []
    try:
        wait_for_port(port, server, seconds=180)
        for number, size in enumerate(args.sizes):
            path = work / f"large-{size:g}mb.txt"
            path.write_text(varied_text(size, seed=number), encoding="utf-8")
            row = measure(f"http://127.0.0.1:{port}", path)
            rows.append(row)
            print(json.dumps(row), flush=True)
            path.unlink()
    finally:
        server.kill()
        server.wait(timeout=30)
    first = rows[0]["seconds_per_mb"]
    print("\n| MB | seconds | s/MB | x first s/MB | chunks | health max ms | ask p50 / max ms |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['megabytes']} | {row['seconds']} | {row['seconds_per_mb']} | {row['seconds_per_mb'] / first:.2f} "
            f"| {row['chunks']} | {row['health_max_ms']} | {row['ask_p50_ms']} / {row['ask_max_ms']} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
