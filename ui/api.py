"""Citewise for other programs: a REST API under /api/v1 and an OpenAI-compatible /v1/chat/completions, served
in the same process as the web UI (FastAPI). JSON bodies are the contracts of DESIGN.md; errors are JSON
`{"error": message}` with the status the error's class carries (`CitewiseError.http_status`: 400 bad input, 404
unknown document, 413 too large, 502/504 the language model failed, 503 while the model loads or the store fails;
500 for anything unexpected) and 401 from the gate for no or a wrong key. A streamed answer that fails after its
first event ends with an `error` event carrying the same message and status.

Access is decided before any route runs, by the gate (ui/gate.py): once any credential exists (users, API keys of
`CITEWISE_API_KEYS` or the login of `--auth`), every call but a bare /api/v1/health needs `Authorization: Bearer
KEY` (or a signed-in browser session); keys are compared in constant time and never logged. Each route then acts
in one collection (`collection`, default `default`) as the caller may: a reader searches and asks, an editor also
adds and removes documents; a collection, document or job the caller may not read answers 404 like one that does
not exist.
"""

from __future__ import annotations

import itertools
import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, FastAPI, File, Query, Request, UploadFile
from fastapi import Path as PathParameter
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.collections import DEFAULT, Collections
from index.errors import CitewiseError, NotReadyError, SpanError, TooLargeError, UnknownDocumentError
from index.types import page_at
from rag import Answer, Assistant
from rag.requests import MAX_SEARCH_K, AskRequest, FilterFields, SearchRequest, build

from .api_conversations import add_conversation_routes
from .api_errors import ERRORS, MODEL_FAILED, NOT_FOUND, describe_invalid, error_body
from .api_openai import openai_routes
from .gate import Access, Gate, principal_of
from .health_check import BackgroundHealth
from .ingest_queue import IngestQueue
from .pages import PAGES_FOLDER, PageImages
from .signin import Credentials

FILTER_FIELDS = FilterFields.model_fields


log = logging.getLogger(__name__)


class CollectionAskRequest(AskRequest):
    collection: str = Field(DEFAULT, description="The collection to answer from (default: default).")


CollectionQuery = Query(DEFAULT, description="The collection to act in (default: default).")


def create_api(
    assistant: Assistant, access: Access | list[str] | None = None, queue: IngestQueue | None = None
) -> FastAPI:
    """The FastAPI app with the REST and OpenAI-compatible routes behind the gate; the web UI is mounted on it
    at `/`. `access` may be a list of API keys (the other limits then keep their defaults)."""
    if not isinstance(access, Access):
        access = Access(credentials=Credentials.of(list(access or [])))
    app = FastAPI(
        title="Citewise API",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        responses=ERRORS,
    )
    app.add_middleware(Gate, access=access)
    queue = queue or IngestQueue(assistant)

    def ready() -> None:
        if not assistant.ready:
            raise NotReadyError("the embedding model is still loading; try again in a few seconds")

    @app.exception_handler(CitewiseError)
    async def citewise_error(_request, exc: CitewiseError):
        return JSONResponse({"error": str(exc)}, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request, exc: RequestValidationError):
        return JSONResponse({"error": describe_invalid(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_request, exc: Exception):
        log.exception("unexpected error in the API", exc_info=exc)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); see the server's log"}, status_code=500)

    v1 = APIRouter(prefix="/api/v1")
    store_health = BackgroundHealth(assistant)
    collections = Collections(assistant.library.database)

    def principal(request: Request):
        """Who asks; None on a server without credentials (the local user, who may do everything)."""
        return principal_of(request.scope) if access.required else None

    def scoped(request: Request, name: str | None, write: bool = False) -> Assistant:
        """The assistant of collection `name` if the caller may read it (with `write`, change it)."""
        found = collections.open(name or DEFAULT, principal(request), write=write)
        return assistant.collection(found.name)

    def readable_ids(request: Request) -> set[int]:
        return {c.id for c in collections.readable(principal(request))}

    @v1.get("/collections")
    def list_collections(request: Request) -> dict:
        """The collections the caller may read, with the caller's role in each."""
        found = collections.roles(principal(request))
        return {"collections": [{"name": c.name, "role": role} for c, role in found.items()]}

    @v1.get("/health")
    def health(request: Request) -> dict:
        """`status` for anyone (ok, loading); signed in, also the documents and the store's consistency (checked
        in the background at most every 10 s: `checked_seconds_ago`)."""
        status = {"status": "ok" if assistant.ready else "loading"}
        if principal_of(request.scope) is None and access.required:
            return status
        return (
            status
            | store_health.latest()
            | {"keyword_index": assistant.keyword_index_state()}
            | assistant.engine_status()
        )

    @v1.post("/ask", responses=MODEL_FAILED | NOT_FOUND)
    def ask(request: Request, body: CollectionAskRequest) -> dict:
        ready()
        return scoped(request, body.collection).ask(body).to_dict()

    @v1.post("/ask/stream", responses=MODEL_FAILED | NOT_FOUND)
    def ask_stream(request: Request, body: CollectionAskRequest) -> StreamingResponse:
        """Server-sent events: `text` (a piece of the answer as written), then `answer` (the Answer JSON); a
        failure after the first event ends the stream with `error` ({"error", "status"})."""
        ready()
        events = scoped(request, body.collection).stream(body)
        first = next(events)  # errors in the question surface as a JSON error, before the stream starts

        def sse() -> Iterator[str]:
            try:
                for event in itertools.chain([first], events):  # one by one, as the pipeline writes them
                    if isinstance(event, Answer):
                        yield f"event: answer\ndata: {json.dumps(event.to_dict())}\n\n"
                    else:
                        yield f"event: text\ndata: {json.dumps(event)}\n\n"
            except Exception as exc:
                yield f"event: error\ndata: {json.dumps(error_body(exc))}\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    @v1.get("/search", responses=NOT_FOUND)
    def search(
        request: Request,
        q: str = Query(description="The query.", max_length=assistant.settings.questions.max_chars),
        k: int | None = Query(None, ge=1, le=MAX_SEARCH_K, description=SearchRequest.model_fields["k"].description),
        title: str | None = Query(None, description=FILTER_FIELDS["title"].description),
        source: str | None = Query(None, description=FILTER_FIELDS["source"].description),
        author: str | None = Query(None, description=FILTER_FIELDS["author"].description),
        after: str | None = Query(None, description=FILTER_FIELDS["after"].description),
        before: str | None = Query(None, description=FILTER_FIELDS["before"].description),
        documents: list[str] | None = Query(None, description="Only these document ids (the parameter repeated)."),
        collection: str = CollectionQuery,
    ) -> dict:
        ready()
        filters = {"title": title, "source": source, "author": author, "after": after, "before": before}
        searched = build(SearchRequest, query=q, k=k, documents=documents, filters=filters)
        return {"query": q, "passages": [p.to_dict() for p in scoped(request, collection).search(searched)]}

    @v1.get("/documents", responses=NOT_FOUND)
    def documents(request: Request, collection: str = CollectionQuery) -> dict:
        return {"documents": [d.to_dict() for d in scoped(request, collection).documents()]}

    @v1.post("/documents", responses=NOT_FOUND)
    async def upload(
        request: Request,
        files: list[UploadFile] = File(description="Documents to index."),
        wait: bool = Query(False, description="With a shared database: wait for the workers to index the files."),
        collection: str = CollectionQuery,
    ):
        """Index uploaded files; the report lists each one. 400 when every file was refused. Uploads wait in one
        queue; one whose client leaves before its turn is dropped. With a shared database the files become jobs
        for the workers: 202 with `jobs` (follow them at /api/v1/jobs), or with `wait=true` the usual report."""
        ready()
        target = await run_in_threadpool(scoped, request, collection, True)
        folder = tempfile.TemporaryDirectory(prefix="citewise-upload-")
        try:
            named = await run_in_threadpool(_stage, files, Path(folder.name), assistant.settings.ingest.max_file_bytes)
            result = await queue.wait(queue.submit(queue.add_files(named, assistant=target)), request.is_disconnected)
        finally:
            folder.cleanup()
        if result is None:  # the client left before its turn
            return JSONResponse({"error": "the client left before the upload was indexed"}, status_code=499)
        report, queued = result.report, []
        if result.enqueued is not None:
            if wait:
                report = await run_in_threadpool(assistant.wait, result.enqueued)
            else:
                job_ids = set(result.enqueued.job_ids)
                queued = [job.to_dict() for job in assistant.jobs(limit=None) if job.id in job_ids]
        body = report.to_dict() if report is not None else {"added": [], "updated": [], "unchanged": [], "failed": []}
        body["failed"] = [{"path": exc.name, "reason": exc.reason} for exc in result.refused] + body.get("failed", [])
        if queued:
            return JSONResponse(body | {"jobs": queued}, status_code=202)
        if not (body["added"] or body["updated"] or body["unchanged"]):
            reasons = "; ".join(f"{f['path']}: {f['reason']}" for f in body["failed"]) or "no files were sent"
            return JSONResponse({"error": f"no file was indexed: {reasons}", **body}, status_code=400)
        return body

    @v1.get("/jobs")
    def jobs(
        request: Request,
        state: str | None = Query(None, pattern="^(queued|running|done|failed)$"),
        limit: int = Query(50, ge=1, le=1000),
    ) -> dict:
        """Ingestion jobs of the collections the caller may read, unfinished first: state, progress, and the reason
        of a failure."""
        found = assistant.jobs(state=state, limit=limit, collection_ids=readable_ids(request))
        return {"jobs": [job.to_dict() for job in found]}

    @v1.get("/jobs/{job_id}", responses=NOT_FOUND)
    def job(request: Request, job_id: int) -> dict:
        found = assistant.job(job_id)
        if found is None or found.collection_id not in readable_ids(request):
            raise UnknownDocumentError(f"no ingestion job has the id {job_id}")
        return found.to_dict()

    @v1.get("/documents/{doc_id}", responses=NOT_FOUND)
    def document(request: Request, doc_id: str, collection: str = CollectionQuery) -> dict:
        for record in scoped(request, collection).documents():
            if record.doc_id == doc_id:
                return record.to_dict()
        raise UnknownDocumentError(f"no indexed document has the id {doc_id!r}")

    @v1.delete("/documents/{doc_id}", responses=NOT_FOUND)
    async def delete(request: Request, doc_id: str, collection: str = CollectionQuery):
        target = await run_in_threadpool(scoped, request, collection)
        if doc_id not in {record.doc_id for record in await run_in_threadpool(target.documents)}:
            raise UnknownDocumentError(f"no indexed document has the id {doc_id!r}")
        await run_in_threadpool(scoped, request, collection, True)  # 403 for a reader, only once the id is theirs
        removed = await queue.wait(queue.submit(queue.remove([doc_id], assistant=target)), request.is_disconnected)
        if removed is None:
            return JSONResponse({"error": "the client left before the document was removed"}, status_code=499)
        return {"removed": removed}

    @v1.get("/documents/{doc_id}/text", responses=NOT_FOUND)
    def text(
        request: Request,
        doc_id: str,
        start: int | None = Query(None, ge=0),
        end: int | None = Query(None, ge=0),
        collection: str = CollectionQuery,
    ) -> dict:
        stored = scoped(request, collection).document(doc_id)
        start = 0 if start is None else start
        end = len(stored.text) if end is None else end
        if start > end or end > len(stored.text):
            raise SpanError(f"start and end must satisfy 0 <= start <= end <= {len(stored.text)}")
        return {
            "doc_id": doc_id,
            "start": start,
            "end": end,
            "text": stored.text[start:end],
            "page": page_at(stored.page_starts, start),
            "boxes": stored.boxes(start, end),
        }

    @v1.get(
        "/documents/{doc_id}/pages/{page}",
        responses=NOT_FOUND | {200: {"content": {"image/png": {}}, "description": "The page as a PNG."}},
        response_class=FileResponse,
    )
    def page_image(request: Request, doc_id: str, page: int = PathParameter(ge=1), collection: str = CollectionQuery):
        """A PDF page as a PNG (rendered on first use), for the web UI's source viewer."""
        target = scoped(request, collection)
        stored = target.document(doc_id)
        pages = PageImages(
            Path(target.settings.storage.path).expanduser() / PAGES_FOLDER, original=target.original_file
        )
        image = pages.image(doc_id, stored.source, page)
        if image is None:
            raise UnknownDocumentError(f"document {doc_id!r} has no page {page} to show")
        return FileResponse(image, media_type="image/png", headers={"cache-control": "private, max-age=3600"})

    openai = openai_routes(collections, principal, scoped, ready)

    add_conversation_routes(v1, assistant, collections, principal, scoped, ready, MODEL_FAILED)

    for router in (v1, openai):
        app.include_router(router)
    _document_400_not_422(app)
    return app


def _document_400_not_422(app: FastAPI) -> None:
    """FastAPI lists 422 for every route with parameters; invalid requests answer 400 {"error"} here."""
    make_schema = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            for operations in make_schema()["paths"].values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
        return app.openapi_schema

    app.openapi = openapi


def _stage(files: list[UploadFile], folder: Path, limit: int) -> list[tuple[Path, str]]:
    """Copy the uploaded files into `folder` (numbered, so names cannot collide); a file over `limit` ends the
    request with 413."""
    named = []
    for index, upload in enumerate(files):
        original = upload.filename or "upload"
        staged = folder / str(index)
        with staged.open("wb") as handle:
            size = 0
            while chunk := upload.file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(f"{original}: over the limit of {limit} bytes")
                handle.write(chunk)
        named.append((staged, original))
    return named
