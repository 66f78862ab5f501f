"""The ASGI application: `uvicorn api.main:app`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import Route

from api import errors
from api.deps import RuntimeDep, attach_runtime, runtime_of
from api.mcp import PATH as MCP_PATH
from api.mcp import McpEndpoint
from api.memory import fewer_malloc_arenas
from api.middleware import TraceAndLimit
from api.openapi import document_errors
from api.ratelimit import EXEMPT_PATHS, RequestLimit
from api.realtime import realtime
from api.routes import chat, conversations, handovers, pages, seed_ai, seed_v1, seed_ws, stream, tools, webhooks, ws
from api.runtime import open_runtime
from bank_router.logging import configure_logging
from bank_router.settings import Settings, get_settings

STATIC = Path(__file__).resolve().parent / "static"
fewer_malloc_arenas()  # at import: before the worker's threads exist


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    mcp = McpEndpoint()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Building services is blocking work (index sync, model load): keep it off the event loop.
        opened = open_runtime(settings)
        attach_runtime(app, await asyncio.to_thread(opened.__enter__))
        try:
            async with realtime(app, settings), mcp.running():
                yield
                # Turns whose clients left still finish and are stored before the store closes.
                if drain := getattr(runtime_of(app), "drain", None):
                    await drain()
        finally:
            opened.__exit__(None, None, None)

    app = FastAPI(
        title="bank-router",
        version="0.1.0",
        description="Banking assistant: each turn is routed to one specialist agent, grounded on the "
        "bank's product knowledge. Works offline; see CONTRACT.md.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(chat.router)
    app.include_router(conversations.router)
    app.include_router(tools.router)
    app.include_router(stream.router)
    app.include_router(ws.router)
    app.include_router(webhooks.router)
    app.include_router(handovers.router)
    # The seeds' own paths (CONTRACT.md, "The seeds' own endpoints"): adapters over the routes above. Their
    # bodies are the seed documents' (tests/integration/test_seed_apis.py), not part of /openapi.json.
    app.include_router(seed_v1.router, include_in_schema=False)
    app.include_router(seed_ai.router, include_in_schema=False)
    app.include_router(seed_ws.router)
    pages.install(app)  # the web page's assets, knowledge pages and labels
    # The same tools over MCP (streamable HTTP), for MCP clients such as IDEs and agent frameworks.
    app.router.routes.append(Route(MCP_PATH, mcp, methods=["GET", "POST", "DELETE"], include_in_schema=False))

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/healthz", tags=["ops"])
    async def healthz(rt: RuntimeDep) -> dict[str, object]:
        return {
            "status": "ok",
            # The engine configured; each chat response says whether the model shaped that answer.
            "mode": "llm" if rt.services.llm else "deterministic",
            **({"llm": rt.services.llm.status()} if rt.services.llm else {}),
            "products": len(rt.services.catalog.products),
            "indexed_chunks": rt.services.index.count(),
        }

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    # Inside TraceAndLimit (added last, so outermost): a 429 carries the request's trace id.
    app.add_middleware(RequestLimit, settings=settings)
    app.add_middleware(TraceAndLimit, max_body=settings.max_body_bytes)
    # The middleware's 400/413/422 and the limiter's 429 reach every operation: the schema says so.
    document_errors(app, unlimited=EXEMPT_PATHS)
    return app


app = create_app()
