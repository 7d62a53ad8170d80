"""The MCP tools called in process through the built server (the SDK's own `call_tool`, arguments validated by its
schema): filters and document ids restrict `search` and `ask`, and a Citewise error reaches the agent as its
message (the SDK would hide the text of any other exception)."""

from __future__ import annotations

import asyncio
import json

import pytest

from helpers.stores import answering_store
from ui.mcp_server import build_server

TEXTS = {
    "harbour.txt": "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890.",
    "ferry.txt": "Osterby ferry\n\nThe Osterby ferry sails at dawn and carries twelve cars to Kelso.",
}


@pytest.fixture
def server(tmp_path, fake_embeddings):
    return build_server(answering_store(tmp_path, fake_embeddings, TEXTS))


def call(server, tool: str, arguments: dict):
    """The tool's JSON result, or the ToolError it raised."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        result = asyncio.run(server.call_tool(tool, arguments))
    except ToolError as exc:
        return exc
    return result.structured_content or json.loads(result.content[0].text)


def sources(passages: list[dict]) -> set[str]:
    return {p["source"].rsplit("/", 1)[-1] for p in passages}


def test_search_and_ask_take_filters_and_documents(server):
    assert sources(call(server, "search", {"query": "harbour ferry", "k": 5})["passages"]) == {
        "harbour.txt",
        "ferry.txt",
    }
    found = call(server, "search", {"query": "harbour ferry", "filters": {"source": "ferry"}})
    assert sources(found["passages"]) == {"ferry.txt"}
    ferry_id = found["passages"][0]["doc_id"]
    assert sources(call(server, "search", {"query": "boats", "documents": [ferry_id]})["passages"]) == {"ferry.txt"}
    answer = call(server, "ask", {"question": "How many fishing boats?", "filters": {"source": "harbour"}})
    assert "37" in answer["answer"] and sources(answer["citations"]) == {"harbour.txt"}


def test_bad_filters_and_spans_are_reported_by_their_message(server):
    bad_date = call(server, "search", {"query": "boats", "filters": {"after": "notadate"}})
    assert "filter after must be a date such as 2022-09-30, got 'notadate'" in str(bad_date)
    unknown = call(server, "ask", {"question": "How many boats?", "filters": {"publisher": "x"}})
    assert "unknown filter publisher" in str(unknown)
    empty = call(server, "ask", {"question": "   "})
    assert "the question is empty" in str(empty)
    doc_id = call(server, "search", {"query": "boats", "k": 1})["passages"][0]["doc_id"]
    span = call(server, "get_passage", {"doc_id": doc_id, "start": 0, "end": 10**9})
    assert "start and end must satisfy" in str(span)
    assert "no indexed document has the id 'nope'" in str(
        call(server, "get_passage", {"doc_id": "nope", "start": 0, "end": 1})
    )
