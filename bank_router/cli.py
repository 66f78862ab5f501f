"""`bank-router`: ingest the knowledge, chat from the terminal, serve the API."""

from __future__ import annotations

import asyncio
import json

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

app = typer.Typer(help="bank-router: a LangGraph banking assistant.", no_args_is_help=True)
console = Console(soft_wrap=True)


@app.command()
def ingest() -> None:
    """Validate the knowledge, (re)index changed files in Chroma and train the intent classifier."""
    from bank_router.services import build_services

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task("indexing changed files", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        services = build_services(progress=progress)
    for err in services.catalog.errors:
        console.print(f"[yellow]skipped[/] {err.path} [bold]{err.field}[/]: {err.message}")
    console.print(
        f"[green]ready[/]: {len(services.catalog.products)} products, {len(services.catalog.glossary)} terms, "
        f"{len(services.catalog.onboarding)} guides, {len(services.catalog.policies)} policies; "
        f"{services.index.count()} chunks indexed; {services.index_stats['reindexed']} changed files re-embedded"
    )


@app.command()
def token(
    permissions: str = typer.Option("ai_agent", help="comma-separated, e.g. ai_agent,customer:read"),
    tenant: str = typer.Option("demo"),
    sub: str = typer.Option("dev-staff"),
    ttl: int = typer.Option(3600, help="seconds until it expires"),
    customer: str | None = typer.Option(None, help="a customer token for this platform customer id, e.g. 123"),
) -> None:
    """Mint a development token signed with AUTH_JWT_SECRET: staff, or with --customer a signed-in customer's."""
    from api.deps import mint_customer_token, mint_token
    from bank_router.settings import get_settings

    settings = get_settings()
    if not 0 < ttl <= settings.auth_max_token_lifetime:
        # The server refuses such a token (AUTH_MAX_TOKEN_LIFETIME): say so now, not at its first use.
        raise typer.BadParameter(f"must be 1 to {settings.auth_max_token_lifetime} seconds", param_hint="--ttl")
    if not sub.strip() or not tenant.strip():
        raise typer.BadParameter("--sub and --tenant must not be empty")
    if customer is not None:
        if not customer.strip().isdigit():
            raise typer.BadParameter("a platform customer id, digits only", param_hint="--customer")
        print(mint_customer_token(settings.auth_jwt_secret, customer.strip(), tenant, ttl))
        return
    perms = [p.strip() for p in permissions.split(",") if p.strip()]
    print(mint_token(settings.auth_jwt_secret, sub, tenant, perms, ttl))


@app.command()
def ask(message: str, language: str = "en") -> None:
    """Run one turn through the router graph and print the response."""
    from langchain_core.messages import HumanMessage

    from bank_router.turn.context import Context
    from graphs.router import graph

    state = asyncio.run(
        graph.ainvoke({"messages": [HumanMessage(content=message)], "language": language}, context=Context())
    )
    console.print_json(json.dumps(state["answer"], ensure_ascii=False))


@app.command()
def purge(
    older_than: str = typer.Option(..., "--older-than", help="idle age: 30d, 12h, 90m, 2w"),
) -> None:
    """Delete conversations idle for longer than an age, with their messages, feedback and graph checkpoints."""
    from bank_router.settings import get_settings
    from bank_router.store.backend import open_backend
    from bank_router.store.retention import parse_age
    from bank_router.store.retention import purge as purge_store

    try:
        age = parse_age(older_than)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--older-than") from None
    with open_backend(get_settings()) as backend:
        report = purge_store(backend.store, age, backend.checkpointer.delete_thread)
    console.print(
        f"purged conversations={report.conversations} messages={report.messages} feedback={report.feedback} "
        f"checkpoint_threads={report.threads} idempotency_keys={report.idempotency_keys} "
        f"(idle since before {report.cutoff:%Y-%m-%d %H:%M} UTC)"
    )


@app.command("migrate-threads")
def migrate_threads() -> None:
    """Once after upgrading: move the graph memory of sessions begun before thread ids were hashed."""
    from bank_router.settings import get_settings
    from bank_router.store.backend import open_backend
    from bank_router.store.thread_migration import migrate_threads as migrate

    with open_backend(get_settings()) as backend:
        report = migrate(backend.store.sessions(), backend.checkpointer)
    console.print(
        f"moved threads={report.moved} checkpoints={report.checkpoints}; "
        f"left in place={report.refused} (an old thread more than one conversation could claim)"
    )


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and web page with uvicorn."""
    import uvicorn

    uvicorn.run("api.main:app", host=host, port=port)


if __name__ == "__main__":
    app()
