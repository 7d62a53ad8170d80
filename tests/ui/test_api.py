"""The HTTP API beside the web UI: REST under /api/v1 with the DESIGN.md JSON, JSON errors with the right
status, bearer keys, and an OpenAI-compatible chat endpoint that the real `openai` client can use, streaming
included, against a running server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from helpers.fakes import StillLoadingEmbeddings
from helpers.stores import answering_store
from index.encoder_protocols import PreloadingEncoder
from ui.api import create_api

KEY = "s3cret-key"
TEXTS = {
    "harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890.",
    "ferry.txt": "Osterby ferry\n\nThe Osterby ferry sails at dawn and carries twelve cars to Kelso.",
}
BEARER = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def assistant(tmp_path, fake_embeddings):
    return answering_store(tmp_path, fake_embeddings, TEXTS)


@pytest.fixture
def client(assistant):
    return TestClient(create_api(assistant, [KEY]), base_url="http://127.0.0.1")


def test_health_is_open_and_everything_else_needs_the_key(client):
    assert client.get("/api/v1/health").json()["status"] == "ok"
    for method, path in (("get", "/api/v1/documents"), ("post", "/api/v1/ask"), ("get", "/v1/models")):
        response = getattr(client, method)(path, headers={"Authorization": "Bearer wrong"})
        assert response.status_code == 401 and "API key" in response.json()["error"]
    assert client.get("/api/v1/documents", headers=BEARER).status_code == 200


def test_ask_returns_the_answer_json_and_its_quotes_check_against_the_text_endpoint(client):
    answer = client.post("/api/v1/ask", json={"question": "How many fishing boats?"}, headers=BEARER).json()
    assert {"question", "answer", "abstained", "citations", "conflicts", "passages", "timings_ms"} <= set(answer)
    assert "37" in answer["answer"] and answer["citations"]
    for citation in answer["citations"]:
        span = client.get(
            f"/api/v1/documents/{citation['doc_id']}/text",
            params={"start": citation["start"], "end": citation["end"]},
            headers=BEARER,
        ).json()
        assert span["text"] == citation["quote"]
    whole = client.get(f"/api/v1/documents/{answer['citations'][0]['doc_id']}/text", headers=BEARER).json()
    assert whole["text"] in TEXTS.values()


def test_errors_are_json_with_the_right_status(client):
    assert client.post("/api/v1/ask", json={"question": "   "}, headers=BEARER).status_code == 400
    assert client.post("/api/v1/ask", json={"question": "x", "mode": "poem"}, headers=BEARER).status_code == 400
    missing = client.get("/api/v1/documents/nope/text", headers=BEARER)
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    assert client.delete("/api/v1/documents/nope", headers=BEARER).status_code == 404
    doc_id = client.get("/api/v1/documents", headers=BEARER).json()["documents"][0]["doc_id"]
    bad = client.get(f"/api/v1/documents/{doc_id}/text", params={"start": 5, "end": 10**6}, headers=BEARER)
    assert bad.status_code == 400 and "end" in bad.json()["error"]


def test_upload_search_and_delete(client, assistant):
    files = [
        ("files", ("../../etc/zebra census.txt", b"Zebra census\n\nThe census counted 4,321 zebras.", "text/plain")),
        ("files", ("macro.xlsm", b"PK\x03\x04", "application/octet-stream")),
    ]
    report = client.post("/api/v1/documents", files=files, headers=BEARER).json()
    (added,) = report["added"]
    assert added["path"].endswith("/uploads/zebra census.txt")
    assert report["failed"][0]["path"] == "macro.xlsm" and "not supported" in report["failed"][0]["reason"]
    passages = client.get("/api/v1/search", params={"q": "zebras census", "k": 2}, headers=BEARER).json()["passages"]
    assert passages[0]["doc_id"] == added["doc_id"]
    limit = assistant.settings.ingest.max_file_bytes
    big = [("files", ("big.txt", b"word " * (limit // 5 + 1), "text/plain"))]
    assert client.post("/api/v1/documents", files=big, headers=BEARER).status_code == 413
    record = client.get(f"/api/v1/documents/{added['doc_id']}", headers=BEARER).json()
    assert record["title"] == "Zebra census" and record["chunks"] >= 1
    assert client.delete(f"/api/v1/documents/{added['doc_id']}", headers=BEARER).json()["removed"] == [added["doc_id"]]
    assert client.get(f"/api/v1/documents/{added['doc_id']}", headers=BEARER).status_code == 404
    assert client.get(f"/api/v1/documents/{added['doc_id']}/text", headers=BEARER).status_code == 404


def test_ask_stream_sends_text_then_the_answer(client):
    with client.stream("POST", "/api/v1/ask/stream", json={"question": "How many yachts?"}, headers=BEARER) as r:
        events = [block for block in r.read().decode().split("\n\n") if block.strip()]
    kinds = [block.split("\n")[0] for block in events]
    assert kinds[-1] == "event: answer" and set(kinds[:-1]) <= {"event: text"} and len(kinds) >= 2
    final = json.loads(events[-1].split("data: ", 1)[1])
    assert "12" in final["answer"] and final["citations"]


def test_openai_client_against_a_running_server(assistant, capfd, caplog):
    """The real `openai` package talks to a real server on 127.0.0.1: a completion whose text carries [n] markers
    and whose `citewise` field holds the citations, and the same streamed."""
    openai = pytest.importorskip("openai")
    from ui.settings import AppSettings
    from ui.web import launch

    settings = AppSettings(store=assistant.settings.storage.path, port=0, api_keys=KEY)
    server = launch(settings, assistant=assistant, block=False)
    try:
        port = server.config.port
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0)
        assert [m.id for m in client.models.list()] == ["citewise"]
        completion = client.chat.completions.create(
            model="citewise", messages=[{"role": "user", "content": "How many fishing boats?"}]
        )
        text = completion.choices[0].message.content
        extra = completion.model_extra["citewise"]
        assert "37" in text and "[1]" in text and extra["citations"][0]["n"] == 1
        stream = client.chat.completions.create(
            model="citewise", messages=[{"role": "user", "content": "How many yachts?"}], stream=True
        )
        chunks = list(stream)
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert "12" in streamed and chunks[-1].model_extra["citewise"]["citations"]
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="wrong", max_retries=0).models.list()
    finally:
        server.should_exit = True
    captured = capfd.readouterr()
    assert KEY not in captured.out + captured.err + caplog.text  # keys never reach the logs


def test_while_the_model_loads_questions_get_503_and_health_says_loading(tmp_path):
    """A server started before its encoder finished loading answers at once instead of hanging."""
    assistant = answering_store(tmp_path, StillLoadingEmbeddings(), TEXTS)
    assert isinstance(assistant.embeddings, PreloadingEncoder) and not assistant.ready
    client = TestClient(create_api(assistant), base_url="http://127.0.0.1")
    assert client.get("/api/v1/health").json()["status"] == "loading"
    response = client.post("/api/v1/ask", json={"question": "How many fishing boats?"})
    assert response.status_code == 503 and "loading" in response.json()["error"]
    assistant.embeddings.loaded = True
    assert client.post("/api/v1/ask", json={"question": "How many fishing boats?"}).status_code == 200


def test_bad_input_is_a_400_with_an_error_never_a_500_or_a_422(client):
    """Each of these answered 500 or 422 {"detail"} before (issue 21): an unpaired surrogate reached the
    tokenizer, an infinite k could not be written back as JSON, a number as a content part's text was joined."""
    for body in (
        {"question": "\ud800"},
        {"question": "How many boats?", "k": 1e400},
        {"question": "How many boats?", "history": [["\udfff", "x"]]},
        {"question": 5},
        {},
    ):
        response = client.post(
            "/api/v1/ask", content=json.dumps(body), headers=BEARER | {"content-type": "application/json"}
        )
        assert response.status_code == 400, (body, response.text)
        assert set(response.json()) == {"error"} and response.json()["error"]
    chat = client.post(
        "/v1/chat/completions",
        json={"model": "citewise", "messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]},
        headers=BEARER,
    )
    assert chat.status_code == 400 and "error" in chat.json()
    parts = client.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": [{"type": "text", "text": "How many yachts?"}]}]},
        headers=BEARER,
    )
    assert parts.status_code == 200 and "12" in parts.json()["choices"][0]["message"]["content"]
    assert client.post("/api/v1/ask", content=b"{not json", headers=BEARER).status_code == 400


def test_an_upload_whose_every_file_is_refused_is_a_400_and_leaves_no_file_behind(client, assistant):
    from ui.uploads import uploads_folder

    uploads = uploads_folder(assistant.settings.storage.path)
    before = set(uploads.iterdir()) if uploads.exists() else set()
    files = [
        ("files", ("macro.xlsm", b"PK\x03\x04", "application/octet-stream")),
        ("files", ("broken.pdf", b"%PDF-1.4 this is no PDF", "application/pdf")),
    ]
    response = client.post("/api/v1/documents", files=files, headers=BEARER)
    assert response.status_code == 400
    body = response.json()
    assert "no file was indexed" in body["error"] and {f["path"].rsplit("/", 1)[-1] for f in body["failed"]} == {
        "macro.xlsm",
        "broken.pdf",
    }
    assert (set(uploads.iterdir()) if uploads.exists() else set()) == before  # the broken PDF was not kept


def test_deleting_an_uploaded_document_deletes_its_uploaded_file(client, assistant):
    files = [("files", ("owl survey.txt", b"Owl survey\n\nWe counted 14 barn owls in the old mill.", "text/plain"))]
    (added,) = client.post("/api/v1/documents", files=files, headers=BEARER).json()["added"]
    from pathlib import Path

    assert Path(added["path"]).is_file()
    assert client.delete(f"/api/v1/documents/{added['doc_id']}", headers=BEARER).status_code == 200
    assert not Path(added["path"]).exists()
    assert all(Path(p).is_file() for r in assistant.documents() for p in r.sources)  # the user's own files stay


def test_search_takes_the_metadata_filters_as_query_parameters(client):
    """GET /api/v1/search?source=... searches only the matching documents; an unreadable date is a 400 naming the
    filter (the message of rag.retrieval.filters, as from Python, the CLI and MCP)."""
    every = client.get("/api/v1/search", params={"q": "harbour ferry", "k": 5}, headers=BEARER).json()["passages"]
    assert {p["source"].rsplit("/", 1)[-1] for p in every} == {"harbour.txt", "ferry.txt"}
    only = client.get("/api/v1/search", params={"q": "harbour ferry", "source": "ferry"}, headers=BEARER)
    assert only.status_code == 200
    assert {p["source"].rsplit("/", 1)[-1] for p in only.json()["passages"]} == {"ferry.txt"}
    ferry_id = only.json()["passages"][0]["doc_id"]
    chosen = client.get("/api/v1/search", params={"q": "boats", "documents": [ferry_id]}, headers=BEARER).json()
    assert {p["doc_id"] for p in chosen["passages"]} == {ferry_id}
    bad = client.get("/api/v1/search", params={"q": "boats", "after": "notadate"}, headers=BEARER)
    assert bad.status_code == 400 and bad.json() == {
        "error": "filter after must be a date such as 2022-09-30, got 'notadate'"
    }
    nothing = client.get("/api/v1/search", params={"q": "boats", "author": "Nobody"}, headers=BEARER)
    assert nothing.status_code == 400 and "no indexed document matches the filters author='Nobody'" in nothing.text


def test_ask_body_filters_are_checked_with_the_same_messages(client):
    for filters, message in (
        ({"publisher": "x"}, "unknown filter publisher; filters are title, source, author, after, before"),
        ({"before": "soon"}, "filter before must be a date such as 2022-09-30, got 'soon'"),
    ):
        response = client.post("/api/v1/ask", json={"question": "How many boats?", "filters": filters}, headers=BEARER)
        assert response.status_code == 400 and response.json() == {"error": message}
    answer = client.post(
        "/api/v1/ask", json={"question": "How many boats?", "filters": {"source": "harbour"}}, headers=BEARER
    ).json()
    assert "37" in answer["answer"] and {c["source"].rsplit("/", 1)[-1] for c in answer["citations"]} == {"harbour.txt"}


def test_a_broken_store_answers_503(tmp_path, fake_embeddings):
    """A real store failure: the catalog's table of documents is gone (another program damaged the file), reading
    it fails with a StoreError, and the API says the service is unavailable rather than that the request was bad."""
    import sqlite3

    from rag import Assistant

    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings)
    with sqlite3.connect(assistant.library.database.url.database) as other:
        other.execute("DROP TABLE documents")
    client = TestClient(create_api(assistant), base_url="http://127.0.0.1")
    response = client.get("/api/v1/documents")
    assert response.status_code == 503 and "cannot read database sqlite:///" in response.json()["error"]


def test_unknown_documents_and_bad_questions_answer_with_their_class_status(client):
    assert client.get("/api/v1/documents/nope", headers=BEARER).status_code == 404
    assert client.post("/api/v1/ask", json={"question": "\x00"}, headers=BEARER).status_code == 400
    long = client.post("/api/v1/ask", json={"question": "x" * 2500}, headers=BEARER)
    assert long.status_code == 400 and "the limit is 2,000" in long.json()["error"]
    chat = client.post(
        "/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]}, headers=BEARER
    )
    assert chat.status_code == 400 and "non-empty user message" in chat.json()["error"]


@pytest.mark.parametrize(
    "error",
    ["StoreError", "UnknownDocumentError", "QuestionError", "ModelTimeout", "ModelUnreachable", "ModelNotConfigured"],
)
def test_the_status_is_the_error_class_s_own(assistant, monkeypatch, error):
    """Whatever a route calls raises, the answer is {"error": message} with the class's http_status: no table of
    statuses at the edge."""
    import index.errors
    import rag.errors

    kind = getattr(index.errors, error, None) or getattr(rag.errors, error)

    def fail(*args, **kwargs):
        raise kind("it went wrong here")

    monkeypatch.setattr(assistant, "search", fail)
    client = TestClient(create_api(assistant), base_url="http://127.0.0.1")
    response = client.get("/api/v1/search", params={"q": "boats"})
    assert response.status_code == kind.http_status and response.json() == {"error": "it went wrong here"}


def test_an_unexpected_exception_is_a_500_with_a_json_error(assistant, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(assistant, "search", fail)
    client = TestClient(create_api(assistant), base_url="http://127.0.0.1", raise_server_exceptions=False)
    response = client.get("/api/v1/search", params={"q": "boats"})
    assert response.status_code == 500 and "RuntimeError" in response.json()["error"]
    assert "secret detail" not in response.text


class BreaksMidStream:
    """A chain whose store fails after the first piece of text was sent."""

    def stream(self, turn):
        yield "The harbour "
        from index.errors import StoreError

        raise StoreError("the vector store went away")


def test_a_stream_that_fails_after_it_began_ends_with_an_error_event(client, assistant, monkeypatch):
    """The status line (200) is sent with the first event; a later failure is the stream's last event, carrying
    the error class's status, for SSE and for the OpenAI-compatible stream alike."""
    monkeypatch.setattr(assistant, "pipeline", BreaksMidStream())
    with client.stream("POST", "/api/v1/ask/stream", json={"question": "How many yachts?"}, headers=BEARER) as r:
        events = [block for block in r.read().decode().split("\n\n") if block.strip()]
    assert events[0].startswith("event: text") and events[-1].startswith("event: error")
    assert json.loads(events[-1].split("data: ", 1)[1]) == {"error": "the vector store went away", "status": 503}
    chat = {"messages": [{"role": "user", "content": "How many yachts?"}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=chat, headers=BEARER) as r:
        lines = [line for line in r.read().decode().split("\n\n") if line.strip()]
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2].removeprefix("data: ")) == {
        "error": {"message": "the vector store went away", "code": 503}
    }
