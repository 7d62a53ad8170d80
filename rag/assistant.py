"""`Assistant`: the Python API of Citewise (DESIGN.md), and what the CLI and web UI call."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.catalog_rows import StoredDocument
from index.embedding import LocalEmbeddings
from index.encoder_protocols import PreloadingEncoder
from index.ingestion import ProgressCallback
from index.library import Library
from index.types import DocumentRecord, IngestReport
from rag.settings import Settings
from rag.types import Answer

if TYPE_CHECKING:
    from rag.requests import AskRequest, SearchRequest
    from rag.stages import Turn


class Assistant:
    """Answers questions about one store of documents, with exact, checked citations."""

    def __init__(self, settings: Settings, embeddings=None, chat_model=None, library: Library | None = None):
        self.settings = settings
        self._model = chat_model
        self.embeddings = embeddings or LocalEmbeddings.from_settings(settings.embedding)
        self.library = library or Library(settings, self.embeddings)
        # One ingestion or removal at a time, whoever asks (web sessions, API clients, threads of one program).
        self._writing = threading.Lock()
        self._others: dict = {}
        self._others_lock = threading.Lock()

    def collection(self, name: str) -> Assistant:
        """The assistant of collection `name` of the same store, sharing this one's encoder, database, Chroma
        client and chat model (`index.collections.UnknownCollectionError` if there is none)."""
        from index.collections import Collections

        if name == self.library.collection.name:
            return self
        found = Collections(self.library.database).get(name)
        with self._others_lock:
            other = self._others.get(found)
            if other is None:
                settings = self.settings.updated(collection=name)
                other = Assistant(settings, self.embeddings, self._model, library=self.library.sibling(found))
                self._others[found] = other
        return other

    @classmethod
    def open(
        cls, settings: Settings | str | Path | None = None, *, embeddings=None, chat_model=None, **overrides: Any
    ) -> Assistant:
        """Open a store: `Assistant.open(store="~/.citewise")`, `Assistant.open(settings)` or `Assistant.open()`.
        `overrides` are settings by flat name (`top_k=3`) or group (`retrieval={"top_k": 3}`), over `settings`."""
        if isinstance(settings, (str, Path)):
            overrides.setdefault("store", settings)
            settings = None
        if settings is None:
            settings = Settings(**overrides)
        elif overrides:
            settings = settings.updated(**overrides)
        return cls(settings, embeddings=embeddings, chat_model=chat_model)

    def prepare_to_answer(self) -> None:
        """Load the encoder in the background while the stores open and the chain is built (cold starts)."""
        if isinstance(self.embeddings, PreloadingEncoder):
            self.embeddings.load_in_background()
        _ = self.library.vectors, self.pipeline

    @property
    def ready(self) -> bool:
        """False while the encoder is still loading (an API answers 503 then, instead of waiting)."""
        return self.embeddings.loaded if isinstance(self.embeddings, PreloadingEncoder) else True

    def warm_up(self) -> None:
        """Load the encoder and open the stores, so that the first question is answered at full speed."""
        self.embeddings.embed_query("warm up")
        if self.documents():
            self.retrieval.search("warm up", k=1)
        # The support checker's first word-piece encoding costs ~0.1 s more than later ones (yes/no verdicts).
        self.pipeline.checker.check_each([("The store is open.", "The store was opened and warmed up.")])
        from rag.reading.reader import load_reader

        reader = load_reader() if self.settings.reading.reader else None
        if reader is not None:  # compiling the reader's model takes about a second, once per process
            reader.score("Is the store open?", ["The store was opened and warmed up."])

    # -- documents
    def ingest(
        self, paths: Iterable[str | Path], sync: bool = False, progress: ProgressCallback | None = None
    ) -> IngestReport:
        """Index files and folders. With a shared database (`library.queued`) they become jobs for the workers, and
        this waits for them: the report is the same either way."""
        if isinstance(paths, (str, Path)):
            paths = [paths]
        if self.library.queued:
            return self.wait(self.enqueue(paths, sync=sync), progress=progress)
        with self._writing:
            return self.library.ingest(list(paths), sync=sync, progress=progress)

    def enqueue(self, paths: Iterable[str | Path], sync: bool = False):
        """Store the files in the database as jobs for the workers (`index.queueing.Enqueued`); what needs no job
        (unchanged files, known content, unreadable files, removals with `sync`) is settled at once."""
        from index.queueing import enqueue

        if isinstance(paths, (str, Path)):
            paths = [paths]
        return enqueue(self.library, list(paths), sync=sync)

    def wait(self, enqueued, progress: ProgressCallback | None = None, on_stall=None) -> IngestReport:
        """The report of enqueued jobs once workers have done them all."""
        from index.queueing import wait

        return wait(self.library, enqueued, progress=progress, on_stall=on_stall)

    def original_file(self, doc_id: str) -> bytes | None:
        """The document's original bytes as received (kept in the database), None for one imported without them."""
        sha256 = self.library.document(doc_id).file_sha256
        stored = self.library.catalog.file(sha256) if sha256 else None
        return stored.data if stored else None

    def job(self, job_id: int):
        from index.jobs import JobQueue

        return JobQueue(self.library.database).job(job_id)

    def engine_status(self) -> dict:
        """The database (dialect, schema revision; never its URL's password) and the ingestion jobs by state."""
        from index.db import migrate
        from index.jobs import JobQueue

        status = migrate.status(self.library.database)
        database = {"dialect": status.dialect, "revision": status.revision, "at_head": status.at_head}
        return {"database": database, "jobs": JobQueue(self.library.database).counts()}

    def jobs(self, state: str | None = None, limit: int | None = 50, collection_ids=None):
        """Ingestion jobs, unfinished first (`index.jobs.Job`); only those of `collection_ids` when given."""
        from index.jobs import JobQueue

        return JobQueue(self.library.database).jobs(state=state, limit=limit, collection_ids=collection_ids)

    def documents(self) -> list[DocumentRecord]:
        return self.library.documents()

    def document(self, doc_id: str) -> StoredDocument:
        return self.library.document(doc_id)

    def remove(self, keys: Iterable[str]) -> list[str]:
        if isinstance(keys, str):
            keys = [keys]
        with self._writing:
            return self.library.remove(keys)

    def health(self, full: bool = False):
        """`index.health.StoreHealth`: whether the catalog and the vector store agree, and dense search works."""
        return self.library.health(full)

    def keyword_index_state(self) -> str:
        """'ready': the keyword index lives in the database and is written with the documents (kept for /health)."""
        return self.library.keyword.state

    def repair(self):
        """Make the vector store match the catalog again (`index.health.Repair` says what was done)."""
        with self._writing:
            return self.library.repair()

    @property
    def retriever(self):
        """A LangChain `BaseRetriever` over this store, usable in any LangChain chain."""
        from rag.retrieval.retriever import HybridRetriever

        return HybridRetriever(retrieval=self.retrieval, k=self.settings.retrieval.top_k)

    @property
    def profile(self) -> str:
        """The profile in effect for this collection ('general' or 'encyclopedia'; 'auto' resolved)."""
        self.retrieval.records()  # notices a changed catalog
        return self.retrieval.settings.profile

    @cached_property
    def accounts(self):
        """The users, API keys and web sessions kept in this store's database (index/accounts.py)."""
        from index.accounts import Accounts

        return Accounts(self.library.database)

    @cached_property
    def retrieval(self):
        from rag.retrieval.search import Retrieval

        return Retrieval(self.library, self.settings)

    def scope(self, doc_ids: list[str] | None, filters) -> list[str] | None:
        """The documents a question may be answered from: `doc_ids` and the documents `filters` match.
        `filters`: a `FilterFields`, a `Filters` or a dict {"title", "source", "author", "after", "before"}."""
        from rag.errors import QuestionError
        from rag.requests import FilterFields
        from rag.retrieval.filters import Filters, matching_documents

        parsed = filters.parsed() if isinstance(filters, FilterFields) else Filters.parse(filters)
        if parsed is None:
            return doc_ids
        matched = matching_documents(self.retrieval.records(), parsed)  # cached until the catalog changes
        if doc_ids:
            matched = [d for d in matched if d in set(doc_ids)]
        if not matched:
            raise QuestionError(f"no indexed document matches the filters {parsed.describe()}")
        return matched

    def search(self, query: str | SearchRequest, k: int | None = None, doc_ids: list[str] | None = None, filters=None):
        """Ranked passages for a query (no answer). `filters`: {"title", "source", "author", "after", "before"}.
        `query` may be a ready `rag.requests.SearchRequest` (then give nothing else)."""
        from rag.questions.checks import check_question
        from rag.requests import SearchRequest, build

        if isinstance(query, SearchRequest):
            _only_the_request(k=k, doc_ids=doc_ids, filters=filters)
            request = query
        else:
            request = build(SearchRequest, query=query, k=k, documents=doc_ids, filters=filters)
        scope = self.scope(request.documents, request.filters)
        query = check_question(request.query, self.settings.questions.max_chars)
        return self.retrieval.search(query, k=request.k, doc_ids=scope).passages

    @cached_property
    def pipeline(self):
        """The stages one question goes through (rag/pipeline.py)."""
        from rag.pipeline import Pipeline

        return Pipeline(self.retrieval, encoder=self.embeddings, model=self._model)

    def as_runnable(self):
        """The answering pipeline as a LangChain runnable (`rag.stages.Turn` in, `Answer` out)."""
        return self.pipeline.as_runnable()

    @property
    def default_mode(self) -> str:
        return "llm" if self.settings.llm.model or self._model is not None else "extractive"

    def _turn(self, request: AskRequest, scope: list[str] | None, retrieve_k: int | None) -> Turn:
        from rag.questions.checks import check_question
        from rag.stages import Turn

        answer_k = request.k or self.settings.retrieval.top_k
        return Turn(
            question=check_question(request.question, self.settings.questions.max_chars),
            history=tuple(request.history),
            k=max(answer_k, retrieve_k or 0),
            answer_k=answer_k,
            doc_ids=tuple(scope) if scope else None,
            mode=request.mode or self.default_mode,
        )

    def _answer(self, request: AskRequest, retrieve_k: int | None, stream: bool) -> Answer | Iterator[str | Answer]:
        """The one way to answer an `AskRequest`: its scope, its `Turn`, then the pipeline (the final `Answer`, or
        with `stream` the partial texts and then the `Answer`)."""
        turn = self._turn(request, self.scope(request.documents, request.filters), retrieve_k)
        return self.pipeline.stream(turn) if stream else self.pipeline.invoke(turn)

    @staticmethod
    def _ask_request(question, history, doc_ids, k, mode, filters) -> AskRequest:
        from rag.requests import AskRequest, build

        if isinstance(question, AskRequest):
            _only_the_request(history=history, doc_ids=doc_ids, k=k, mode=mode, filters=filters)
            return question
        return build(AskRequest, question=question, history=history, k=k, documents=doc_ids, filters=filters, mode=mode)

    def ask(
        self,
        question: str | AskRequest,
        history=None,
        *,
        doc_ids: list[str] | None = None,
        k: int | None = None,
        retrieve_k: int | None = None,
        mode: str | None = None,
        filters=None,
    ) -> Answer:
        """Answer with citations. `history` is [(question, answer_text), ...] of earlier turns; `k` passages
        are read for the answer (`retrieve_k` may retrieve more, e.g. for ranking metrics); `mode` is
        "extractive" or "llm" (default: "llm" when a chat model is configured); `filters` restrict the
        documents by metadata: {"title", "source", "author", "after", "before"}. `question` may be a ready
        `rag.requests.AskRequest` (then give nothing else but `retrieve_k`). Bad input: `QuestionError`."""
        return self._answer(self._ask_request(question, history, doc_ids, k, mode, filters), retrieve_k, stream=False)

    def stream(
        self,
        question: str | AskRequest,
        history=None,
        *,
        doc_ids: list[str] | None = None,
        k: int | None = None,
        mode: str | None = None,
        filters=None,
    ) -> Iterator[str | Answer]:
        """Partial answer text as it is written (the model's own text in LLM mode), then the final `Answer`.
        Takes what `ask` takes; errors in the request are raised when the first event is asked for."""
        yield from self._answer(self._ask_request(question, history, doc_ids, k, mode, filters), None, stream=True)


def _only_the_request(**given) -> None:
    named = [name for name, value in given.items() if value is not None]
    if named:
        raise TypeError(f"give either a ready request or its fields, not both (also got {', '.join(named)})")
