"""Citewise for other programs: a REST API under /api/v1 and an OpenAI-compatible /v1/chat/completions, served
in the same process as the web UI (FastAPI). JSON bodies are the contracts of DESIGN.md; errors are JSON
`{"error": message}` with the status that fits (400 bad input, 401 no or wrong key, 404 unknown document, 413
too large, 503 while the model loads).

With API keys (`CITEWISE_API_KEYS`, comma-separated, or the login of `--auth` as `USER:PASSWORD`), every call
but /api/v1/health needs `Authorization: Bearer KEY`; keys are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from index.errors import CitewiseError, UnknownDocumentError
from index.types import page_at
from rag import Answer, Assistant

from .pages import forget_pages
from .uploads import accept_all, uploads_folder

MODEL_NAME = "citewise"


class AskRequest(BaseModel):
    question: str = Field(description="The question.")
    history: list[tuple[str, str]] = Field(default_factory=list, description="Earlier (question, answer) turns.")
    k: int | None = Field(default=None, ge=1, le=100, description="Passages to read.")
    documents: list[str] | None = Field(default=None, description="Only these document ids.")
    filters: dict[str, str] | None = Field(default=None, description='{"title","source","author","after","before"}')
    mode: str | None = Field(default=None, description='"extractive" or "llm".')


class ChatMessage(BaseModel):
    role: str
    content: str | list | None = None


class ChatRequest(BaseModel):
    model: str = MODEL_NAME
    messages: list[ChatMessage]
    stream: bool = False


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def status_of(exc: CitewiseError) -> int:
    """404 for a document that is not indexed; every other Citewise error is about the request's input."""
    return 404 if isinstance(exc, UnknownDocumentError) else 400


def create_api(assistant: Assistant, api_keys: list[str] | None = None) -> FastAPI:
    """The FastAPI app with the REST and OpenAI-compatible routes; the web UI is mounted on it at `/`."""
    app = FastAPI(title="Citewise API", docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None)
    keys = [k for k in (api_keys or []) if k]

    def authorised(request: Request) -> None:
        if not keys:
            return
        header = request.headers.get("authorization", "")
        given = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not any(hmac.compare_digest(given.encode(), key.encode()) for key in keys):
            raise ApiError(401, "a valid API key is required: send 'Authorization: Bearer KEY'")

    def ready() -> None:
        if not assistant.ready:
            raise ApiError(503, "the embedding model is still loading; try again in a few seconds")

    @app.exception_handler(ApiError)
    async def api_error(_request, exc: ApiError):
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.exception_handler(CitewiseError)
    async def citewise_error(_request, exc: CitewiseError):
        return JSONResponse({"error": str(exc)}, status_code=status_of(exc))

    v1 = APIRouter(prefix="/api/v1", dependencies=[Depends(authorised)])
    public = APIRouter(prefix="/api/v1")

    @public.get("/health")
    def health() -> dict:
        return {"status": "ok" if assistant.ready else "loading", "documents": len(assistant.documents())}

    @v1.post("/ask")
    def ask(body: AskRequest) -> dict:
        ready()
        answer = assistant.ask(
            body.question, body.history, doc_ids=body.documents, k=body.k, mode=body.mode, filters=body.filters
        )
        return answer.to_dict()

    @v1.post("/ask/stream")
    def ask_stream(body: AskRequest) -> StreamingResponse:
        ready()
        events = assistant.stream(
            body.question, body.history, doc_ids=body.documents, k=body.k, mode=body.mode, filters=body.filters
        )
        first = next(events)  # errors in the question surface as a JSON error, before the stream starts

        def sse() -> Iterator[str]:
            for event in (first, *events):
                if isinstance(event, Answer):
                    yield f"event: answer\ndata: {json.dumps(event.to_dict())}\n\n"
                else:
                    yield f"event: text\ndata: {json.dumps(event)}\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    @v1.get("/search")
    def search(q: str = Query(description="The query."), k: int = Query(5, ge=1, le=100)) -> dict:
        ready()
        return {"query": q, "passages": [p.to_dict() for p in assistant.search(q, k=k)]}

    @v1.get("/documents")
    def documents() -> dict:
        return {"documents": [d.to_dict() for d in assistant.documents()]}

    @v1.post("/documents")
    def upload(files: list[UploadFile] = File(description="Documents to index.")) -> dict:
        ready()
        limit = assistant.settings.max_file_bytes
        with tempfile.TemporaryDirectory(prefix="citewise-upload-") as folder:
            named = []
            for index, upload in enumerate(files):
                original = upload.filename or "upload"
                staged = Path(folder) / str(index)
                with staged.open("wb") as handle:
                    size = 0
                    while chunk := upload.file.read(1 << 20):
                        size += len(chunk)
                        if size > limit:
                            raise ApiError(413, f"{original}: over the limit of {limit} bytes")
                        handle.write(chunk)
                named.append((staged, original))
            accepted, refused = accept_all(named, uploads_folder(assistant.settings.store), limit)
            report = assistant.ingest([str(p) for p in accepted]).to_dict() if accepted else {"failed": []}
        report["failed"] = [{"path": exc.name, "reason": exc.reason} for exc in refused] + report.get("failed", [])
        return report

    @v1.get("/documents/{doc_id}")
    def document(doc_id: str) -> dict:
        for record in assistant.documents():
            if record.doc_id == doc_id:
                return record.to_dict()
        raise ApiError(404, f"no indexed document has the id {doc_id!r}")

    @v1.delete("/documents/{doc_id}")
    def delete(doc_id: str) -> dict:
        assistant.document(doc_id)  # 404 for an unknown id
        removed = assistant.remove([doc_id])
        forget_pages(assistant.settings.store, removed)
        return {"removed": removed}

    @v1.get("/documents/{doc_id}/text")
    def text(doc_id: str, start: int | None = Query(None, ge=0), end: int | None = Query(None, ge=0)) -> dict:
        stored = assistant.document(doc_id)
        start = 0 if start is None else start
        end = len(stored.text) if end is None else end
        if start > end or end > len(stored.text):
            raise ApiError(400, f"start and end must satisfy 0 <= start <= end <= {len(stored.text)}")
        return {
            "doc_id": doc_id,
            "start": start,
            "end": end,
            "text": stored.text[start:end],
            "page": page_at(stored.page_starts, start),
            "boxes": stored.boxes(start, end),
        }

    openai = APIRouter(prefix="/v1", dependencies=[Depends(authorised)])

    @openai.get("/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "citewise"}]}

    @openai.post("/chat/completions")
    def chat(body: ChatRequest):
        ready()
        question, history = conversation(body.messages)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if not body.stream:
            answer = assistant.ask(question, history)
            return {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": MODEL_NAME,
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": answer.answer}, "finish_reason": "stop"}
                ],
                "citewise": answer.to_dict(),
            }
        events = assistant.stream(question, history)
        first = next(events)

        def chunks() -> Iterator[str]:
            base = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_NAME}
            for event in (first, *events):
                if isinstance(event, Answer):
                    last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                    yield f"data: {json.dumps(last | {'citewise': event.to_dict()})}\n\n"
                else:
                    piece = {"index": 0, "delta": {"role": "assistant", "content": event}, "finish_reason": None}
                    yield f"data: {json.dumps(base | {'choices': [piece]})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    for router in (public, v1, openai):
        app.include_router(router)
    return app


def conversation(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The last user message is the question; earlier user/assistant pairs are the history."""
    texts = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not texts or texts[-1][0] != "user" or not texts[-1][1].strip():
        raise ApiError(400, "messages must end with a non-empty user message")
    history, pending = [], None
    for role, text in texts[:-1]:
        if role == "user":
            pending = text
        elif pending is not None:
            history.append((pending, text))
            pending = None
    return texts[-1][1], history


def _text(content) -> str:
    if isinstance(content, list):  # [{"type": "text", "text": "..."}, ...]
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""
