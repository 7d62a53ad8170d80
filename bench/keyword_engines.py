"""Keyword search by the database's own engine, beside today's bm25s (groundwork for issue 23): chunk retrieval by
keywords only (no dense search, no fusion) on each dev set, engines side by side.

    python -m bench.keyword_engines --dataset ../shared/eval/realtimeqa2022 --dataset ../shared/eval/hotpotqa100

Each dataset's store must already be built by `python -m bench.devsets` (bench/.work/devsets/NAME). Every engine
indexes the same chunks with the same terms (`index.terms.terms_of_texts`: one tokenizer, stemmer and stop list):

- `bm25s`: the store's own `index.keyword.KeywordIndex` (what `assistant.library.keyword` is), searched as
  Citewise searches it today.
- `fts5_bm25`: an SQLite FTS5 table (tokenizer `ascii`, which splits only at ASCII non-alphanumerics, so every
  already-normalised term stays one token; checked against the term counts) over each chunk's terms joined by
  spaces, queried with the question's terms, each quoted, joined by OR, `ORDER BY bm25(fts)`. FTS5's bm25() takes
  one weight per column only: k1 = 1.2 and b = 0.75 are compiled into SQLite, and with one column a weight only
  scales every score, so no variant of it can rank differently.
- `sql_bm25`: BM25 computed in SQL from a postings table (term, chunk, tf), chunk lengths and a one-row statistics
  table (chunks, total length) kept up to date on every change: plain tables, joins and `ln()`, so the same query
  runs in Postgres (12+). Each query term's document frequency is counted once, in a MATERIALIZED CTE (SQLite
  otherwise counted the whole postings table, 28 ms a query on realtimeqa2022 instead of ~2).
  bm25s's defaults (method "lucene": idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
  tf / (tf + k1 (1 - b + b len / avglen)), k1 = 1.5, b = 0.75), read from the installed bm25s.
- `sql_bm25_k1_1.2`: the same with FTS5's k1, to tell a parameter's effect from the engine's.

Figures per dataset over its answerable questions, at the document level as `rag/evaluation.py` scores them:
the top 50 chunks, deduplicated to their documents in chunk order, give hit@5, recall@5 and MRR@10; top-10
agreement is the share of bm25s's top 10 chunks an engine also returns in its top 10. Times: building the whole
index (tokenizing included), query p50/p95 (tokenizing the question included), and updating ONE document: for the
SQL engines delete its chunks' rows and insert them again (tokenized again, one transaction, committed) for a
sample of documents; for bm25s, which cannot change an index, the full rebuild `KeywordIndex` does (tokenize every
chunk, `bm25s.BM25().index(...)`). After the updates every SQL engine answers every question again and must return
the same chunks as before. Writes bench/results/keyword_engines.json.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.common import REPO
from index.chunking import doc_of
from index.keyword import tokenize, tokenize_in_pieces
from index.terms import terms, terms_of_texts
from rag.evaluation import MRR_DEPTH, Question, load_questions

CHUNK_DEPTH = 50
"""Chunks taken from each engine before they are deduplicated to documents."""
K = 5
AGREEMENT_DEPTH = 10
UPDATED_DOCUMENTS = 20
"""Documents (spread over the store) updated one at a time by each SQL engine."""
REBUILDS = 3
"""Full bm25s rebuilds timed (the median is reported)."""
RESULTS = REPO / "bench" / "results" / "keyword_engines.json"
WORK = REPO / "bench" / ".work" / "devsets"
COMMAND = "python -m bench.keyword_engines --dataset ../shared/eval/realtimeqa2022 --dataset ../shared/eval/hotpotqa100"


@dataclass(frozen=True)
class Corpus:
    """The chunks of one store, in chunk id order, with their terms and their documents' file names."""

    name: str
    chunk_ids: list[str]
    texts: list[str]
    tokens: list[list[str]]
    file_of: dict[str, str]
    tokenize_s: float
    store: Path
    library: object = field(repr=False)

    def chunks_of(self, doc_id: str) -> list[int]:
        """Positions of a document's chunks."""
        return [i for i, chunk_id in enumerate(self.chunk_ids) if doc_of(chunk_id) == doc_id]


@dataclass
class EngineResult:
    """One engine's figures on one dataset."""

    engine: str
    hit_at_5: float
    recall_at_5: float
    mrr_at_10: float
    top10_agreement_with_bm25s: float
    build_s: float
    query_p50_ms: float
    query_p95_ms: float
    update_one_document_p50_ms: float
    update_one_document_max_ms: float
    update_kind: str
    same_results_after_updates: bool | None = None
    notes: str = ""


def load_corpus(dataset: Path) -> Corpus:
    """Open the dev set's store built by bench.devsets and read its chunks, tokenized the way the index is."""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from index.library import Library
    from index.settings import IndexSettings

    store = WORK / dataset.name
    if not (store / "citewise.db").is_file() and not (store / "catalog.sqlite3").is_file():
        raise SystemExit(f"{store} has no store: build it first with python -m bench.devsets --dataset {dataset}")
    library = Library(IndexSettings(store=store), DeterministicFakeEmbedding(size=384))  # reads no vector
    rows = sorted((c.chunk_id, c.text) for r in library.documents() for c in library.catalog.chunks_of(r.doc_id))
    started = time.perf_counter()
    tokens = tokenize_in_pieces([text for _, text in rows])
    tokenize_s = time.perf_counter() - started
    file_of = {doc_id: Path(path).name for path, doc_id in library.catalog.sources().items()}
    return Corpus(
        dataset.name,
        [chunk_id for chunk_id, _ in rows],
        [text for _, text in rows],
        tokens,
        file_of,
        tokenize_s,
        store,
        library,
    )


class Bm25sEngine:
    """The keyword index of the release before issue 23: bm25s in memory, rebuilt whole after every change."""

    name = "bm25s"
    update_kind = "full rebuild (tokenize every chunk + bm25s.BM25().index)"

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.retriever = None

    def build(self) -> float:
        """Seconds to index every chunk's terms (tokenizing excluded)."""
        import bm25s

        started = time.perf_counter()
        self.retriever = bm25s.BM25()
        self.retriever.index(self.corpus.tokens, show_progress=False)
        return time.perf_counter() - started

    def search(self, question: str, k: int) -> list[str]:
        """The top `k` chunks holding a query word, best first (ties by chunk id), as Citewise took them."""
        import numpy as np

        scores = self.retriever.get_scores(tokenize([question])[0])
        matching = np.flatnonzero(scores > 0)
        best = sorted(matching, key=lambda i: (-scores[i], self.corpus.chunk_ids[i]))[:k]
        return [self.corpus.chunk_ids[int(i)] for i in best]

    def update(self, doc_id: str) -> None:
        """bm25s cannot change an index: one document's change costs the full rebuild (tokenizing included)."""
        import bm25s

        bm25s.BM25().index(tokenize_in_pieces(self.corpus.texts), show_progress=False)


class DatabaseEngine:
    """What Citewise runs: the store's database keyword index (BM25 in SQL from postings kept per document)."""

    name = "database"
    update_kind = "remove the document and commit it again (chunks, postings, frequencies; one transaction each)"

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.library = corpus.library

    def build(self) -> float:
        """Seconds to compute the whole index again from the stored texts (as after a tokenizer change)."""
        from index.keyword import reindex

        started = time.perf_counter()
        with self.library.database.write() as connection:
            reindex(connection)
        # `measure` adds the corpus's tokenizing time to every engine's build; reindex tokenizes the texts itself.
        return time.perf_counter() - started - self.corpus.tokenize_s

    def search(self, question: str, k: int) -> list[str]:
        return [hit.chunk_id for hit in self.library.keyword.search(question, k)]

    def update(self, doc_id: str) -> None:
        from index.types import LoadedDocument

        catalog = self.library.catalog
        record = next(r for r in self.library.documents() if r.doc_id == doc_id)
        stored = catalog.document(doc_id)
        chunks = catalog.chunks_of(doc_id)
        loaded = LoadedDocument(text=stored.text, title=stored.title, date=stored.date, page_starts=stored.page_starts)
        catalog.remove_documents([doc_id])
        catalog.commit_document(doc_id, record.content_hash, record.size, loaded, chunks, record.source, 0)
        catalog.clear_pending([doc_id])


class SqliteEngine:
    """A temporary SQLite file (WAL, synchronous=NORMAL, like the catalog) holding one keyword index."""

    name = ""
    update_kind = "delete the document's rows + insert them again (tokenized), one committed transaction"

    def __init__(self, corpus: Corpus, folder: Path):
        self.corpus = corpus
        self.db = sqlite3.connect(folder / f"{self.name}.sqlite3", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(self.SCHEMA)

    SCHEMA = ""

    def build(self) -> float:
        """Seconds to insert every chunk (tokenizing excluded)."""
        started = time.perf_counter()
        self.db.execute("BEGIN")
        self._insert(range(len(self.corpus.chunk_ids)), self.corpus.tokens)
        self.db.execute("COMMIT")
        return time.perf_counter() - started

    def update(self, doc_id: str) -> None:
        """Delete one document's chunks and insert them again, as a change of that document would."""
        positions = self.corpus.chunks_of(doc_id)
        tokens = terms_of_texts(self.corpus.texts[i] for i in positions)
        self.db.execute("BEGIN")
        self._delete(doc_id)
        self._insert(positions, tokens)
        self.db.execute("COMMIT")

    def _insert(self, positions, tokens: list[list[str]]) -> None:
        raise NotImplementedError

    def _delete(self, doc_id: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.db.close()


class Fts5Engine(SqliteEngine):
    """FTS5 over each chunk's terms joined by spaces, ranked by FTS5's own bm25()."""

    name = "fts5_bm25"
    SCHEMA = """
        CREATE VIRTUAL TABLE fts USING fts5(terms, tokenize = 'ascii');
        CREATE VIRTUAL TABLE fts_terms USING fts5vocab(fts, 'row');
        CREATE TABLE chunk (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
        CREATE INDEX chunk_doc ON chunk (doc);
    """

    def _insert(self, positions, tokens: list[list[str]]) -> None:
        rows = [(i, self.corpus.chunk_ids[i], doc_of(self.corpus.chunk_ids[i])) for i in positions]
        self.db.executemany("INSERT INTO chunk VALUES (?, ?, ?)", rows)
        self.db.executemany(
            "INSERT INTO fts (rowid, terms) VALUES (?, ?)",
            [(i, " ".join(t)) for i, t in zip(positions, tokens, strict=True)],
        )

    def _delete(self, doc_id: str) -> None:
        self.db.execute("DELETE FROM fts WHERE rowid IN (SELECT id FROM chunk WHERE doc = ?)", (doc_id,))
        self.db.execute("DELETE FROM chunk WHERE doc = ?", (doc_id,))

    def search(self, question: str, k: int) -> list[str]:
        query = " OR ".join(f'"{term}"' for term in terms(question))
        if not query:
            return []
        sql = (
            "SELECT chunk.chunk_id FROM fts JOIN chunk ON chunk.id = fts.rowid "
            "WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?"
        )
        return [row[0] for row in self.db.execute(sql, (query, k))]

    def terms_kept(self) -> dict:
        """FTS5's own count of indexed tokens and distinct terms beside the terms given to it."""
        tokens, distinct = self.db.execute("SELECT coalesce(sum(cnt), 0), count(*) FROM fts_terms").fetchone()
        wanted_tokens = sum(len(t) for t in self.corpus.tokens)
        wanted_distinct = len({term for t in self.corpus.tokens for term in t})
        return {
            "fts5_tokens": tokens,
            "terms": wanted_tokens,
            "fts5_distinct": distinct,
            "distinct_terms": wanted_distinct,
            "all_kept": tokens == wanted_tokens and distinct == wanted_distinct,
        }


class SqlBm25Engine(SqliteEngine):
    """BM25 in plain SQL from postings, chunk lengths and a statistics row: portable to Postgres."""

    SCHEMA = """
        CREATE TABLE chunk (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL,
                            len INTEGER NOT NULL);
        CREATE INDEX chunk_doc ON chunk (doc);
        CREATE TABLE posting (term TEXT NOT NULL, chunk INTEGER NOT NULL, tf INTEGER NOT NULL,
                              PRIMARY KEY (term, chunk)) WITHOUT ROWID;
        CREATE INDEX posting_chunk ON posting (chunk);
        CREATE TABLE stats (one INTEGER PRIMARY KEY CHECK (one = 1), chunks INTEGER NOT NULL,
                            total_len INTEGER NOT NULL);
        INSERT INTO stats VALUES (1, 0, 0);
    """
    QUERY = """
        WITH q (term, qtf) AS (SELECT key, value FROM json_each(:q)),
        df (term, df) AS MATERIALIZED (SELECT term, (SELECT count(*) FROM posting WHERE posting.term = q.term) FROM q),
        s (n, avglen) AS (SELECT chunks, CAST(total_len AS REAL) / chunks FROM stats)
        SELECT chunk.chunk_id,
               sum(q.qtf * ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5))
                   * posting.tf / (posting.tf + :k1 * (1 - :b + :b * chunk.len / s.avglen))) AS score
        FROM posting JOIN q USING (term) JOIN df USING (term) JOIN chunk ON chunk.id = posting.chunk, s
        GROUP BY posting.chunk ORDER BY score DESC, chunk.chunk_id LIMIT :k
    """

    def __init__(self, corpus: Corpus, folder: Path, name: str, k1: float, b: float):
        self.name = name
        self.k1, self.b = k1, b
        super().__init__(corpus, folder)

    def _insert(self, positions, tokens: list[list[str]]) -> None:
        chunks, postings = [], []
        for i, chunk_tokens in zip(positions, tokens, strict=True):
            chunk_id = self.corpus.chunk_ids[i]
            chunks.append((i, chunk_id, doc_of(chunk_id), len(chunk_tokens)))
            postings.extend((term, i, tf) for term, tf in Counter(chunk_tokens).items())
        self.db.executemany("INSERT INTO chunk VALUES (?, ?, ?, ?)", chunks)
        self.db.executemany("INSERT INTO posting VALUES (?, ?, ?)", postings)
        added = sum(row[3] for row in chunks)
        self.db.execute("UPDATE stats SET chunks = chunks + ?, total_len = total_len + ?", (len(chunks), added))

    def _delete(self, doc_id: str) -> None:
        count, length = self.db.execute(
            "SELECT count(*), coalesce(sum(len), 0) FROM chunk WHERE doc = ?", (doc_id,)
        ).fetchone()
        self.db.execute("DELETE FROM posting WHERE chunk IN (SELECT id FROM chunk WHERE doc = ?)", (doc_id,))
        self.db.execute("DELETE FROM chunk WHERE doc = ?", (doc_id,))
        self.db.execute("UPDATE stats SET chunks = chunks - ?, total_len = total_len - ?", (count, length))

    def search(self, question: str, k: int) -> list[str]:
        query_terms = Counter(terms(question))  # a repeated word counts again, as in bm25s
        if not query_terms:
            return []
        params = {"k1": self.k1, "b": self.b, "k": k}
        return [row[0] for row in self.db.execute(self.QUERY, {"q": json.dumps(query_terms), **params})]


def document_metrics(question: Question, chunk_ids: list[str], file_of: dict[str, str]) -> dict[str, float]:
    """hit@5, recall@5 and MRR@10 of the documents ranked by their best chunk, as rag/evaluation.py scores them."""
    ranked = list(dict.fromkeys(file_of.get(doc_of(c), doc_of(c)) for c in chunk_ids))
    gold = set(question.gold_docs)
    top = ranked[:K]
    first = next((i for i, d in enumerate(ranked[:MRR_DEPTH]) if d in gold), None)
    return {
        "hit": float(any(d in gold for d in top)),
        "recall": len(gold & set(top)) / len(gold),
        "mrr": 0.0 if first is None else 1.0 / (first + 1),
    }


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (share in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def run_queries(engine, questions: list[Question]) -> tuple[list[list[str]], list[float]]:
    """Each question's top CHUNK_DEPTH chunk ids and its query time (ms), after a few warm-up queries."""
    for question in questions[:5]:
        engine.search(question.question, CHUNK_DEPTH)
    results, times = [], []
    for question in questions:
        started = time.perf_counter()
        results.append(engine.search(question.question, CHUNK_DEPTH))
        times.append((time.perf_counter() - started) * 1000)
    return results, times


def sample_documents(corpus: Corpus, n: int) -> list[str]:
    """Up to `n` document ids spread evenly over the store's documents in id order."""
    docs = sorted({doc_of(c) for c in corpus.chunk_ids})
    step = max(1, len(docs) // n)
    return docs[::step][:n]


def measure(
    engine, corpus: Corpus, questions: list[Question], reference: list[list[str]] | None
) -> tuple[EngineResult, list[list[str]]]:
    """Build, query and update one engine: its figures and its chunks for each question. `reference` is bm25s's
    chunks for each question (None when this is bm25s)."""
    index_s = engine.build()
    results, times = run_queries(engine, questions)
    scores = [document_metrics(q, r, corpus.file_of) for q, r in zip(questions, results, strict=True)]
    reference = reference or results
    agreement = [
        len(set(r[:AGREEMENT_DEPTH]) & set(ref[:AGREEMENT_DEPTH])) / max(1, len(ref[:AGREEMENT_DEPTH]))
        for r, ref in zip(results, reference, strict=True)
    ]
    documents = sample_documents(corpus, REBUILDS if isinstance(engine, Bm25sEngine) else UPDATED_DOCUMENTS)
    update_ms = []
    for doc_id in documents:
        started = time.perf_counter()
        engine.update(doc_id)
        update_ms.append((time.perf_counter() - started) * 1000)
    same = None
    if not isinstance(engine, Bm25sEngine):
        same = run_queries(engine, questions)[0] == results
    figures = EngineResult(
        engine=engine.name,
        hit_at_5=statistics.mean(s["hit"] for s in scores),
        recall_at_5=statistics.mean(s["recall"] for s in scores),
        mrr_at_10=statistics.mean(s["mrr"] for s in scores),
        top10_agreement_with_bm25s=statistics.mean(agreement),
        build_s=corpus.tokenize_s + index_s,
        query_p50_ms=percentile(times, 0.5),
        query_p95_ms=percentile(times, 0.95),
        update_one_document_p50_ms=statistics.median(update_ms),
        update_one_document_max_ms=max(update_ms),
        update_kind=engine.update_kind,
        same_results_after_updates=same,
    )
    return figures, results


def run_dataset(dataset: Path) -> dict:
    """Every engine on one dataset."""
    import bm25s

    corpus = load_corpus(dataset)
    questions = [q for q in load_questions(dataset) if q.answerable]
    defaults = bm25s.BM25()
    rows: list[EngineResult] = []
    verification: dict = {}
    with tempfile.TemporaryDirectory(prefix="keyword-engines-") as folder:
        figures, reference = measure(Bm25sEngine(corpus), corpus, questions, None)
        rows.append(figures)
        rows.append(measure(DatabaseEngine(corpus), corpus, questions, reference)[0])
        rows[-1].notes = "Citewise's engine: BM25 computed by the database (SQLite here) from postings"
        fts5 = Fts5Engine(corpus, Path(folder))
        rows.append(measure(fts5, corpus, questions, reference)[0])
        rows[-1].notes = "FTS5 bm25(): k1=1.2, b=0.75 fixed in SQLite; per-column weights only (one column here)"
        verification["fts5_terms_kept"] = fts5.terms_kept()
        fts5.close()
        for name, k1 in (("sql_bm25", defaults.k1), ("sql_bm25_k1_1.2", 1.2)):
            engine = SqlBm25Engine(corpus, Path(folder), name, k1, defaults.b)
            rows.append(measure(engine, corpus, questions, reference)[0])
            rows[-1].notes = f"lucene idf and tf, k1={k1}, b={defaults.b}"
            engine.close()
    corpus.library.catalog.close()
    return {
        "dataset": dataset.name,
        "questions": len(questions),
        "documents": len(set(map(doc_of, corpus.chunk_ids))),
        "chunks": len(corpus.chunk_ids),
        "tokenize_all_chunks_s": corpus.tokenize_s,
        "bm25s_defaults": {"k1": defaults.k1, "b": defaults.b, "method": defaults.method},
        "verification": verification,
        "engines": {row.engine: asdict(row) for row in rows},
    }


ROWS = (
    ("hit@5", "hit_at_5", "{:.3f}"),
    ("recall@5", "recall_at_5", "{:.3f}"),
    ("MRR@10", "mrr_at_10", "{:.3f}"),
    ("top-10 chunks shared with bm25s", "top10_agreement_with_bm25s", "{:.3f}"),
    ("build s (tokenizing included)", "build_s", "{:.2f}"),
    ("query p50 ms", "query_p50_ms", "{:.2f}"),
    ("query p95 ms", "query_p95_ms", "{:.2f}"),
    ("update one document p50 ms", "update_one_document_p50_ms", "{:.2f}"),
    ("update one document max ms", "update_one_document_max_ms", "{:.2f}"),
    ("same results after updates", "same_results_after_updates", "{}"),
)


def table(results: list[dict]) -> str:
    """Markdown: one block of rows per dataset, engines as columns."""
    engines = list(results[0]["engines"])
    lines = ["| dataset | metric | " + " | ".join(engines) + " |", "|---|---|" + "---|" * len(engines)]
    for result in results:
        label = f"{result['dataset']} ({result['questions']} q, {result['chunks']} chunks)"
        for title, key, fmt in ROWS:
            cells = []
            for engine in engines:
                value = result["engines"][engine][key]
                cells.append("-" if value is None else fmt.format(value))
            lines.append(f"| {label} | {title} | " + " | ".join(cells) + " |")
            label = ""
    return "\n".join(lines)


def machine() -> dict:
    """The CPU, its cores and Python (bench.common.machine would import torch)."""
    import os

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    import bm25s

    results = [run_dataset(dataset) for dataset in args.dataset]
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "command": COMMAND,
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "versions": {"sqlite": sqlite3.sqlite_version, "bm25s": bm25s.__version__},
        "chunk_depth": CHUNK_DEPTH,
        "updated_documents": UPDATED_DOCUMENTS,
        "bm25s_rebuilds": REBUILDS,
        "datasets": results,
        "table": table(results),
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
