"""Benchmark of the conversation store: what storing a turn costs, and whether a load loses any turn.

    python -m evals.bench_store [--turns 300] [--load 1000] [--sessions 50] [--database-url URL]

(a) Extra latency of a stored turn, in process on SQLite: the store write and the session lock timed
    inside real turns, and turn p50 with the store against turn p50 without it (target <= 3 ms).
(b) `--load` concurrent turns over `--sessions` sessions through the app (in-process ASGI), then every
    session is read back: 0 lost turns, and the stored order equals the graph's own checkpoint chain.
Rate limits are off (RATE_LIMIT_ENABLED=false): this measures the store, not the limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx

from api.main import create_app
from api.runtime import Runtime
from bank_router.services import Services, build_services
from bank_router.settings import ROOT, Settings, get_settings
from bank_router.store import ConversationStore, Owner, StoredTurn, TurnRecord
from bank_router.store.backend import Backend, open_backend
from bank_router.store.checkpoints import thread_questions
from bank_router.store.locks import SessionLocks
from bank_router.turn.context import Caller
from evals.bench import messages, pct
from graphs.router import build_graph


class TimedStore(ConversationStore):
    """The real store, timing each turn's write."""

    def __init__(self, inner: ConversationStore) -> None:
        super().__init__(inner.engine, inner.clock, inner.forget_thread)
        self.times: list[float] = []

    def record_turn(self, turn: TurnRecord, retried: bool = False) -> StoredTurn:
        t = time.perf_counter()
        try:
            return super().record_turn(turn, retried)
        finally:
            self.times.append((time.perf_counter() - t) * 1000)


class TimedLocks:
    """The real session locks, timing acquire plus release (the hold itself is the turn)."""

    def __init__(self, inner: SessionLocks) -> None:
        self.inner = inner
        self.times: list[float] = []

    @contextmanager
    def _hold(self, session_id: str, timeout: float) -> Iterator[None]:
        t = time.perf_counter()
        held = self.inner.hold(session_id, timeout)
        held.__enter__()
        spent = time.perf_counter() - t
        try:
            yield
        finally:
            t = time.perf_counter()
            held.__exit__(None, None, None)
            self.times.append((spent + time.perf_counter() - t) * 1000)

    def hold(self, session_id: str, timeout: float) -> AbstractContextManager[None]:
        return self._hold(session_id, timeout)


class NoStore(ConversationStore):
    """Stores nothing: the turn path without the store, for comparison."""

    def record_turn(self, turn: TurnRecord, retried: bool = False) -> StoredTurn:
        return StoredTurn("conv_none", "msg_none", "msg_none", False)


async def extra_latency(settings: Settings, services: Services, backend: Backend, msgs: list[tuple[str, str]]) -> None:
    graph = build_graph(checkpointer=backend.checkpointer)
    store, locks = TimedStore(backend.store), TimedLocks(backend.session_locks)
    with_store = Runtime(settings, services, graph, store, locks)
    without = Runtime(settings, services, graph, NoStore(backend.store.engine), None)
    timed: dict[str, list[float]] = {"with": [], "without": []}
    for i, (text, lang) in enumerate(msgs):
        # Alternate which runtime takes a message, so both see the same kind of traffic.
        name, runtime = ("with", with_store) if i % 2 == 0 else ("without", without)
        t = time.perf_counter()
        await runtime.turn(f"lat-{name}-{i % 25}", text, lang, Caller())
        timed[name].append((time.perf_counter() - t) * 1000)
    write, lock = pct(store.times, 50), pct(locks.times, 50)
    print(
        f"(a) stored turn, SQLite, in process: store write p50 {write:.2f} ms (p95 {pct(store.times, 95):.2f}), "
        f"session lock p50 {lock:.2f} ms: extra {write + lock:.2f} ms per turn (target <= 3 ms)"
    )
    print(
        f"    turn p50 with the store {pct(timed['with'], 50):.1f} ms vs without {pct(timed['without'], 50):.1f} ms "
        f"over {len(msgs)} distinct messages, alternating"
    )


async def load(
    settings: Settings, services: Services, backend: Backend, msgs: list[tuple[str, str]], n: int, sessions: int
) -> None:
    runtime = Runtime(
        settings, services, build_graph(checkpointer=backend.checkpointer), backend.store, backend.session_locks
    )
    app = create_app(settings)
    app.state.runtime = runtime
    jobs = [(f"load-{i % sessions}", *msgs[i % len(msgs)]) for i in range(n)]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    t0 = time.perf_counter()
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/chat", json={"session_id": s, "user_message": text, "channel": "web", "language": lang}
                )
                for s, text, lang in jobs
            )
        )
    elapsed = time.perf_counter() - t0
    errors = sum(r.status_code != 200 for r in responses)
    answered = {r.json()["message_id"] for r in responses if r.status_code == 200}
    stored_ids: set[str] = set()
    stored_turns = forks = disorders = 0
    for k in range(sessions):
        session = f"load-{k}"
        total, items = backend.store.list(Owner(session_id=session), 1, 0)
        conv = backend.store.get(Owner(session_id=session), items[0]["id"]) if total else None
        messages_ = conv["messages"] if conv else []
        stored_turns += sum(m["role"] == "assistant" for m in messages_)
        stored_ids.update(m["id"] for m in messages_ if m["role"] == "assistant")
        questions = [m["content"] for m in messages_ if m["role"] == "user"]
        try:
            disorders += thread_questions(backend.checkpointer, session) != questions
        except ValueError:
            forks += 1
    lost = len(answered - stored_ids)
    print(
        f"(b) {n} concurrent turns over {sessions} sessions through the app (in-process ASGI, "
        f"{'PostgreSQL' if settings.database_url else 'SQLite'}): {elapsed:.1f} s, {n / elapsed:.0f} turns/s, "
        f"errors {errors}, stored {stored_turns}/{n}, lost {lost}, sessions out of order {disorders}, forked {forks}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=300, help="turns for the latency phase")
    ap.add_argument("--load", type=int, default=1000, help="concurrent turns for the load phase")
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--database-url", default=None, help="PostgreSQL for the load phase; default SQLite")
    args = ap.parse_args(argv)
    msgs = messages()
    base = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        if (ROOT / "data" / "chroma").is_dir():  # start from the working index when there is one
            shutil.copytree(ROOT / "data" / "chroma", Path(tmp) / "chroma")
        settings = Settings(
            data_dir=Path(tmp), model_cache=base.model_cache_dir, rate_limit_enabled=False, log_level="WARNING"
        )
        services = build_services(settings)
        with open_backend(settings, clock=services.clock) as backend:
            asyncio.run(extra_latency(settings, services, backend, msgs[: args.turns]))
        load_settings = settings.model_copy(update={"database_url": args.database_url, "data_dir": Path(tmp) / "load"})
        with open_backend(load_settings, clock=services.clock) as backend:
            asyncio.run(load(load_settings, services, backend, msgs, args.load, args.sessions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
