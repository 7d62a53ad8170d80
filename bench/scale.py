"""Search and ask latency (p50/p95), keyword search, one document's keyword update and memory per app server at
1k, 10k and 100k chunks, side by side: `embedded` (SQLite + embedded Chroma, the default) and `postgres` (a team's
deployment: PostgreSQL + a `chroma run` server). Also ingest throughput through the job queue with 1 and 2 workers.

    python -m bench.scale --dataset ../shared/eval/hotpotqa100 [--sizes 1000,10000,100000] [--database-url URL]

Larger stores are built from real text: copies of the hotpotqa100 documents, each copy with its own title
line. The point here is the store, not the encoder, so chunk vectors are computed once with the real model
and reused for the copies, with a small deterministic perturbation so that no two vectors are identical.
Everything else (loading, chunking, Chroma, the database and its keyword index) runs for real; questions are
embedded for real, by the encoder backend a default store records (auto's choice on this machine). Each
measurement runs in a fresh process so that its peak RSS is its own. Without --database-url a throwaway
PostgreSQL 15 is started on 127.0.0.1 (Debian's binaries, as for the tests).
The ingest throughput runs real `citewise worker` processes with the real encoder (PyTorch backend) on a
smaller corpus: it is the encoder's rate, shared by the workers on this machine's cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import REPO, machine, percentile

_COPY = re.compile(r"^(.*) — copy \d+\n", re.M)


class ReusedEmbeddings:
    """The real encoder's vectors for the base chunks, reused (perturbed) for their copies."""

    def __init__(self, real, base: dict[str, np.ndarray]):
        self.real = real
        self.base = base
        self.max_tokens = real.max_tokens
        self.dimension = real.dimension
        self.model_path = real.model_path
        self.misses = 0
        # The store records the backend that made the base vectors, so that questions are embedded as in a store
        # a user builds with the default encoder (without it, a store is taken for a pre-backend one: PyTorch).
        self.use_store_backend = real.use_store_backend

    @property
    def backend(self) -> str:
        return self.real.backend

    def count_tokens(self, texts):
        return self.real.count_tokens(texts)

    def encode(self, texts):
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            key = _COPY.sub(r"\1\n", text)
            vector = self.base.get(key)
            if vector is None:
                self.misses += 1
                vector = self.real.encode([text])[0]
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")
            noisy = vector + 0.02 * np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
            vectors[row] = noisy / np.linalg.norm(noisy)
        return vectors

    def embed_documents(self, texts):
        return self.encode(texts).tolist()

    def embed_query(self, text):
        return self.real.embed_query(text)


def base_vectors(dataset: Path, real, cache: Path) -> dict[str, np.ndarray]:
    from index.library import Library
    from index.loaders import load
    from index.settings import IndexSettings

    library = Library(IndexSettings(store=cache / "probe"), real)
    texts = list(
        dict.fromkeys(c.text for p in sorted((dataset / "docs").iterdir()) for c in library.chunk(load(p), "x"))
    )
    cached = cache / "base-vectors.npz"
    if cached.exists():
        data = np.load(cached, allow_pickle=False)
        if list(data["texts"]) == texts and "backend" in data and str(data["backend"]) == real.backend:
            return dict(zip(texts, data["vectors"], strict=True))
    vectors = real.encode(texts)
    np.savez(cached, texts=np.array(texts), vectors=vectors, backend=np.array(real.backend))
    return dict(zip(texts, vectors, strict=True))


def make_corpus(dataset: Path, target_chunks: int, folder: Path, chunks_per_doc: float) -> int:
    """Copies of the dataset's documents until about `target_chunks` chunks; returns the document count."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted((dataset / "docs").iterdir())
    wanted = max(1, round(target_chunks / chunks_per_doc))
    for i in range(wanted):
        source = sources[i % len(sources)]
        copy = i // len(sources)
        text = source.read_text(encoding="utf-8")
        if copy:
            title, _, rest = text.partition("\n")
            text = f"{title} — copy {copy}\n{rest}"
        (folder / f"{copy:03d}-{source.name}").write_text(text, encoding="utf-8")
    return wanted


def build(dataset: Path, size: int, work: Path, embeddings, chroma_url: str | None, database_url: str | None) -> dict:
    from index.library import Library
    from index.settings import IndexSettings

    base_count = sum(1 for _ in (dataset / "docs").iterdir())
    per_doc = len(embeddings.base) / base_count
    store = work / f"store-{size}-{'postgres' if database_url else 'embedded'}"
    corpus = work / f"corpus-{size}"
    if not corpus.exists():
        make_corpus(dataset, size, corpus, per_doc)
    shutil.rmtree(
        store, ignore_errors=True
    )  # build time means a build: a store left by an earlier run would re-ingest as unchanged
    settings = IndexSettings(
        store=store,
        chroma_url=chroma_url,
        chroma_collection=f"scale{size}",
        database_url=database_url,
        ingest_mode="direct",
    )
    library = Library(settings, embeddings)
    started = time.perf_counter()
    library.ingest([corpus])
    seconds = time.perf_counter() - started
    disk = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    if database_url:  # what autovacuum would do soon after a bulk load: the planner's statistics, measured as settled
        with library.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        with library.database.read() as connection:
            disk = connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
    return {
        "store": str(store),
        "chunks": library.vectors.count(),
        "build_seconds": round(seconds, 1),
        "database_mb": round(disk / 1e6, 1),
    }


def worker(store: str, chroma_url: str | None, database_url: str | None, dataset: Path, rounds: int) -> dict:
    """Runs in its own process: open the store, warm up, time search, ask, keyword search and one document's
    keyword update, report peak RSS."""
    from rag import Assistant
    from rag.evaluation import load_questions

    overrides = {"chroma_url": chroma_url} if chroma_url else {}
    if database_url:
        overrides |= {"database_url": database_url, "ingest_mode": "direct"}
    assistant = Assistant.open(store=store, chroma_collection=f"scale{Path(store).name.split('-')[1]}", **overrides)
    questions = [q.question for q in load_questions(dataset)] * rounds
    assistant.warm_up()
    for q in questions[:5]:
        assistant.ask(q)
    search, ask = [], []
    for q in questions:
        started = time.perf_counter()
        assistant.search(q, k=5)
        search.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        assistant.ask(q)
        ask.append(1000 * (time.perf_counter() - started))
    keyword = []
    for q in questions:
        started = time.perf_counter()
        assistant.library.keyword.search(q, 50)
        keyword.append(1000 * (time.perf_counter() - started))
    return {
        "search_p50_ms": round(percentile(search, 50), 1),
        "search_p95_ms": round(percentile(search, 95), 1),
        "ask_p50_ms": round(percentile(ask, 50), 1),
        "ask_p95_ms": round(percentile(ask, 95), 1),
        "keyword_p50_ms": round(percentile(keyword, 50), 1),
        "keyword_p95_ms": round(percentile(keyword, 95), 1),
        **keyword_update(assistant.library),
        "peak_rss_mb": peak_rss_mb(),
    }


def keyword_update(library, documents: int = 10) -> dict:
    """One document's change as the keyword index sees it: its removal, then its commit (chunks, postings and
    statistics in one transaction), for documents spread over the store; the store ends as it was."""
    from index.types import LoadedDocument

    records = library.documents()
    chosen = [records[round(i * (len(records) - 1) / max(1, documents - 1))] for i in range(documents)]
    removals, commits = [], []
    for record in chosen:
        stored = library.document(record.doc_id)
        chunks = library.catalog.chunks_of(record.doc_id)
        loaded = LoadedDocument(text=stored.text, title=stored.title, date=stored.date, page_starts=stored.page_starts)
        started = time.perf_counter()
        library.catalog.remove_documents([record.doc_id])
        removed = time.perf_counter()
        library.catalog.commit_document(
            record.doc_id, record.content_hash, record.size, loaded, chunks, record.source, 0
        )
        committed = time.perf_counter()
        removals.append(1000 * (removed - started))
        commits.append(1000 * (committed - removed))
    return {
        "keyword_update_remove_p50_ms": round(percentile(removals, 50), 1),
        "keyword_update_commit_p50_ms": round(percentile(commits, 50), 1),
        "keyword_update_max_ms": round(max(r + c for r, c in zip(removals, commits, strict=True)), 1),
    }


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM of a process. (ru_maxrss would not do: Linux carries it across exec from the parent.)"""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def measure(store: str, chroma_url: str | None, database_url: str | None, dataset: Path, rounds: int) -> dict:
    command = (
        [
            sys.executable,
            "-m",
            "bench.scale",
            "--worker",
            store,
            "--dataset",
            str(dataset),
            "--rounds",
            str(rounds),
        ]
        + (["--chroma-url", chroma_url] if chroma_url else [])
        + (["--database-url", database_url] if database_url else [])
    )
    out = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if out.returncode:
        raise RuntimeError(f"measuring {store} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_server(path: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    for _ in range(300):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("chroma run did not start")


def server_rss_mb(process: subprocess.Popen) -> float:
    return peak_rss_mb(process.pid)


class Postgres:
    """The database of the `postgres` mode: the URL given, or a throwaway PostgreSQL 15 (tests/helpers/postgres.py)."""

    def __init__(self, url: str | None):
        self.given = url
        self.server = None

    def __enter__(self) -> Postgres:
        if self.given is None:
            sys.path.insert(0, str(REPO / "tests"))
            from helpers.postgres import PostgresServer

            self.server = PostgresServer().start()
        return self

    def database(self, name: str) -> str:
        if self.server is None:
            return self.given
        self.server.drop_database(name)
        return self.server.create_database(name)

    def rss_mb(self) -> float:
        """Peak RSS of the PostgreSQL processes together (their shared memory counted once per process)."""
        if self.server is None:
            return float("nan")
        pids = subprocess.run(["pgrep", "-u", "postgres", "-f", str(self.server.base)], capture_output=True, text=True)
        return round(sum(peak_rss_mb(p) for p in pids.stdout.split()), 1)

    def __exit__(self, *exc) -> None:
        if self.server is not None:
            self.server.stop()


def run(dataset: Path, sizes: list[int], modes: list[str], rounds: int, work: Path, database_url: str | None) -> dict:
    from index.embedding import LocalEmbeddings

    work.mkdir(parents=True, exist_ok=True)
    real = LocalEmbeddings()  # the encoder a default store gets (auto: the fastest backend proven here)
    embeddings = ReusedEmbeddings(real, base_vectors(dataset, real, work))
    rows = []
    server = None
    with Postgres(database_url) as postgres:
        try:
            for mode in modes:
                url = database = None
                if mode == "postgres":
                    shutil.rmtree(work / "chroma-server", ignore_errors=True)
                    server, url = start_server(work / "chroma-server")
                for size in sizes:
                    if mode == "postgres":
                        database = postgres.database(f"scale_{size}")
                    built = build(dataset, size, work, embeddings, url, database)
                    measured = measure(built["store"], url, database, dataset, rounds)
                    row = {"mode": mode, "target_chunks": size, **built, **measured}
                    if server is not None:
                        row["chroma_server_peak_rss_mb"] = server_rss_mb(server)
                        row["postgres_peak_rss_mb"] = postgres.rss_mb()
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
                if mode == "postgres":
                    rows += ingest_throughput(dataset, work, url, postgres.database)
                if server is not None:
                    server.kill()
                    server.wait()
                    server = None
        finally:
            if server is not None:
                server.kill()
    return {"rows": rows, "reused_vector_misses": embeddings.misses}


def ingest_throughput(dataset: Path, work: Path, chroma_url: str, database, files: int = 400) -> list[dict]:
    """Chunks per second through the job queue with 1, then 2 `citewise worker` processes (real encoder,
    PyTorch backend), on the same files each time (the store is emptied between runs)."""
    from index.embedding import LocalEmbeddings
    from index.jobs import JobQueue
    from index.library import Library
    from index.queueing import enqueue
    from index.settings import IndexSettings

    corpus = work / "ingest-corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    for source in sorted((dataset / "docs").iterdir())[:files]:
        shutil.copy(source, corpus / source.name)
    env = {
        **os.environ,
        "CITEWISE_CHROMA_URL": chroma_url,
        "CITEWISE_EMBEDDING_BACKEND": "torch",
        "HF_HUB_OFFLINE": "1",
    }
    rows = []
    for workers in (1, 2):
        collection = f"ingest{workers}"
        database_url = database(f"scale_ingest{workers}")
        settings = IndexSettings(
            store=work / f"ingest-client-{workers}",
            chroma_url=chroma_url,
            database_url=database_url,
            chroma_collection=collection,
        )
        library = Library(settings, LocalEmbeddings(backend="torch"))
        enqueued = enqueue(library, [corpus])
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "ui.cli", "worker", "--once", "--store", str(work / f"ingest-worker-{n}")],
                env={**env, "CITEWISE_CHROMA_COLLECTION": collection, "CITEWISE_DATABASE_URL": database_url},
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for n in range(workers)
        ]
        for process in processes:
            process.wait()
        seconds = time.perf_counter() - started
        done = [j for j in JobQueue(library.database).jobs(limit=None) if j.batch == enqueued.batch]
        chunks = library.catalog.chunk_count()
        # From the first claim to the last finish, by the database's clock: the workers' start-up (loading the
        # model) is not ingestion.
        working = max(j.finished_at for j in done) - min(j.started_at for j in done)
        rows.append(
            {
                "mode": "ingest",
                "workers": workers,
                "files": len(done),
                "done": sum(j.state == "done" for j in done),
                "chunks": chunks,
                "seconds_with_worker_start": round(seconds, 1),
                "seconds_working": round(working, 1),
                "chunks_per_second": round(chunks / working, 1),
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for mode in sorted({r["mode"] for r in result["rows"] if r["mode"] != "ingest"}):
        rows = sorted((r for r in result["rows"] if r["mode"] == mode), key=lambda r: r["chunks"])
        x = [r["chunks"] for r in rows]
        for metric, style in (("search_p50_ms", "-o"), ("ask_p50_ms", "-s"), ("ask_p95_ms", ":s")):
            axis.plot(x, [r[metric] for r in rows], style, label=f"{mode} {metric.replace('_ms', '')}")
    axis.set_xscale("log")
    axis.set_xlabel("chunks in the store")
    axis.set_ylabel("latency (ms)")
    axis.set_title("Citewise query latency against store size (warm, 2 cores)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def extrapolate(result: dict) -> dict:
    """Linear fits of memory and disk per chunk, for 1M and 10M chunks."""
    estimates = {}
    for mode in ("embedded", "postgres"):
        rows = [r for r in result["rows"] if r["mode"] == mode]
        if len(rows) < 2:
            continue
        x = np.array([r["chunks"] for r in rows], dtype=float)
        for key in ("peak_rss_mb", "database_mb", "keyword_p50_ms", "search_p50_ms"):
            slope, intercept = np.polyfit(x, [r[key] for r in rows], 1)
            estimates[f"{mode} {key} (linear fit, extrapolated)"] = {
                f"{n:,}": round(slope * n + intercept, 1) for n in (1_000_000, 10_000_000, 100_000_000)
            }
    return estimates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--modes", default="embedded,postgres")
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL for the postgres mode (default: a throwaway one)"
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".work" / "scale")
    parser.add_argument("--plot", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--chroma-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.chroma_url, args.database_url, args.dataset, args.rounds)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    result = run(args.dataset, sizes, args.modes.split(","), args.rounds, args.work, args.database_url)
    result["estimates"] = extrapolate(result)
    result["machine"] = machine()
    if args.plot:
        plot(result, args.plot)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for r in result["rows"]:
        if r["mode"] == "ingest":
            print(f"ingest   {r['workers']} worker(s): {r['chunks']} chunks, {r['chunks_per_second']} chunks/s")
            continue
        print(
            f"{r['mode']:<9}{r['chunks']:>8} chunks  search p50 {r['search_p50_ms']:>6} p95 {r['search_p95_ms']:>6}  "
            f"ask p50 {r['ask_p50_ms']:>6} p95 {r['ask_p95_ms']:>6} ms  keyword p50 {r['keyword_p50_ms']} ms  "
            f"one document's keyword update {r['keyword_update_commit_p50_ms']}"
            f" + {r['keyword_update_remove_p50_ms']} ms"
            f"  peak RSS {r['peak_rss_mb']} MB  database {r['database_mb']} MB  built in {r['build_seconds']}s"
        )


if __name__ == "__main__":
    main()
