"""The tables of a store's database: everything but vectors (documents, their files and text, chunks, character
boxes, the keyword index, settings and ingestion jobs). Portable types only, so one schema serves SQLite and
PostgreSQL; times are epoch seconds from the database's clock, so leases never depend on a host's clock."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

ID = BigInteger().with_variant(Integer, "sqlite")
"""Row ids: 64-bit on PostgreSQL, SQLite's INTEGER (its rowid alias, so that AUTOINCREMENT-free ids work)."""

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

store_state = Table(
    "store_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="one_row"),
    comment="The change counter: bumped by every transaction that changes what searches see.",
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    comment="What the store was built with (collection, encoder backend, metadata version) and import markers.",
)

files = Table(
    "files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", Float, nullable=False),
    comment="Original file bytes, once per content: any server or worker can load a document or render its pages.",
)

DEFAULT_COLLECTION_ID = 1
"""The `default` collection's id: made by migration 0003 with what the store held."""

collections = Table(
    "collections",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("vectors", String(128), nullable=False, unique=True, comment="The Chroma collection of its vectors"),
    Column("created_at", Float, nullable=False),
    comment="Every document belongs to one collection; id 1 is `default`, where a store made before collections "
    "keeps its documents (hence the server default 1 of every collection_id).",
)

documents = Table(
    "documents",
    metadata,
    Column("doc_id", String(16), primary_key=True),
    Column(
        "collection_id",
        ID,
        ForeignKey("collections.id"),
        nullable=False,
        server_default="1",
        index=True,
    ),
    Column("content_hash", String(64), nullable=False),
    Column("file_sha256", String(64), ForeignKey("files.sha256", ondelete="SET NULL"), nullable=True),
    Column("title", Text, nullable=False),
    Column("date", Text),
    Column("author", Text),
    Column("publisher", Text),
    Column("size", BigInteger, nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("ingested_at", Text, nullable=False),
    Column("page_starts", Text, nullable=False, server_default="[]"),
    Column("terms_len", Integer, nullable=False, server_default="0"),
)

texts = Table(
    "texts",
    metadata,
    Column("doc_id", String(16), ForeignKey("documents.doc_id", ondelete="CASCADE"), primary_key=True),
    Column("text", Text, nullable=False),
    comment="A document's stored text, apart so that listing documents never reads it.",
)

sources = Table(
    "sources",
    metadata,
    Column(
        "collection_id",
        ID,
        ForeignKey("collections.id"),
        primary_key=True,
        server_default="1",
    ),
    Column("path", Text, primary_key=True),
    Column("doc_id", String(16), ForeignKey("documents.doc_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),
)

chunks = Table(
    "chunks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("chunk_id", String(32), nullable=False, unique=True),
    Column("doc_id", String(16), ForeignKey("documents.doc_id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("page", Integer),
    Column("sentences", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("terms_len", Integer, nullable=False),
    UniqueConstraint("doc_id", "idx"),
)

boxes = Table(
    "boxes",
    metadata,
    Column("doc_id", String(16), ForeignKey("documents.doc_id", ondelete="CASCADE"), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    comment="PDFs and images: each character's box on its page, packed by index/boxes.py.",
)

postings = Table(
    "postings",
    metadata,
    Column("term", Text, primary_key=True),
    Column(
        "chunk",
        ID,
        ForeignKey("chunks.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tf", Integer, nullable=False),
    Column("len", Integer, nullable=False, comment="The chunk's length in terms: BM25 reads no other table"),
    Column("impact", Float, nullable=False, comment="BM25's term-frequency part when written: the read order"),
    Column(
        "collection_id",
        ID,
        nullable=False,
        server_default="1",
    ),
    Index(None, "chunk"),
    Index("ix_postings_impact", "collection_id", "term", "impact", "chunk", "tf", "len"),
    sqlite_with_rowid=False,
)

doc_postings = Table(
    "doc_postings",
    metadata,
    Column("term", Text, primary_key=True),
    Column("doc_id", String(16), ForeignKey("documents.doc_id", ondelete="CASCADE"), primary_key=True),
    Column("tf", Integer, nullable=False),
    Column("len", Integer, nullable=False, comment="The document's length in terms"),
    Column("impact", Float, nullable=False, comment="BM25's term-frequency part when written: the read order"),
    Column(
        "collection_id",
        ID,
        nullable=False,
        server_default="1",
    ),
    Index(None, "doc_id"),
    Index("ix_doc_postings_impact", "collection_id", "term", "impact", "doc_id", "tf", "len"),
    sqlite_with_rowid=False,
)

terms = Table(
    "terms",
    metadata,
    Column("collection_id", ID, primary_key=True, server_default="1"),
    Column("term", Text, primary_key=True),
    Column("df", BigInteger, nullable=False),
    sqlite_with_rowid=False,
    comment="How many chunks of a collection hold each term (BM25's document frequency), kept with the postings.",
)

keyword_stats = Table(
    "keyword_stats",
    metadata,
    Column("collection_id", ID, primary_key=True, server_default="1"),
    Column("scope", String(16), primary_key=True),
    Column("n", BigInteger, nullable=False),
    Column("total_len", BigInteger, nullable=False),
    comment="Per collection and scope ('chunk', 'document'): how many are indexed and their total length in terms "
    "(BM25's avgdl).",
)

pending = Table(
    "pending",
    metadata,
    Column("doc_id", String(16), primary_key=True),
    Column("collection_id", ID, nullable=False, server_default="1"),
    Column("job_id", BigInteger, nullable=True),
    comment="Documents whose vectors may exist without a document row (a write or removal under way or killed).",
)

JOB_STATES = ("queued", "running", "done", "failed")

jobs = Table(
    "jobs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("batch", String(32), nullable=False, index=True),
    Column("collection_id", ID, nullable=False, server_default="1"),
    Column("path", Text, nullable=False),
    Column("file_sha256", String(64), ForeignKey("files.sha256", ondelete="SET NULL"), nullable=True),
    Column("mtime_ns", BigInteger),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False, server_default="3"),
    Column("worker", Text),
    Column("lease_until", Float),
    Column("heartbeat_at", Float),
    Column("progress", Float, nullable=False, server_default="0"),
    Column("error", Text),
    Column("result", Text),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("finished_at", Float),
    CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    Index(None, "state", "created_at"),
)


users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False, comment="Argon2id, in its PHC string form (pwdlib)"),
    Column("admin", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
    comment="People who sign in to the web UI and own API keys; none: Citewise runs as one local user.",
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True, comment="Public: shown by `key list`, named by `key revoke`"),
    Column(
        "user_id",
        ID,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),  # fmt: skip
    Column("digest", String(64), nullable=False, comment="SHA-256 of the key's secret part (256 random bits)"),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float),
)

sessions = Table(
    "sessions",
    metadata,
    Column("digest", String(64), primary_key=True, comment="SHA-256 of the session cookie's token"),
    Column(
        "user_id",
        ID,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),  # fmt: skip
    Column("name", String(64), nullable=False, comment="Who signed in: a user's name, or the --auth login"),
    Column("expires_at", Float, nullable=False, index=True),
    comment="Web sign-ins, shared by every server of one database; a removed user's sessions go with them.",
)

grants = Table(
    "grants",
    metadata,
    Column(
        "collection_id",
        ID,
        ForeignKey("collections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "user_id",
        ID,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    Column("role", String(8), nullable=False),
    CheckConstraint("role IN ('reader', 'editor')", name="role"),
    comment="Who may read a collection (search, ask) and who may also change it (add, remove documents).",
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(24), primary_key=True, comment="Random: an id reveals nothing and cannot be guessed"),
    Column("owner", String(80), nullable=False, comment="user:<id>, or the configured credential's name, or local"),
    Column(
        "user_id",
        ID,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column(
        "collection_id",
        ID,
        ForeignKey("collections.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("title", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index(None, "owner", "updated_at"),
    comment="Each person's saved conversations; a removed user's or collection's go with them.",
)

turns = Table(
    "turns",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("conversation_id", String(24), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False, comment="The whole Answer JSON, as it was given"),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("conversation_id", "position"),
)
