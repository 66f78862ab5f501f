"""The ASGI application: `uvicorn api.main:app`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api import errors
from api.middleware import TraceAndLimit
from api.routes import chat
from api.runtime import Runtime
from bank_router.logging import configure_logging
from bank_router.services import build_services
from bank_router.settings import Settings, get_settings
from graphs.router import build_graph

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        services = await asyncio.to_thread(build_services, settings)
        async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
            await saver.setup()
            # WAL with synchronous=NORMAL: a process crash loses no commit, and a commit does not
            # wait for the disk (SQLite's recommended setting for WAL).
            await saver.conn.execute("PRAGMA synchronous=NORMAL")
            app.state.runtime = Runtime(settings, services, build_graph(checkpointer=saver))
            yield

    app = FastAPI(
        title="bank-router",
        version="0.1.0",
        description="Banking assistant: each turn is routed to one specialist agent, grounded on the "
        "bank's product knowledge. Works offline; see CONTRACT.md.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(chat.router)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, object]:
        rt = app.state.runtime
        return {
            "status": "ok",
            "mode": "deterministic",
            "products": len(rt.services.catalog.products),
            "indexed_chunks": rt.services.index.count(),
        }

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(TraceAndLimit, max_body=settings.max_body_bytes)
    return app


app = create_app()
