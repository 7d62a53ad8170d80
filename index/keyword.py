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
from functools import cached_property, lru_cache

from sqlalchemy import Connection, Text, bindparam, delete, func, literal, select, text, update

from .db import schema
from .db.database import Database
from .db.upsert import insert_rows
from .terms import terms_of_texts

K1 = 1.5
B = 0.75
"""bm25s's defaults (tests/index/test_keyword.py pins them against the installed bm25s)."""
TERM_POSTINGS = 2000
"""Postings read per query term, those with the highest BM25 term-frequency part first: a question's cost stays
bounded however common its words are. A term in more chunks than this contributes only from those; its idf is
low there, so a chunk that ranks by it alone ranks low anyway (docs/tuning.md: effect on both dev sets). Searches
within documents (filters) read every posting of those documents."""
FEW_DOCUMENTS = 64
"""A search within at most this many documents reads their chunks' postings by key instead of every posting of
the query terms (a filter to a few documents, the whole-document list's missing best chunks)."""
TIE_MARGIN = 32
"""Rows beyond k taken by score before ties are ordered by name."""
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

    @cached_property
    def chunk_lengths(self) -> list[int]:
        return [sum(c.values()) for c in self.chunks]

    @cached_property
    def length(self) -> int:
        return sum(self.document.values())


@dataclass(frozen=True)
class NewDocument:
    """A document whose rows were just inserted, to index: `chunk_rows` maps chunk position to `chunks.id`."""

    doc_id: str
    chunk_rows: dict[int, int]
    terms: DocumentTerms


def add_documents(connection: Connection, collection_id: int, documents: Sequence[NewDocument]) -> None:
    """Index documents of one collection in the caller's transaction: postings, statistics and term frequencies at
    once. Each posting keeps its BM25 term-frequency part as computed now (`impact`): the order a search reads a
    term's postings in."""
    chunk_count = sum(len(d.terms.chunks) for d in documents)
    chunk_length = sum(sum(d.terms.chunk_lengths) for d in documents)
    doc_length = sum(d.terms.length for d in documents)
    _count(connection, collection_id, CHUNK, chunk_count, chunk_length)
    _count(connection, collection_id, DOCUMENT, len(documents), doc_length)
    chunk_part, document_part = (_tf_part(connection, collection_id, scope) for scope in (CHUNK, DOCUMENT))
    postings, doc_postings, frequencies = [], [], Counter()
    for document in documents:
        terms = document.terms
        for position, counts in enumerate(terms.chunks):
            row, length = document.chunk_rows[position], terms.chunk_lengths[position]
            postings += [(term, row, tf, length, chunk_part(tf, length), collection_id) for term, tf in counts.items()]
            frequencies.update(counts.keys())
        doc_postings += [
            (term, document.doc_id, tf, terms.length, document_part(tf, terms.length), collection_id)
            for term, tf in terms.document.items()
        ]
    insert_rows(connection, schema.postings, ("term", "chunk", "tf", "len", "impact", "collection_id"), postings)
    insert_rows(
        connection, schema.doc_postings, ("term", "doc_id", "tf", "len", "impact", "collection_id"), doc_postings
    )
    _add_frequencies(connection, collection_id, frequencies)


def _tf_part(connection: Connection, collection_id: int, scope: str):
    """BM25's term-frequency part with the scope's average length as it stands (tf, length) -> [0, 1)."""
    stats = schema.keyword_stats
    n, total = connection.execute(
        select(stats.c.n, stats.c.total_len).where(stats.c.collection_id == collection_id, stats.c.scope == scope)
    ).one()
    average = total / n if n and total else 1.0

    def part(tf: int, length: int) -> float:
        return tf / (tf + K1 * (1 - B + B * length / average))

    return part


def _add_frequencies(connection: Connection, collection_id: int, change: Counter) -> None:
    """Add to each term's document frequency, terms in sorted order: two writers touching the same terms lock
    them in one order, so they wait for each other but never deadlock."""
    from .db.upsert import insert_or_update_with

    terms = schema.terms
    rows = [{"collection_id": collection_id, "term": t, "df": change[t]} for t in sorted(change) if change[t]]
    insert_or_update_with(
        connection, terms, rows, ["collection_id", "term"], lambda table, new: {"df": table.c.df + new.df}
    )
    if any(n < 0 for n in change.values()):
        connection.execute(delete(terms).where(terms.c.collection_id == collection_id, terms.c.df <= 0))


def remove_documents(connection: Connection, collection_id: int, doc_ids: Sequence[str]) -> None:
    """Take documents out of the index: their postings, and their share of the statistics and frequencies."""
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
    postings = schema.postings
    owned = postings.c.chunk.in_(select(chunks.c.id).where(chunks.c.doc_id.in_(doc_ids)).scalar_subquery())
    held = connection.execute(select(postings.c.term, func.count()).where(owned).group_by(postings.c.term)).all()
    _add_frequencies(connection, collection_id, Counter({term: -int(n) for term, n in held}))
    # Explicit deletes (not only the cascade): SQLite runs a cascade row by row, by the foreign key's index.
    connection.execute(delete(postings).where(owned))
    connection.execute(delete(schema.doc_postings).where(schema.doc_postings.c.doc_id.in_(doc_ids)))
    _count(connection, collection_id, CHUNK, -count, -length)
    _count(connection, collection_id, DOCUMENT, -docs, -doc_length)


def reindex(connection: Connection) -> int:
    """Compute the whole keyword index again from the stored chunk and document texts (a store indexed with
    another tokenizer version); returns how many documents were indexed."""
    from .db.upsert import insert_or_update
    from .terms import VERSION

    connection.execute(delete(schema.postings))
    connection.execute(delete(schema.doc_postings))
    connection.execute(delete(schema.terms))
    connection.execute(update(schema.keyword_stats).values(n=0, total_len=0))
    documents, chunks, texts = schema.documents, schema.chunks, schema.texts
    owners = connection.execute(select(documents.c.doc_id, documents.c.collection_id).order_by(documents.c.doc_id))
    doc_ids = []
    for doc_id, collection_id in owners.all():
        doc_ids.append(doc_id)
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
        add_documents(
            connection, collection_id, [NewDocument(doc_id, {i: row.id for i, row in enumerate(rows)}, terms)]
        )
    insert_or_update(connection, schema.settings, [{"key": TOKENIZER_SETTING, "value": str(VERSION)}], ["key"])
    return len(doc_ids)


_COUNT = (
    update(schema.keyword_stats)
    .where(
        schema.keyword_stats.c.collection_id == bindparam("for_collection"),
        schema.keyword_stats.c.scope == bindparam("for_scope"),
    )
    .values(
        n=schema.keyword_stats.c.n + bindparam("add_n"),
        total_len=schema.keyword_stats.c.total_len + bindparam("add_length"),
    )
)


def _count(connection: Connection, collection_id: int, scope: str, n: int, length: int) -> None:
    connection.execute(_COUNT, {"for_collection": collection_id, "for_scope": scope, "add_n": n, "add_length": length})


@lru_cache(maxsize=256)
def _statement(level: str, terms: int, scoped: bool, few: bool = False, lateral: bool = False):
    """BM25 over `level`'s postings for `terms` query terms, optionally only within some documents.

    Each term's weight (query count x idf, its chunk frequency read from `terms`) is computed once, in a
    MATERIALIZED CTE, in floating point (PostgreSQL would otherwise carry the 0.5s as NUMERIC through every
    posting's sum: 12 of 25 ms at 100k chunks); each posting carries its chunk's length, so scoring reads the
    postings alone and only the best rows are joined to their names (measured on realtimeqa2022: 1.6 ms a question,
    where joining every posting to its chunk took 4.9). SQLite takes CROSS JOIN as the join order: the query terms'
    postings are looked up by term, never the whole table scanned for its grouping order. The best `k + TIE_MARGIN`
    by score are then ordered by score (to 9 decimals: engines add in different orders) and name, so ties resolve by
    name whatever order rows were written or summed in.

    With `lateral` (PostgreSQL), an unscoped search reads each term's best TERM_POSTINGS postings in one backward
    walk of the impact index (LATERAL ... ORDER BY impact DESC LIMIT), where SQLite, which has no LATERAL, walks it
    twice: once to find the TERM_POSTINGS-th impact, once for the range above it. Measured on the 100k-chunk store
    on PostgreSQL: the cutoff walks took 39 of a question's 88 ms from a cold cache, a tenth warm. The two differ
    only in which of several postings tied at exactly the TERM_POSTINGS-th impact are read (here the higher chunk
    ids)."""
    postings, key = ("postings", "chunk") if level == CHUNK else ("doc_postings", "doc_id")
    df_of = (
        "coalesce((SELECT t.df FROM terms t WHERE t.collection_id = :collection AND t.term = q.term), 0)"
        if level == CHUNK
        else f"(SELECT count(*) FROM {postings} x WHERE x.collection_id = :collection AND x.term = q.term)"
    )
    values = ", ".join(f"(CAST(:t{i} AS TEXT), CAST(:f{i} AS INTEGER))" for i in range(terms))
    scope, source = "AND p.collection_id = :collection AND p.term = w.term", f"w CROSS JOIN k CROSS JOIN {postings} p"
    cutoff = f"""coalesce((
                SELECT x.impact FROM {postings} x WHERE x.collection_id = :collection AND x.term = q.term
                ORDER BY x.impact DESC LIMIT 1 OFFSET {TERM_POSTINGS - 1}), -1.0)"""
    if not scoped and lateral:  # each term's best TERM_POSTINGS postings by impact, in one walk of the index
        scope, cutoff = "", "-1.0"
        source = f"""w CROSS JOIN k CROSS JOIN LATERAL (
                SELECT x.{key}, x.tf, x.len FROM {postings} x WHERE x.collection_id = :collection AND x.term = w.term
                ORDER BY x.impact DESC, x.{key} DESC LIMIT {TERM_POSTINGS}) p"""
    elif not scoped:  # each term's best TERM_POSTINGS postings by impact: a range of the impact index
        scope += " AND p.impact >= w.cutoff"
    elif few and level == CHUNK:  # each of the documents' chunks looked up per term, by primary key
        source = "w CROSS JOIN k CROSS JOIN (SELECT id FROM chunks WHERE doc_id IN :doc_ids) u CROSS JOIN postings p"
        scope += " AND p.chunk = u.id"
    else:
        scope += (
            " AND p.chunk IN (SELECT id FROM chunks WHERE doc_id IN :doc_ids)"
            if level == CHUNK
            else " AND p.doc_id IN :doc_ids"
        )
    name = "SELECT c.chunk_id FROM chunks c WHERE c.id = top.unit" if level == CHUNK else "SELECT top.unit"
    sql = f"""
        WITH q (term, qtf) AS (VALUES {values}),
        s (n, avglen) AS (
            SELECT n, CAST(total_len AS FLOAT) / n FROM keyword_stats
            WHERE collection_id = :collection AND scope = :scope AND n > 0
        ),
        d (term, df) AS MATERIALIZED (SELECT q.term, {df_of} FROM q),
        w (term, weight, cutoff) AS MATERIALIZED (
            SELECT q.term, q.qtf * ln(1 + (CAST(s.n AS FLOAT) - d.df + 0.5) / (d.df + 0.5)), {cutoff}
            FROM q CROSS JOIN s
            JOIN d ON d.term = q.term
        ),
        k (a, c) AS (SELECT :k1 * (1 - :b), :k1 * :b / avglen FROM s),
        top (unit, score) AS (
            SELECT p.{key}, sum(w.weight * p.tf / (p.tf + k.a + k.c * p.len))
            FROM {source}
            WHERE 1 = 1 {scope}
            GROUP BY p.{key} ORDER BY 2 DESC LIMIT :k + {TIE_MARGIN}
        )
        SELECT ({name}) AS id, top.score FROM top ORDER BY round(CAST(top.score AS NUMERIC), 9) DESC, id LIMIT :k
    """
    statement = text(sql)
    if scoped:
        statement = statement.bindparams(bindparam("doc_ids", expanding=True))
    return statement


# The chunks count (as a row with no term) and the frequencies of some terms, in one statement.
_FREQUENCIES = (
    select(literal(None, Text).label("term"), schema.keyword_stats.c.n.label("df"))
    .where(schema.keyword_stats.c.collection_id == bindparam("collection"), schema.keyword_stats.c.scope == CHUNK)
    .union_all(
        select(schema.terms.c.term, schema.terms.c.df).where(
            schema.terms.c.collection_id == bindparam("collection"),
            schema.terms.c.term.in_(bindparam("terms", expanding=True)),
        )
    )
)


class KeywordIndex:
    """Searches the database's keyword index (always current: it is written with the documents)."""

    state = "ready"

    def __init__(self, database: Database, collection_id: int = 1):
        self.database = database
        self.collection_id = collection_id

    tokenize = staticmethod(tokenize)
    tokenize_in_pieces = staticmethod(tokenize_in_pieces)

    def _search(self, level: str, query: str, k: int, doc_ids: Iterable[str] | None) -> list[KeywordHit]:
        counts = Counter(tokenize([query])[0]).most_common(MAX_QUERY_TERMS)
        scope = None if doc_ids is None else sorted(set(doc_ids))
        if k <= 0 or not counts or scope == []:
            return []
        params: dict = {"k1": K1, "b": B, "k": k, "scope": level, "collection": self.collection_id}
        for i, (term, count) in enumerate(counts):
            params[f"t{i}"], params[f"f{i}"] = term, count
        if scope is not None:
            params["doc_ids"] = scope
        few = scope is not None and len(scope) <= FEW_DOCUMENTS
        with self.database.read() as connection:
            lateral = connection.dialect.name == "postgresql"
            statement = _statement(level, len(counts), scope is not None, few, lateral)
            rows = connection.execute(statement, params).all()
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
            n = connection.execute(
                select(stats.c.n).where(stats.c.collection_id == self.collection_id, stats.c.scope == CHUNK)
            ).scalar_one_or_none()
        return int(n or 0)

    def document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many chunks hold each stemmed term, and how many chunks there are."""
        with self.database.read() as connection:
            rows = connection.execute(
                _FREQUENCIES, {"terms": sorted(set(terms)) or [""], "collection": self.collection_id}
            ).all()
        n = next((int(df) for term, df in rows if term is None), 0)
        return {term: int(df) for term, df in rows if term is not None}, n
