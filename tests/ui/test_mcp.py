"""`citewise mcp` over stdio, driven by the MCP SDK's own client: the tools search, ask and get_passage, and a
cited quote that get_passage returns verbatim and that stands in the source file."""

from __future__ import annotations

import asyncio
import json

import pytest

from helpers.cli import CITEWISE, cli_env, run_cli
from helpers.corpora import DEMO_CORPUS

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def result_data(result) -> dict:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def test_mcp_tools_over_stdio(tmp_path):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    store = tmp_path / "store"
    run_cli("ingest", DEMO_CORPUS, "--store", store)
    server = StdioServerParameters(command=CITEWISE, args=["mcp", "--store", str(store)], env=cli_env())

    async def session():
        # The server's stderr goes to a file: stdio_client's default is the sys.stderr of when mcp was first
        # imported, which under pytest may be an earlier test's closed capture.
        with (tmp_path / "mcp-server.log").open("w") as errlog:
            async with Client(stdio_client(server, errlog=errlog), read_timeout_seconds=120) as client:
                return await calls(client)

    async def calls(client):
        tools = {tool.name for tool in (await client.list_tools()).tools}
        passages = result_data(await client.call_tool("search", {"query": "reservists", "k": 3}))
        answer = result_data(await client.call_tool("ask", {"question": "How many reservists were called up?"}))
        first = answer["citations"][0]
        span = {"doc_id": first["doc_id"], "start": first["start"], "end": first["end"]}
        passage = result_data(await client.call_tool("get_passage", span))
        bad = await client.call_tool("get_passage", {**span, "end": 10**9})
        return tools, passages, answer, passage, bad

    tools, passages, answer, passage, bad = asyncio.run(session())
    assert tools == {"search", "ask", "get_passage"}
    assert len(passages["passages"]) == 3
    assert "300,000" in answer["answer"] and not answer["abstained"]
    assert passage["text"] == answer["citations"][0]["quote"]
    source = next(p for p in DEMO_CORPUS.glob("*.txt") if p.name in passage["source"])
    assert passage["text"] in source.read_text()
    assert bad.is_error


def test_mcp_over_streamable_http_on_loopback_behind_the_key(tmp_path):
    """With CITEWISE_API_KEYS, MCP over HTTP needs the key like every other route (issue 21); the SDK's own
    client sends it as a bearer header. A user's key (issue 24) acts there too, in the collections its user may
    read only, until revoked."""
    import subprocess

    import httpx
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    from conftest import free_port, wait_for_port
    from index.accounts import Accounts
    from index.collections import Collections
    from index.db import open_database

    store = tmp_path / "store"
    run_cli("ingest", DEMO_CORPUS, "--store", store)
    database = open_database(f"sqlite:///{store}/citewise.db", store, 0.0, 1, True)
    accounts = Accounts(database)
    accounts.add_user("reader", "a long password")
    accounts.add_user("outsider", "a long password")
    Collections(database).grant("default", "reader", "reader")
    user_key, outsider_key = accounts.create_key("reader"), accounts.create_key("outsider")
    port = free_port()
    process = subprocess.Popen(
        [CITEWISE, "mcp", "--store", str(store), "--port", str(port)],
        env=cli_env(CITEWISE_API_KEYS="mcp-key-3"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, seconds=120)
        url = f"http://127.0.0.1:{port}/mcp"
        refused = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30)
        assert refused.status_code == 401 and "API key" in refused.json()["error"]
        rebound = httpx.post(url, json={}, headers={"Host": "evil.example"}, timeout=30)
        assert rebound.status_code == 400

        async def session(key: str):
            http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
            async with Client(streamable_http_client(url, http_client=http), read_timeout_seconds=120) as client:
                return await client.call_tool("ask", {"question": "Who ordered the mobilization?"})

        for key in ("mcp-key-3", user_key.key):
            answer = result_data(asyncio.run(session(key)))
            assert "Putin" in answer["answer"] and answer["citations"]
        refused_tool = asyncio.run(session(outsider_key.key))  # no grant: as if there were no such collection
        assert refused_tool.is_error and "no collection is called 'default'" in refused_tool.content[0].text
        assert "Putin" not in refused_tool.content[0].text
        accounts.revoke_key(user_key.id)
        revoked = httpx.post(url, json={}, headers={"Authorization": f"Bearer {user_key.key}"}, timeout=30)
        assert revoked.status_code == 401
    finally:
        process.kill()
        process.wait(timeout=30)
