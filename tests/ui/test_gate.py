"""The one door (issue 21): against a real `citewise serve` on 127.0.0.1 with an API key and no --auth, every
route, the web UI's own Gradio routes included, needs the key or a signed-in session; foreign Host names and
cross-site requests are refused; bodies are refused by their declared size before they are read, and cut off
at the limit while streaming; every response carries security headers."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from helpers.stores import answering_store

KEY = "gate-test-key-5f1c"
TEXTS = {
    "harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890.",
    "ferry.txt": "Osterby ferry\n\nThe Osterby ferry sails at dawn and carries twelve cars to Kelso.",
}
BEARER = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def server(tmp_path, fake_embeddings):
    from ui.settings import AppSettings
    from ui.web import launch

    assistant = answering_store(tmp_path, fake_embeddings, TEXTS)
    settings = AppSettings(
        store=assistant.settings.storage.path, port=0, api_keys=KEY, max_request_kb=64, max_upload_mb=1
    )
    running = launch(settings, assistant=assistant, block=False)
    yield f"http://127.0.0.1:{running.config.port}", assistant
    running.should_exit = True


def test_a_key_closes_every_route_of_the_web_ui_too(server):
    """Each of these answered without a key before: document titles in /config, answers from the queue's
    call route, uploads, page images."""
    base, assistant = server
    with httpx.Client(base_url=base, timeout=20) as client:
        for method, path in (
            ("GET", "/config"),
            ("GET", "/gradio_api/info"),
            ("POST", "/gradio_api/call/respond"),
            ("POST", "/gradio_api/queue/join"),
            ("POST", "/gradio_api/upload"),
            ("GET", f"/gradio_api/file={assistant.settings.storage.path}/pages/0/1.png"),
            ("GET", "/api/v1/documents"),
            ("GET", "/api/docs"),
            ("GET", "/v1/models"),
        ):
            response = client.request(method, path, json={"data": ["How many fishing boats?"]})
            assert response.status_code == 401, (method, path, response.status_code)
            assert "API key" in response.json()["error"]
            assert "harbour" not in response.text.lower()
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert client.get("/api/v1/health").json() == {"status": "ok"}  # nothing about the documents
        assert client.get("/config", headers=BEARER).status_code == 200
        assert client.get("/api/v1/health", headers=BEARER).json()["documents"] == 2


def test_sign_in_opens_the_ui_and_sign_out_closes_it(server):
    base, _ = server
    with httpx.Client(base_url=base, timeout=20) as client:
        form = client.get("/login?next=/")
        assert form.status_code == 200 and 'name="password"' in form.text
        wrong = client.post("/login", data={"password": "nope", "next": "/"})
        assert wrong.status_code == 401 and "citewise_session" not in wrong.headers.get("set-cookie", "")
        signed = client.post("/login", data={"password": KEY, "next": "/?tab=1"})
        assert signed.status_code == 303 and signed.headers["location"] == "/?tab=1"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and KEY not in cookie
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
        assert client.get("/config").status_code == 200
        documents = client.get("/api/v1/documents").json()  # the session opens the library, through its own call
        assert "Osterby ferry" in json.dumps(documents)
        client.get("/logout")
        assert client.get("/config").status_code == 401


def test_sign_in_never_redirects_off_site_and_failures_are_rate_limited(server):
    base, _ = server
    with httpx.Client(base_url=base, timeout=20) as client:
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            response = client.post("/login", data={"password": KEY, "next": target})
            assert response.headers["location"] == "/"
    with httpx.Client(base_url=base, timeout=20) as client:
        statuses = [client.post("/login", data={"password": f"guess-{i}"}).status_code for i in range(7)]
        assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
        # Even the right key waits now: a guesser cannot tell a hit from a lock-out.
        locked = client.post("/login", data={"password": KEY})
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


def test_foreign_hosts_and_cross_site_requests_are_refused(server):
    """DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own name as Host."""
    base, _ = server
    with httpx.Client(base_url=base, timeout=20) as client:
        rebound = client.get(
            "/config", headers={**BEARER, "Host": "evil.example:7860", "Origin": "http://evil.example:7860"}
        )
        assert rebound.status_code == 400 and "access-control-allow-origin" not in rebound.headers
        cross = client.post(
            "/api/v1/ask", json={"question": "How many yachts?"}, headers={**BEARER, "Origin": "http://evil.example"}
        )
        assert cross.status_code == 403 and "access-control-allow-origin" not in cross.headers
        same = client.post("/api/v1/ask", json={"question": "How many yachts?"}, headers={**BEARER, "Origin": base})
        assert same.status_code == 200
        assert client.get("/api/v1/health", headers={"Host": "localhost"}).status_code == 200


def test_every_response_has_security_headers(server):
    base, _ = server
    with httpx.Client(base_url=base, timeout=20) as client:
        for response in (client.get("/", headers=BEARER), client.get("/api/v1/health"), client.get("/login")):
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def _raw_request(base: str, head: str, body_chunks, pause: float = 0.0) -> tuple[str, int]:
    """Send a request by hand; returns the status line and how many body bytes went out before the answer."""
    host, port = base.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(head.encode())
        sock.setblocking(False)
        answer = b""
        for chunk in body_chunks:
            try:
                answer += sock.recv(65536)
            except BlockingIOError:
                pass
            if answer:
                break
            try:
                sock.sendall(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            time.sleep(pause)
        sock.setblocking(True)
        deadline = time.monotonic() + 20
        while b"\r\n" not in answer and time.monotonic() < deadline:
            answer += sock.recv(65536)
    return answer.split(b"\r\n", 1)[0].decode(), sent


def test_no_body_is_read_before_the_key_check_or_past_the_limit(server):
    """500 MB announced without a key: 401 before any of it is sent. With the key: 413 at once from the length,
    and a chunked body with no length is cut off once it passes the limit (64 KiB here)."""
    base, _ = server
    head = "POST /api/v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    status, sent = _raw_request(base, head + "Content-Length: 500000000\r\n\r\n", [b""])
    assert status.startswith("HTTP/1.1 401") and sent == 0
    keyed = head + f"Authorization: Bearer {KEY}\r\n"
    status, _ = _raw_request(base, keyed + "Content-Length: 500000000\r\n\r\n", [b""])
    assert status.startswith("HTTP/1.1 413")
    piece = b" " * 16384
    chunks = (f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for _ in range(2000))  # 32 MB offered
    status, sent = _raw_request(base, keyed + "Transfer-Encoding: chunked\r\n\r\n", chunks, pause=0.001)
    assert status.startswith("HTTP/1.1 413") and sent < 4_000_000
    upload = "POST /api/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
    status, sent = _raw_request(base, upload + f"Authorization: Bearer {KEY}\r\nContent-Length: 2000000\r\n\r\n", [b""])
    assert status.startswith("HTTP/1.1 413") and sent == 0
