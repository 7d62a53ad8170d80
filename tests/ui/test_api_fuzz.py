"""Fuzzed: a bounded property-based run of the HTTP API from its own OpenAPI schema (schemathesis), in-process
over ASGI against a small real store with the hashing encoder: no 5xx, and every error is JSON `{"error": str}`
with a status the route documents or one of the API's error statuses.

Two runs, the same checks: without keys, and with a key configured and sent on every request (plus plain
requests without it, expecting 401). Each operation gets the coverage phase's boundary and invalid cases
(including methods the path does not have) and `max_examples` fuzzed ones, derandomized with a fixed seed and no
example database, so CI replays the same requests. `GET` routes under /documents/{doc_id} draw the fixture's real
ids half the time; `DELETE` only ever gets generated ids, so no case deletes a fixture document under the cases
that follow (deleting a real document is tested in test_api.py). Held to the same contract: hand-written requests
the generator cannot produce (non-finite numbers, lone surrogates, broken JSON), a body over the cap (413), and
uploads of arbitrary bytes under the file names Citewise reads.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import hypothesis
import hypothesis.strategies as st
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error

from helpers.fakes import HashingEmbeddings
from helpers.stores import answering_store
from index.ingestion import content_id
from rag import Assistant
from ui.api import create_api

KEY = "fuzz-key-21"
BEARER = {"Authorization": f"Bearer {KEY}"}
OPENAPI = "/api/openapi.json"
# The server answers only to its own names (the gate refuses a foreign Host such as the test clients' "testserver").
BASE_URL = "http://localhost"
TEXTS = {
    "harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890.",
    "ferry.txt": "Osterby ferry\n\nThe Osterby ferry sails at dawn and carries twelve cars to Kelso.",
    "mill.txt": "Brandon mill\n\nThe water mill at Brandon ground 40 sacks of flour a day until 1921.",
}
# The statuses ui/api.py answers errors with: bad input, no or wrong key, unknown document, too large, still loading;
# 405 is Starlette's for a method a path does not have (the coverage phase sends those).
ERROR_STATUSES = {400, 401, 404, 405, 413, 503}
# FastAPI documents 422 on every route with parameters; the contract is 400 for bad input, so 422 is not accepted.
NOT_ACCEPTED = {422}
QUESTIONS = ["How many fishing boats?", "When does the Osterby ferry sail?", "How much flour did the mill grind?"]
REAL_IDS = sorted(content_id(text.encode())[0] for text in TEXTS.values())
MAX_EXAMPLES = 50


def fuzz_config(headers: dict[str, str] | None = None) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 21,
            "base-url": BASE_URL,
            "headers": headers or {},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        }
    )


def error_contract(status: int, content_type: str, content: bytes, documented: set[int]) -> None:
    """An error answer is a JSON object with a string "error", under a status the route documents or the API uses."""
    if status < 400:
        return
    allowed = ({code for code in documented if code >= 400} | ERROR_STATUSES) - NOT_ACCEPTED
    assert status in allowed, f"status {status} is neither documented for the route nor one of {sorted(allowed)}"
    assert content_type.split(";")[0].strip() == "application/json", f"error {status} sent as {content_type!r}"
    try:
        body = json.loads(content)
    except ValueError:
        raise AssertionError(f"error {status} body is not JSON: {content[:200]!r}") from None
    assert isinstance(body, dict) and isinstance(body.get("error"), str), (
        f'error {status} body is not {{"error": str}}: {content[:300].decode(errors="replace")}'
    )


def documented_statuses(responses: dict) -> set[int]:
    return {int(code) for code in responses if code.isdigit()}


def errors_are_json(ctx, response, case) -> None:
    """Schemathesis check: `error_contract` on every response."""
    headers = {name.lower(): values for name, values in response.headers.items()}
    content_type = (headers.get("content-type") or [""])[0]
    documented = documented_statuses(case.operation.definition.raw.get("responses", {}))
    error_contract(response.status_code, content_type, response.content, documented)


CHECKS = [not_a_server_error, errors_are_json]


@pytest.fixture(autouse=True)
def quiet_server_log(caplog):
    """A failing case is replayed many times while Hypothesis shrinks it; the traceback reaches the test anyway."""
    caplog.set_level(logging.CRITICAL, logger="ui.api")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    assistant = answering_store(tmp_path_factory.mktemp("fuzz"), HashingEmbeddings(), TEXTS)
    assert sorted(d.doc_id for d in assistant.documents()) == REAL_IDS
    return assistant


@pytest.fixture(scope="module")
def open_app(assistant):
    return create_api(assistant)


@pytest.fixture(scope="module")
def keyed_app(assistant):
    return create_api(assistant, [KEY])


def half_the_time(value, replacement: st.SearchStrategy) -> st.SearchStrategy:
    """`value`, or a draw from `replacement`, as a drawn boolean decides. (In these runs `st.one_of(st.just(value),
    replacement)` never drew from `replacement`.)"""
    return st.tuples(st.booleans(), replacement).map(lambda pair: pair[1] if pair[0] else value)


def load_schema(keys: list[str] | None, headers: dict[str, str] | None = None):
    """The schema, read at collection time from an app over an empty store (the schema does not depend on the store);
    every request goes to the module's app over the fixture store (`app=`). The key is also sent for the schema, in
    case /api/openapi.json is behind it. (`schemathesis.pytest.from_fixture` would defer all this to fixtures, but it
    fails on pytest 9.2: it sets `Function._nodeid`, which pytest 9.2 no longer has.)"""
    empty = Assistant.open(
        store=Path(SCHEMA_STORE.name) / ("keyed" if keys else "open"), embeddings=HashingEmbeddings()
    )
    schema = schemathesis.openapi.from_asgi(
        OPENAPI, create_api(empty, keys), config=fuzz_config(headers), headers={"Host": "localhost", **(headers or {})}
    )

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """GET routes under /documents/{doc_id} draw one of the fixture's ids half the time; DELETE never does."""
        operation = context.operation
        if operation is None or operation.method.upper() != "GET" or "doc_id" not in (path_parameters or {}):
            return st.just(path_parameters)
        return half_the_time(path_parameters, st.sampled_from(REAL_IDS).map(lambda i: {**path_parameters, "doc_id": i}))

    @schema.hook
    def flatmap_body(context, body):
        """Half the time a question the documents answer: asked (without the generated filters, which rarely let
        anything through), or appended as a chat's last user message (generated chats almost never end with one),
        so the answering path is tried and not only the refusals."""
        path = context.operation.path if context.operation is not None else ""
        question = st.sampled_from(QUESTIONS)
        if path in ("/api/v1/ask", "/api/v1/ask/stream") and isinstance(body, dict):
            plain = {name: value for name, value in body.items() if name not in ("documents", "filters", "mode")}
            return half_the_time(body, question.map(lambda q: {**plain, "question": q}))
        if path == "/v1/chat/completions" and isinstance(body, dict) and isinstance(body.get("messages"), list):
            turn = st.tuples(question, st.booleans()).map(
                lambda pair: {"role": "user", "content": [{"type": "text", "text": pair[0]}] if pair[1] else pair[0]}
            )
            return half_the_time(body, turn.map(lambda m: {**body, "messages": [*body["messages"], m]}))
        return st.just(body)

    return schema


SCHEMA_STORE = tempfile.TemporaryDirectory(prefix="citewise-fuzz-schema-")
without_keys = load_schema(None)
with_a_key = load_schema([KEY], BEARER)


@without_keys.parametrize()
def test_fuzz_without_keys(case, open_app):
    case.call_and_validate(app=open_app, checks=CHECKS)


@with_a_key.parametrize()
def test_fuzz_with_a_key(case, keyed_app):
    case.call_and_validate(app=keyed_app, checks=CHECKS)


def test_every_route_but_health_wants_the_key(keyed_app):
    """With keys configured, each documented operation answers 401 `{"error"}` to no key, a wrong key and a key
    sent other than as a bearer token, before it looks at the request (no body is sent)."""
    client = TestClient(keyed_app, base_url=BASE_URL, raise_server_exceptions=False)
    operations = [
        (method.upper(), path.replace("{doc_id}", "x"), documented_statuses(op["responses"]))
        for path, ops in keyed_app.openapi()["paths"].items()
        for method, op in ops.items()
    ]
    assert len(operations) >= 10
    for method, path, documented in operations:
        if path == "/api/v1/health":
            assert client.get(path).status_code == 200
            continue
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}, {"X-Api-Key": KEY}):
            response = client.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path, headers, response.status_code, response.text)
            error_contract(response.status_code, response.headers.get("content-type", ""), response.content, documented)


# Requests schemathesis does not generate: it sends only finite numbers and UTF-8-encodable strings.
RAW_REQUESTS = [
    pytest.param("POST", "/api/v1/ask", '{"question": "How many boats?", "k": 1e400}', id="ask-k-1e400"),
    pytest.param("POST", "/api/v1/ask", '{"question": "How many boats?", "k": NaN}', id="ask-k-nan"),
    pytest.param("POST", "/api/v1/ask", '{"question": "\\ud800"}', id="ask-lone-surrogate"),
    pytest.param("POST", "/api/v1/ask/stream", '{"question": "\\udfff boats"}', id="stream-lone-surrogate"),
    pytest.param("GET", "/api/v1/search?q=%ED%A0%80", None, id="search-q-surrogate-bytes"),
    pytest.param("POST", "/api/v1/ask", '{"question": "x", "history": [["a"]]}', id="ask-history-pair"),
    pytest.param("POST", "/api/v1/ask", '{"question": ', id="ask-truncated-json"),
    pytest.param(
        "POST",
        "/v1/chat/completions",
        '{"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}',
        id="chat-text-part-not-a-string",
    ),
    pytest.param(
        "POST",
        "/v1/chat/completions",
        '{"messages": [{"role": "user", "content": [{"type": "text", "text": "\\ud800"}]}]}',
        id="chat-lone-surrogate",
    ),
    pytest.param(
        "POST",
        "/v1/chat/completions",
        '{"messages": [{"role": "user", "content": ["How many boats?"]}]}',
        id="chat-part-not-an-object",
    ),
]


def check_response(app, method: str, path: str, response) -> None:
    """`not_a_server_error` and `error_contract` for a request sent outside schemathesis."""
    assert response.status_code < 500, (method, path, response.status_code, response.text[:300])
    route = app.openapi()["paths"][path.split("?")[0]][method.lower()]
    content_type = response.headers.get("content-type", "")
    error_contract(response.status_code, content_type, response.content, documented_statuses(route["responses"]))


@pytest.fixture(scope="module")
def client(open_app):
    return TestClient(open_app, base_url=BASE_URL, raise_server_exceptions=False)


@pytest.mark.parametrize(("method", "path", "body"), RAW_REQUESTS)
def test_requests_the_generator_cannot_make(open_app, client, method, path, body):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    check_response(open_app, method, path, client.request(method, path, content=body, headers=headers))


def test_a_body_over_the_cap_is_413_json(open_app, client):
    body = json.dumps({"question": "boats " * (700 << 10)})  # 4.2 MB
    response = client.post("/api/v1/ask", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413, (response.status_code, response.text[:300])
    check_response(open_app, "POST", "/api/v1/ask", response)


# Schemathesis sends the OpenAPI 3.1 file parts as files named "files" (no extension), which are always refused;
# here the names have the extensions Citewise reads, the contents are arbitrary (uploads are added to the store
# last, so the fuzzing above sees only the fixture's documents).
UPLOADS = st.lists(
    st.tuples(
        st.sampled_from(["a.txt", "b.md", "c.html", "d.pdf", "e.docx", "f.exe", ".txt", "../g.txt"]),
        st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)),
    ),
    min_size=1,
    max_size=3,
)


@hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None)
@hypothesis.given(uploads=UPLOADS)
def test_uploads_of_arbitrary_bytes(open_app, client, uploads):
    files = [("files", (name, data, "application/octet-stream")) for name, data in uploads]
    check_response(open_app, "POST", "/api/v1/documents", client.post("/api/v1/documents", files=files))
