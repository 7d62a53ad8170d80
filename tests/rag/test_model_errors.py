"""A chat model's failures are translated once, by exception type, into the ModelError classes: each says who is
at fault (its HTTP status) and the short reason a notice shows ("it timed out", "it could not be reached")."""

from __future__ import annotations

import errno
import socket

import httpx
import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from index.encoders import BackendError
from index.errors import (
    CitewiseError,
    LoadError,
    NotReadyError,
    SpanError,
    StoreError,
    TooLargeError,
    UnknownDocumentError,
)
from rag.answering.llm import build_model, invoke_model, model_error, reply_text, stream_model
from rag.errors import (
    ModelError,
    ModelNotConfigured,
    ModelReplyError,
    ModelTimeout,
    ModelUnreachable,
    QuestionError,
)
from rag.settings import Settings
from ui.ingest_queue import QueueFull

MESSAGES = [HumanMessage("How many boats?")]


@pytest.mark.parametrize(
    "error, status",
    [
        (CitewiseError, 500),  # the server's fault unless a subclass says otherwise
        (LoadError, 400),
        (QuestionError, 400),
        (SpanError, 400),
        (UnknownDocumentError, 404),
        (TooLargeError, 413),
        (StoreError, 503),
        (NotReadyError, 503),
        (QueueFull, 503),
        (BackendError, 500),
        (ModelError, 502),
        (ModelUnreachable, 502),
        (ModelReplyError, 502),
        (ModelTimeout, 504),
        (ModelNotConfigured, 503),
    ],
)
def test_each_error_class_states_its_status(error, status):
    """Declared on the class itself, not inherited by accident: a new subclass must choose."""
    assert error.http_status == status and "http_status" in vars(error)


def request() -> httpx.Request:
    return httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


@pytest.mark.parametrize(
    "exc, kind, reason",
    [
        (httpx.ConnectTimeout("timed out", request=request()), ModelTimeout, "it timed out"),
        (httpx.ReadTimeout("read timed out", request=request()), ModelTimeout, "it timed out"),
        (TimeoutError(), ModelTimeout, "it timed out"),
        (httpx.ConnectError("[Errno 111] Connection refused", request=request()), ModelUnreachable, None),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), ModelUnreachable, None),
        (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), ModelUnreachable, None),
        (OSError(errno.EHOSTUNREACH, "No route to host"), ModelUnreachable, None),
        (socket.gaierror(-2, "Name or service not known"), ModelUnreachable, None),
        (ValueError("the reply was not JSON\nline two"), ModelReplyError, "ValueError: the reply was not JSON"),
        (KeyError(), ModelReplyError, "KeyError"),
    ],
)
def test_model_error_classifies_by_type(exc, kind, reason):
    error = model_error(exc)
    assert type(error) is kind and error.__cause__ is exc
    assert error.reason == (reason or "it could not be reached")
    assert isinstance(error, ModelError) and str(error)


def test_model_error_knows_the_openai_client_errors():
    openai = pytest.importorskip("openai")
    httpx2 = pytest.importorskip("httpx2")  # the HTTP client openai >= 3 uses
    sent = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    assert type(model_error(openai.APIConnectionError(request=sent))) is ModelUnreachable
    assert type(model_error(openai.APITimeoutError(request=sent))) is ModelTimeout  # a subclass of the one above
    refused = openai.RateLimitError("Error code: 429", response=httpx2.Response(429, request=sent), body=None)
    error = model_error(refused)
    assert type(error) is ModelReplyError and error.reason == "RateLimitError: Error code: 429"


def test_a_model_error_is_returned_as_it_is():
    error = ModelTimeout("slow")
    assert model_error(error) is error


def test_a_class_named_like_a_timeout_is_not_one():
    """Types decide, not names: describe_failure took any class with "Timeout" in its name for a timeout."""

    class TimeoutPolicyViolation(Exception):
        pass

    assert type(model_error(TimeoutPolicyViolation("refused"))) is ModelReplyError


class Failing(GenericFakeChatModel):
    failure: BaseException = ConnectionError("Connection refused")
    after: list[str] = []

    def _generate(self, *args, **kwargs):
        raise self.failure

    def _stream(self, *args, **kwargs):
        for piece in self.after:
            yield _chunk(piece)
        raise self.failure


def _chunk(text: str):
    from langchain_core.outputs import ChatGenerationChunk

    return ChatGenerationChunk(message=AIMessageChunk(content=text))


def test_invoke_model_returns_the_text_or_raises_only_model_errors():
    assert invoke_model(GenericFakeChatModel(messages=iter([AIMessage(" It was 37 [1]. ")])), MESSAGES) == (
        "It was 37 [1]."
    )
    with pytest.raises(ModelUnreachable) as raised:
        invoke_model(Failing(messages=iter([])), MESSAGES)
    assert isinstance(raised.value.__cause__, ConnectionError)
    with pytest.raises(ModelReplyError, match="empty or malformed") as empty:
        invoke_model(GenericFakeChatModel(messages=iter([AIMessage("  ")])), MESSAGES)
    assert empty.value.reason == "it sent an empty or malformed reply"


def test_stream_model_gives_pieces_then_raises_a_model_error_mid_stream():
    pieces = list(stream_model(GenericFakeChatModel(messages=iter([AIMessage("It was 37 [1].")])), MESSAGES))
    assert len(pieces) > 1 and "".join(pieces) == "It was 37 [1]."
    stream = stream_model(Failing(messages=iter([]), failure=TimeoutError(), after=["It was"]), MESSAGES)
    assert next(stream) == "It was"
    with pytest.raises(ModelTimeout):
        next(stream)


def test_a_stream_without_text_is_a_reply_error():
    with pytest.raises(ModelReplyError, match="empty or malformed"):
        list(stream_model(GenericFakeChatModel(messages=iter([AIMessage("   ")])), MESSAGES))


def test_reply_text_reads_content_blocks_and_refuses_nothing():
    assert reply_text(AIMessage(content=[{"type": "text", "text": "It was "}, {"type": "text", "text": "37."}])) == (
        "It was 37."
    )
    with pytest.raises(ModelReplyError):
        reply_text(AIMessage(content=[{"type": "image"}]))


def test_build_model_failures_are_the_servers_configuration(tmp_path):
    with pytest.raises(ModelNotConfigured, match=r"no language model is configured \(set --llm or CITEWISE_LLM\)") as e:
        build_model(Settings(store=tmp_path))
    assert e.value.http_status == 503 and e.value.reason == "none is configured: set --llm or CITEWISE_LLM"
