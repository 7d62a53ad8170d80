"""The real OpenAI client (langchain-openai) against a loopback server that plays scripted replies."""

from __future__ import annotations

import time

import pytest

from conftest import free_port
from helpers.corpora import copy_demo
from helpers.openai_server import ScriptedServer
from rag import Assistant

pytestmark = pytest.mark.integration

QUESTION = "How many reservists were called up?"


def number_of(passages: list[str], needle: str) -> int:
    return next(i for i, text in enumerate(passages, start=1) if needle in text)


def not_number_of(passages: list[str], needle: str) -> int:
    return next(i for i, text in enumerate(passages, start=1) if needle not in text)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from helpers.fakes import HashingEmbeddings

    root = tmp_path_factory.mktemp("llm")
    Assistant.open(store=root / "store", embeddings=HashingEmbeddings()).ingest([copy_demo(root / "docs")])
    return root / "store"


@pytest.fixture
def server():
    with ScriptedServer() as running:
        yield running


def assistant_for(store, url: str, timeout: float = 5.0) -> Assistant:
    from helpers.fakes import HashingEmbeddings

    return Assistant.open(
        store=store,
        embeddings=HashingEmbeddings(),
        llm="openai:scripted",
        llm_base_url=url,
        llm_timeout=timeout,
        abstain_threshold=0.25,
    )


def test_unsupported_second_sentence_is_caught(store, server):
    server.script(
        lambda p, q: (
            # Quoted, so that the fake encoder of this test cannot weigh on it (the paraphrase case is in
            # tests/rag/test_support.py, with the real encoder).
            f"Putin ordered Russia's first mobilization since the Second World War "
            f"[{number_of(p, '300,000 reserves')}]. "
            f"It called up 300,000 reserves [{not_number_of(p, '300,000 reserves')}]."
        )
    )
    answer = assistant_for(store, server.url).ask(QUESTION)
    assert answer.mode == "llm"
    assert [c.supported for c in answer.citations] == [True, False]
    assert answer.unsupported_sentences == 1
    assert server.requests[0]["model"] == "scripted"


def test_streamed_reply_over_sse(store, server):
    server.script(lambda p, q: f"The minister said 300,000 reserves [{number_of(p, '300,000 reserves')}].")
    events = list(assistant_for(store, server.url).stream(QUESTION))
    assert len(events) > 3 and events[-1].citations[0].supported
    assert server.requests[0]["stream"] is True


def test_marker_past_the_last_passage(store, server):
    server.script(lambda p, q: f"Putin ordered it [{len(p) + 2}].")
    answer = assistant_for(store, server.url).ask(QUESTION)
    assert not answer.citations and any(f"[{len(answer.passages[:5]) + 2}]" in n for n in answer.notices)


def test_reply_without_markers(store, server):
    server.script(lambda p, q: "Many reserves were called up.")
    answer = assistant_for(store, server.url).ask(QUESTION)
    assert answer.uncited_sentences == 1 and not answer.citations


def test_slow_reply_times_out_and_falls_back(store, server):
    server.script(lambda p, q: "Too late [1].", delay=4.0)
    started = time.perf_counter()
    answer = assistant_for(store, server.url, timeout=1.0).ask(QUESTION)
    assert time.perf_counter() - started < 3.5
    assert answer.mode == "extractive" and any("timed out" in n for n in answer.notices)


def test_unreachable_server_falls_back(store):
    answer = assistant_for(store, f"http://127.0.0.1:{free_port()}/v1").ask(QUESTION)
    assert answer.mode == "extractive" and any("could not be reached" in n for n in answer.notices)
