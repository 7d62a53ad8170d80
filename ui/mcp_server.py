"""Citewise as an MCP server (the official `mcp` SDK): tools `search`, `ask` and `get_passage`, over stdio, or
over streamable HTTP on 127.0.0.1 when a port is given. Every result is the JSON of DESIGN.md, so an agent can
check a citation's quote with `get_passage` against the exact stored text."""

from __future__ import annotations

from rag import Assistant


def build_server(assistant: Assistant):
    from mcp.server.mcpserver import MCPServer

    server = MCPServer(
        name="citewise",
        instructions=(
            "Answers questions about the user's own documents with citations: each citation is an exact span "
            "(doc_id, start, end) whose quote get_passage returns verbatim with its page."
        ),
        log_level="WARNING",
    )

    @server.tool()
    def search(query: str, k: int | None = None) -> dict:
        """Ranked passages of the user's documents for a query, with scores and character offsets."""
        return {"query": query, "passages": [p.to_dict() for p in assistant.search(query, k=k)]}

    @server.tool()
    def ask(question: str, k: int | None = None) -> dict:
        """Answer a question from the user's documents: text with [n] markers, the cited spans (each checked for
        support), conflicts between sources, or an abstention when the documents do not say."""
        return assistant.ask(question, k=k).to_dict()

    @server.tool()
    def get_passage(doc_id: str, start: int, end: int) -> dict:
        """The exact stored text of a document between two character offsets (a citation's start and end), with
        its title, source and page: what a citation's quote must equal."""
        from index.types import page_at

        stored = assistant.document(doc_id)
        if not 0 <= start <= end <= len(stored.text):
            raise ValueError(f"start and end must satisfy 0 <= start <= end <= {len(stored.text)}")
        return {
            "doc_id": doc_id,
            "title": stored.title,
            "source": stored.source,
            "start": start,
            "end": end,
            "page": page_at(stored.page_starts, start),
            "text": stored.text[start:end],
        }

    return server


def run(assistant: Assistant, port: int | None = None, host: str = "127.0.0.1", access=None) -> None:
    """stdio without a port; else streamable HTTP at /mcp behind the same gate as the web server (ui/gate.py):
    host check, cross-site refusal, keys once any is configured, body limits, security headers."""
    server = build_server(assistant)
    if port is None:
        server.run("stdio")
        return
    import uvicorn

    from .gate import Access, Gate

    app = Gate(server.streamable_http_app(host=host), access or Access())
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)).run()
