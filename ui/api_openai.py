"""The OpenAI-compatible routes (`/v1/models`, `/v1/chat/completions`): `model` names the collection (`citewise`
for default, `citewise/NAME`), the last user message is the question and earlier turns its history; the answer's
whole JSON rides along as `citewise`."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from index.collections import DEFAULT, Collections
from rag import Answer
from rag.errors import QuestionError
from rag.requests import AskRequest, build

from .api_errors import MODEL_FAILED, NOT_FOUND, error_body

MODEL_NAME = "citewise"


class ContentPart(BaseModel):
    type: str = Field(description='"text" parts are read; other kinds (images) are ignored.')
    text: str | None = None


class ChatMessage(BaseModel):
    role: str
    content: str | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    model: str = Field(
        MODEL_NAME, description="`citewise` answers from the default collection, `citewise/NAME` from collection NAME."
    )
    messages: list[ChatMessage]
    stream: bool = False


def openai_routes(collections: Collections, principal: Callable, scoped: Callable, ready: Callable[[], None]):
    """The routes under /v1; `principal(request)` is who asks, `scoped(request, name)` the assistant of a collection
    they may read (ui/api.py)."""
    openai = APIRouter(prefix="/v1")

    @openai.get("/models")
    def models(request: Request) -> dict:
        """One model per collection the caller may read: `citewise` (default) and `citewise/NAME`."""
        names = [model_name(c.name) for c in collections.readable(principal(request))]
        return {
            "object": "list",
            "data": [{"id": name, "object": "model", "created": 0, "owned_by": "citewise"} for name in names],
        }

    @openai.post("/chat/completions", responses=MODEL_FAILED | NOT_FOUND)
    def chat(http: Request, body: ChatRequest):
        ready()
        target = scoped(http, collection_of_model(body.model))
        question, history = conversation(body.messages)
        request = build(AskRequest, question=question, history=history)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if not body.stream:
            answer = target.ask(request)
            return {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": body.model,
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": answer.answer}, "finish_reason": "stop"}
                ],
                "citewise": answer.to_dict(),
            }
        events = target.stream(request)
        first = next(events)
        model = body.model

        def chunks() -> Iterator[str]:
            base = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
            try:
                for event in itertools.chain([first], events):  # one by one, as the pipeline writes them
                    if isinstance(event, Answer):
                        last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                        yield f"data: {json.dumps(last | {'citewise': event.to_dict()})}\n\n"
                    else:
                        piece = {"index": 0, "delta": {"role": "assistant", "content": event}, "finish_reason": None}
                        yield f"data: {json.dumps(base | {'choices': [piece]})}\n\n"
            except Exception as exc:  # as OpenAI's API reports an error mid-stream: {"error": {"message", "code"}}
                body = error_body(exc)
                yield f"data: {json.dumps({'error': {'message': body['error'], 'code': body['status']}})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    return openai


def model_name(collection: str) -> str:
    return MODEL_NAME if collection == DEFAULT else f"{MODEL_NAME}/{collection}"


def collection_of_model(model: str) -> str:
    """`citewise/NAME` -> NAME; `citewise` and any other name (clients that send their own default) -> default."""
    prefix, _, name = model.partition("/")
    return name if prefix == MODEL_NAME and name else DEFAULT


def conversation(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The last user message is the question; earlier user/assistant pairs are the history."""
    texts = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not texts or texts[-1][0] != "user" or not texts[-1][1].strip():
        raise QuestionError("messages must end with a non-empty user message")
    history, pending = [], None
    for role, text in texts[:-1]:
        if role == "user":
            pending = text
        elif pending is not None:
            history.append((pending, text))
            pending = None
    return texts[-1][1], history


def _text(content: str | list[ContentPart] | None) -> str:
    if isinstance(content, list):  # [{"type": "text", "text": "..."}, ...]
        return " ".join(part.text or "" for part in content if part.type == "text")
    return content or ""
