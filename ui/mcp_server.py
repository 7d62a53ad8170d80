"""Citewise as an MCP server (the official `mcp` SDK): tools `search`, `ask` and `get_passage`, over stdio, or
over streamable HTTP on 127.0.0.1 when a port is given. Every result is the JSON of DESIGN.md, so an agent can
check a citation's quote with `get_passage` against the exact stored text. Each tool acts in one collection
(`collection`, default `default`) as the caller may: over HTTP the user of the bearer key (ui/gate.py), over stdio
the local user."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context
from pydantic import Field

from index.collections import DEFAULT, Collections
from index.errors import CitewiseError, SpanError
from rag import Assistant
from rag.requests import MAX_SEARCH_K, AskRequest, SearchRequest, build

from .gate import principal_of

Tool = TypeVar("Tool", bound=Callable[..., Any])

FILTERS_DESCRIPTION = (
    'Only documents whose metadata match all of these: {"title", "source", "author"} as text the field contains '
    '(any case), {"after", "before"} as days YYYY-MM-DD (inclusive).'
)
Filters = Annotated[dict[str, str] | None, Field(description=FILTERS_DESCRIPTION)]
Documents = Annotated[list[str] | None, Field(description="Only these document ids.")]
CollectionName = Annotated[str, Field(description="The collection to act in (default: default).")]


def clear_errors(tool: Tool) -> Tool:
    """A Citewise error reaches the agent as its message (the SDK hides the text of any other exception)."""
    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(tool)
    def wrapper(*args, **kwargs):
        try:
            return tool(*args, **kwargs)
        except CitewiseError as exc:
            raise ToolError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def build_server(assistant: Assistant, access=None):
    """`access` (ui/gate.py): once it requires credentials, each call acts as the principal the gate found."""
    from mcp.server.mcpserver import MCPServer

    collections = Collections(assistant.library.database)

    def scoped(ctx: Context | None, name: str) -> Assistant:
        principal = None
        if access is not None and access.required and ctx is not None:
            request = ctx.request_context.request
            principal = principal_of(request.scope) if request is not None else None
        return assistant.collection(collections.open(name or DEFAULT, principal).name)

    server = MCPServer(
        name="citewise",
        instructions=(
            "Answers questions about the user's own documents with citations: each citation is an exact span "
            "(doc_id, start, end) whose quote get_passage returns verbatim with its page."
        ),
        log_level="WARNING",
    )

    @server.tool()
    @clear_errors
    def search(
        query: str,
        k: Annotated[
            int | None,
            Field(ge=1, le=MAX_SEARCH_K, description="Passages returned, best first (default: retrieval.top_k)."),
        ] = None,
        filters: Filters = None,
        documents: Documents = None,
        collection: CollectionName = DEFAULT,
        ctx: Context | None = None,
    ) -> dict:
        """Ranked passages of the user's documents for a query, with scores and character offsets."""
        request = build(SearchRequest, query=query, k=k, documents=documents, filters=filters)
        return {"query": query, "passages": [p.to_dict() for p in scoped(ctx, collection).search(request)]}

    @server.tool()
    @clear_errors
    def ask(
        question: str,
        k: int | None = None,
        filters: Filters = None,
        documents: Documents = None,
        collection: CollectionName = DEFAULT,
        ctx: Context | None = None,
    ) -> dict:
        """Answer a question from the user's documents: text with [n] markers, the cited spans (each checked for
        support), conflicts between sources, or an abstention when the documents do not say."""
        request = build(AskRequest, question=question, k=k, documents=documents, filters=filters)
        return scoped(ctx, collection).ask(request).to_dict()

    @server.tool()
    @clear_errors
    def get_passage(
        doc_id: str, start: int, end: int, collection: CollectionName = DEFAULT, ctx: Context | None = None
    ) -> dict:
        """The exact stored text of a document between two character offsets (a citation's start and end), with
        its title, source and page: what a citation's quote must equal."""
        from index.types import page_at

        stored = scoped(ctx, collection).document(doc_id)
        if not 0 <= start <= end <= len(stored.text):
            raise SpanError(f"start and end must satisfy 0 <= start <= end <= {len(stored.text)}")
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
    server = build_server(assistant, access)
    if port is None:
        server.run("stdio")
        return
    import uvicorn

    from .gate import Access, Gate

    app = Gate(server.streamable_http_app(host=host), access or Access())
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)).run()
