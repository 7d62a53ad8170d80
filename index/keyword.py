"""BM25 keyword search computed by the database itself, over chunks and over whole documents, kept up to date in
the transaction that commits or removes a document: nothing is ever rebuilt, and every process that shares the
database searches the same index. Whole-document BM25 finds the article that is about the question's words even
when no single chunk holds them all (news questions restate the story; a chunk holds one part of it).

The scores are bm25s's (method "lucene", which Citewise used before): idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
tf part = tf / (tf + k1 (1 - b + b len / avglen)); `bench/keyword_engines.py` measured the same top 10 on both
dev sets. A repeated query word counts again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, bindparam, delete, func, select, text, update

from .db import schema
from .db.database import Database
from .terms import terms_of_texts

K1 = 1.5
B = 0.75
"""bm25s's defaults (tests/index/test_keyword.py pins them against the installed bm25s)."""
MAX_QUERY_TERMS = 32
"""Distinct query terms searched (the most frequent in the question first); a question has far fewer."""
PIECE_CHARS = 200_000
"""Longest piece of a text tokenized in one call (see `tokenize_in_pieces`)."""
CHUNK, DOCUMENT = "chunk", "document"
TOKENIZER_SETTING = "tokenizer_version"
"""The store setting naming the `index.terms.VERSION` its keyword index was made with."""


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


def tokenize(texts: list[str]) -> list[list[str]]:
    """The terms of each text (`index.terms`, shared with answering's features)."""
    return terms_of_texts(texts)


def tokenize_in_pieces(texts: list[str]) -> list[list[str]]:
    """`tokenize`, with a long text cut at whitespace into pieces of at most PIECE_CHARS: a regular expression
    scans each text in one call that holds Python's GIL, and a 40 MB document froze every other thread for 1.5 s
    (0.04 s in pieces). No token spans whitespace, so the tokens are the same."""
    pieces: list[str] = []
    owners: list[int] = []
    for number, text_ in enumerate(texts):
        start = 0
        while True:
            end = min(len(text_), start + PIECE_CHARS)
            if end < len(text_):
                cut = max(text_.rfind(space, start, end) for space in " \n\t")
                if cut <= start:  # no whitespace in the window: the piece runs to the next one
                    after = [i for i in (text_.find(space, end) for space in " \n\t") if i >= 0]
                    cut = min(after, default=len(text_) - 1)
                end = cut + 1
            pieces.append(text_[start:end])
            owners.append(number)
            start = end
            if start >= len(text_):
                break
    tokens: list[list[str]] = [[] for _ in texts]
    for owner, piece_tokens in zip(owners, tokenize(pieces), strict=True):
        tokens[owner].extend(piece_tokens)
    return tokens


@dataclass(frozen=True)
class DocumentTerms:
    """A document's terms counted for indexing: per chunk (in chunk order) and for the whole document."""

    chunks: list[Counter]
    document: Counter

    @classmethod
    def of(cls, title: str, text_: str, chunk_texts: Sequence[str]) -> DocumentTerms:
        counted = [Counter(tokens) for tokens in tokenize_in_pieces([*chunk_texts, f"{title or ''}\n{text_}"])]
        return cls(counted[:-1], counted[-1])

    @property
    def chunk_lengths(self) -> list[int]:
        return [sum(c.values()) for c in self.chunks]

    @property
    def length(self) -> int:
        return sum(self.document.values())


def add_document(connection: Connection, doc_id: str, chunk_rows: dict[int, int], terms: DocumentTerms) -> None:
    """Index a document whose rows were just inserted: `chunk_rows` maps chunk position to `chunks.id`."""
    postings = [
        {"term": term, "chunk": chunk_rows[position], "tf": tf}
        for position, counts in enumerate(terms.chunks)
        for term, tf in counts.items()
    ]
    if postings:
        connection.execute(schema.postings.insert(), postings)
    if terms.document:
        connection.execute(
            schema.doc_postings.insert(),
            [{"term": term, "doc_id": doc_id, "tf": tf} for term, tf in terms.document.items()],
        )
    _count(connection, CHUNK, len(terms.chunks), sum(terms.chunk_lengths))
    _count(connection, DOCUMENT, 1, terms.length)


def remove_documents(connection: Connection, doc_ids: Sequence[str]) -> None:
    """Take documents out of the statistics; their postings go with their rows (ON DELETE CASCADE)."""
    if not doc_ids:
        return
    chunks = schema.chunks
    count, length = connection.execute(
        select(func.count(), func.coalesce(func.sum(chunks.c.terms_len), 0)).where(chunks.c.doc_id.in_(doc_ids))
    ).one()
    documents = schema.documents
    docs, doc_length = connection.execute(
        select(func.count(), func.coalesce(func.sum(documents.c.terms_len), 0)).where(documents.c.doc_id.in_(doc_ids))
    ).one()
    # Explicit deletes (not only the cascade): SQLite runs a cascade row by row, by the foreign key's index.
    connection.execute(
        delete(schema.postings).where(
            schema.postings.c.chunk.in_(select(chunks.c.id).where(chunks.c.doc_id.in_(doc_ids)).scalar_subquery())
        )
    )
    connection.execute(delete(schema.doc_postings).where(schema.doc_postings.c.doc_id.in_(doc_ids)))
    _count(connection, CHUNK, -count, -length)
    _count(connection, DOCUMENT, -docs, -doc_length)


def reindex(connection: Connection) -> int:
    """Compute the whole keyword index again from the stored chunk and document texts (a store indexed with
    another tokenizer version); returns how many documents were indexed."""
    from .db.upsert import insert_or_update
    from .terms import VERSION

    connection.execute(delete(schema.postings))
    connection.execute(delete(schema.doc_postings))
    connection.execute(update(schema.keyword_stats).values(n=0, total_len=0))
    documents, chunks, texts = schema.documents, schema.chunks, schema.texts
    doc_ids = list(connection.execute(select(documents.c.doc_id).order_by(documents.c.doc_id)).scalars())
    for doc_id in doc_ids:
        title, text_ = connection.execute(
            select(documents.c.title, texts.c.text)
            .join(texts, texts.c.doc_id == documents.c.doc_id)
            .where(documents.c.doc_id == doc_id)
        ).one()
        rows = connection.execute(
            select(chunks.c.id, chunks.c.text).where(chunks.c.doc_id == doc_id).order_by(chunks.c.idx)
        ).all()
        terms = DocumentTerms.of(title, text_, [row.text for row in rows])
        for row, length in zip(rows, terms.chunk_lengths, strict=True):
            connection.execute(update(chunks).where(chunks.c.id == row.id).values(terms_len=length))
        connection.execute(update(documents).where(documents.c.doc_id == doc_id).values(terms_len=terms.length))
        add_document(connection, doc_id, {i: row.id for i, row in enumerate(rows)}, terms)
    insert_or_update(connection, schema.settings, [{"key": TOKENIZER_SETTING, "value": str(VERSION)}], ["key"])
    return len(doc_ids)


def _count(connection: Connection, scope: str, n: int, length: int) -> None:
    stats = schema.keyword_stats
    connection.execute(
        update(stats).where(stats.c.scope == scope).values(n=stats.c.n + n, total_len=stats.c.total_len + length)
    )


@lru_cache(maxsize=256)
def _statement(level: str, terms: int, scoped: bool):
    """BM25 over `level`'s postings for `terms` query terms, optionally only within some documents.

    Each term's document frequency is counted once, in a MATERIALIZED CTE (SQLite otherwise counted it again per
    posting: 28 ms a query on realtimeqa2022 instead of ~2)."""
    if level == CHUNK:
        postings, unit, key, length, owner = "postings", "chunks", "c.id = p.chunk", "c.terms_len", "c.doc_id"
        name, group = "c.chunk_id", "c.id, c.chunk_id"
        df_of = "SELECT count(*) FROM postings x WHERE x.term = q.term"
    else:
        postings, unit, key, length, owner = (
            "doc_postings",
            "documents",
            "c.doc_id = p.doc_id",
            "c.terms_len",
            "c.doc_id",
        )
        name, group = "c.doc_id", "c.doc_id"
        df_of = "SELECT count(*) FROM doc_postings x WHERE x.term = q.term"
    values = ", ".join(f"(CAST(:t{i} AS TEXT), CAST(:f{i} AS INTEGER))" for i in range(terms))
    where = f"WHERE {owner} IN :doc_ids" if scoped else ""
    sql = f"""
        WITH q (term, qtf) AS (VALUES {values}),
        df (term, df) AS MATERIALIZED (SELECT q.term, ({df_of}) FROM q),
        s (n, avglen) AS (SELECT n, CAST(total_len AS FLOAT) / n FROM keyword_stats WHERE scope = :scope AND n > 0)
        SELECT {name} AS id,
               sum(q.qtf * ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5))
                   * p.tf / (p.tf + :k1 * (1 - :b + :b * {length} / s.avglen))) AS score
        FROM {postings} p JOIN q ON q.term = p.term JOIN df ON df.term = p.term JOIN {unit} c ON {key} CROSS JOIN s
        {where}
        GROUP BY {group} ORDER BY score DESC, {name} LIMIT :k
    """
    statement = text(sql)
    if scoped:
        statement = statement.bindparams(bindparam("doc_ids", expanding=True))
    return statement


class KeywordIndex:
    """Searches the database's keyword index (always current: it is written with the documents)."""

    state = "ready"

    def __init__(self, database: Database):
        self.database = database

    tokenize = staticmethod(tokenize)
    tokenize_in_pieces = staticmethod(tokenize_in_pieces)

    def _search(self, level: str, query: str, k: int, doc_ids: Iterable[str] | None) -> list[KeywordHit]:
        counts = Counter(tokenize([query])[0]).most_common(MAX_QUERY_TERMS)
        scope = None if doc_ids is None else sorted(set(doc_ids))
        if k <= 0 or not counts or scope == []:
            return []
        params: dict = {"k1": K1, "b": B, "k": k, "scope": level}
        for i, (term, count) in enumerate(counts):
            params[f"t{i}"], params[f"f{i}"] = term, count
        if scope is not None:
            params["doc_ids"] = scope
        with self.database.read() as connection:
            rows = connection.execute(_statement(level, len(counts), scope is not None), params).all()
        return [KeywordHit(row[0], float(row[1])) for row in rows]

    def search(self, query: str, k: int, doc_ids: Iterable[str] | None = None) -> list[KeywordHit]:
        """Best `k` chunks for the query words, optionally only within documents `doc_ids`."""
        return self._search(CHUNK, query, k, doc_ids)

    def search_documents(self, query: str, k: int, doc_ids: Iterable[str] | None = None) -> list[KeywordHit]:
        """Best `k` whole documents for the query words (`chunk_id` holds the doc id), optionally among `doc_ids`."""
        return self._search(DOCUMENT, query, k, doc_ids)

    def __len__(self) -> int:
        """How many chunks the index counts (BM25's N)."""
        stats = schema.keyword_stats
        with self.database.read() as connection:
            return int(connection.execute(select(stats.c.n).where(stats.c.scope == CHUNK)).scalar_one_or_none() or 0)

    def document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many chunks hold each stemmed term, and how many chunks there are."""
        postings, stats = schema.postings, schema.keyword_stats
        wanted = sorted(set(terms))
        with self.database.read() as connection:
            n = connection.execute(select(stats.c.n).where(stats.c.scope == CHUNK)).scalar_one_or_none() or 0
            if not wanted or not n:
                return {}, n
            rows = connection.execute(
                select(postings.c.term, func.count()).where(postings.c.term.in_(wanted)).group_by(postings.c.term)
            ).all()
        return {term: int(count) for term, count in rows}, int(n)
