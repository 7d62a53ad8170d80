"""No single point of stall (issue 21): library changes run one at a time in their own queue, uploads whose
client left before their turn are dropped, and questions and health checks answer at once while a long
ingestion runs."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from helpers.fakes import HashingEmbeddings
from helpers.stores import answering_store
from ui.ingest_queue import IngestQueue, QueueFull

TEXTS = {"harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890."}


def test_a_waiting_job_whose_client_left_never_runs_and_the_queue_has_a_bound(tmp_path, fake_embeddings):
    assistant = answering_store(tmp_path, fake_embeddings, TEXTS)
    queue = IngestQueue(assistant, max_waiting=2)
    release, ran = threading.Event(), []
    first = queue.submit(lambda: release.wait(10) and ran.append("first"))
    time.sleep(0.1)  # the first job is running now
    second = queue.submit(lambda: ran.append("second"))
    queue.submit(lambda: ran.append("third"))
    with pytest.raises(QueueFull):
        queue.submit(lambda: ran.append("fourth"))

    async def gone() -> bool:
        return True

    assert asyncio.run(queue.wait(second, gone)) is None  # dropped while waiting
    release.set()
    first.result(5)
    time.sleep(0.2)
    assert ran == ["first", "third"] and second.cancelled() and queue.waiting == 0


class SlowEmbeddings(HashingEmbeddings):
    """Encodes documents slowly (a big ingestion), queries at full speed."""

    def encode(self, texts):
        if len(texts) > 1 or (texts and len(texts[0]) > 200):
            time.sleep(0.02 * len(texts))
        return super().encode(texts)


def test_questions_and_health_answer_at_once_during_a_long_ingestion_and_left_uploads_are_dropped(tmp_path):
    from ui.settings import AppSettings
    from ui.web import launch

    assistant = answering_store(tmp_path, SlowEmbeddings(), TEXTS)
    server = launch(AppSettings(store=assistant.settings.storage.path, port=0), assistant=assistant, block=False)
    base = f"http://127.0.0.1:{server.config.port}"
    long_text = "\n\n".join(f"Paragraph {i} tells of tide number {i} at the old pier." * 3 for i in range(1500))
    try:
        with ThreadPoolExecutor(8) as pool:
            big = pool.submit(
                httpx.post,
                f"{base}/api/v1/documents",
                files=[("files", ("tides.txt", long_text.encode(), "text/plain"))],
                timeout=300,
            )
            time.sleep(1.0)  # the big upload is being embedded now

            def impatient(number: int):
                files = [("files", (f"note-{number}.txt", f"Note {number} about gulls.".encode(), "text/plain"))]
                try:
                    httpx.post(f"{base}/api/v1/documents", files=files, timeout=0.5)
                except httpx.TimeoutException:
                    return "gave up"
                return "answered"

            left = list(pool.map(impatient, range(12)))
            slowest = 0.0
            while not big.done():
                for method, path, body in (
                    ("GET", "/api/v1/health", None),
                    ("POST", "/api/v1/ask", {"question": "How many fishing boats?"}),
                    ("GET", "/api/v1/documents", None),
                ):
                    started = time.monotonic()
                    response = httpx.request(method, base + path, json=body, timeout=5)
                    slowest = max(slowest, time.monotonic() - started)
                    assert response.status_code == 200
                time.sleep(0.2)
            assert big.result().status_code == 200
        assert left == ["gave up"] * 12
        assert slowest < 1.0, f"a read waited {slowest:.2f} s behind the ingestion"
        time.sleep(1.0)
        titles = {d.title for d in assistant.documents()}
        assert not any(t.startswith("Note") for t in titles)  # the uploads whose clients left were dropped
    finally:
        server.should_exit = True
