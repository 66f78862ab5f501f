"""What the API holds for its lifetime: services, the compiled graph, the conversation store, session locks."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import time
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import structlog
from langchain_core.messages import BaseMessage
from prometheus_client import Counter

from api.answers import response_body
from api.errors import AppError, unavailable
from api.idempotency import key_in_use, key_reused
from bank_router.events.bus import CONVERSATION_STARTED
from bank_router.services import Services, build_services
from bank_router.settings import Settings
from bank_router.store import ConversationStore, TurnRecord, owner_of
from bank_router.store.backend import open_backend
from bank_router.store.idempotency import IdempotencyConflict, IdempotencyKey, IdempotencyMismatch
from bank_router.store.locks import SessionBusy, SessionLocks
from bank_router.store.outage import StoreUnavailable, is_outage, retry_outage
from bank_router.store.owner import thread_of
from bank_router.turn.context import Caller, Context, TurnOptions
from graphs.router import build_graph, turn_input

log = structlog.get_logger(__name__)
NOT_STORED = Counter("bank_router_turns_not_stored_total", "Answered turns the conversation store failed to record")
REPLAYED = "idempotent_replay"  # set (True) on the answer dict of a turn answered from its idempotency key


@dataclass
class Runtime:
    settings: Settings
    services: Services
    graph: Any
    store: ConversationStore
    # Across workers (PostgreSQL advisory lock, or a lock file beside SQLite); None: this process only.
    session_locks: SessionLocks | None = None
    # Turns run here, not in asyncio's shared pool: few threads for CPU-bound offline turns leave the
    # event loop enough of the GIL to accept and feed thousands of open streams.
    executor: ThreadPoolExecutor | None = None
    _locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(default_factory=weakref.WeakValueDictionary)
    _running: set[asyncio.Task[dict[str, Any]]] = field(default_factory=set)

    def lock(self, session_id: str) -> asyncio.Lock:
        """Turns of one session run one at a time, so its history never forks."""
        lock = self._locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[session_id] = lock
        return lock

    async def turn(
        self,
        session_id: str,
        text: str,
        language: str,
        caller: Caller,
        channel: str = "web",
        idempotency: IdempotencyKey | None = None,
        history: Sequence[BaseMessage] = (),
        options: TurnOptions | None = None,
    ) -> dict[str, Any]:
        """The turn's answer dict, plus `conversation_id` and `message_id` (None if the store failed).

        With an idempotency key, a retry gets the stored answer (REPLAYED set) and runs and stores nothing;
        the key is stored with the turn, in its transaction. A store outage is AppError 503. `history`: earlier
        messages a client sent along (seed 000), put before the question in the graph's messages for this
        turn only; the store records the question and answer alone. `options`: how the client asked the turn
        to run (seed 001's role: knowledge search, instructions, tools)."""
        # Its own task, shielded: a caller that goes away (client disconnect) neither cancels the turn
        # nor frees the session before the turn is stored.
        turn = self._locked_turn(session_id, text, language, caller, channel, idempotency, tuple(history), options)
        task = asyncio.get_running_loop().create_task(turn)
        self._running.add(task)
        task.add_done_callback(self._settled)
        return await asyncio.shield(task)

    def _settled(self, task: asyncio.Task[dict[str, Any]]) -> None:
        self._running.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: one whose caller left is not reported as never retrieved

    async def drain(self, timeout: float = 30.0) -> None:
        """Let running turns finish (and be stored) before the process closes the store."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)

    async def _locked_turn(
        self,
        session_id: str,
        text: str,
        language: str,
        caller: Caller,
        channel: str,
        key: IdempotencyKey | None,
        history: tuple[BaseMessage, ...] = (),
        options: TurnOptions | None = None,
    ) -> dict[str, Any]:
        # Locked by the owner's thread, not the client's session string: another caller who sends the same
        # session id neither waits on nor delays this owner's turns.
        lock = self.lock(thread_of(owner_of(caller, session_id).key, session_id))
        try:
            async with asyncio.timeout(self.settings.session_lock_timeout):
                await lock.acquire()
        except TimeoutError:
            raise _busy() from None
        try:
            # A turn is CPU work plus local SQL: it runs whole in a worker thread (the model
            # releases the GIL), which costs less than hopping between the loop and threads per node.
            # The caller's context goes along (as asyncio.to_thread does): events published in the turn name it.
            run = functools.partial(self._run, session_id, text, language, caller, channel, key, history, options)
            context = contextvars.copy_context()
            return await asyncio.get_running_loop().run_in_executor(self.executor, context.run, run)
        finally:
            lock.release()

    def _held(self, session_id: str) -> AbstractContextManager[None]:
        if self.session_locks is None:
            return nullcontext()
        return self.session_locks.hold(session_id, self.settings.session_lock_timeout)

    def _run(
        self,
        session_id: str,
        text: str,
        language: str,
        caller: Caller,
        channel: str,
        key: IdempotencyKey | None,
        history: tuple[BaseMessage, ...] = (),
        options: TurnOptions | None = None,
    ) -> dict[str, Any]:
        # The owner's own thread of the session; the plain session id rides along for events.
        thread = thread_of(owner_of(caller, session_id).key, session_id)
        config: dict[str, Any] = {"configurable": {"thread_id": thread, "session_id": session_id}}
        try:
            with self._held(thread):
                # Under the session lock: a retry waits for the attempt still running, then finds its answer.
                if key is not None and (replayed := self._replay(key)) is not None:
                    return replayed
                asked_at, started = self.services.clock(), time.perf_counter()
                try:
                    # A waiting workflow (interrupt) is resumed by the turn; otherwise a new turn starts.
                    state = self.graph.invoke(
                        _with_history(turn_input(self.graph, config, text, language), history),
                        config=config,
                        context=Context(caller=caller, services=self.services, options=options or TurnOptions()),
                        # One checkpoint per turn, written when it ends; on an error LangGraph still
                        # saves the turn's input, so the session remembers the question.
                        durability="exit",
                    )
                except Exception as exc:
                    # The store keeps what the graph kept: the question, without an answer. Not in an
                    # outage: the graph's checkpoint (written at exit) was not saved, and the client retries.
                    if not is_outage(exc):
                        self._record(session_id, text, None, caller, channel, asked_at, 0)
                    raise
                ans = dict(state["answer"])
                latency_ms = round((time.perf_counter() - started) * 1000)
                # Still under the session lock, so the stored order is the order the graph saw.
                self._record(session_id, text, ans, caller, channel, asked_at, latency_ms, key)
        except SessionBusy:
            raise _busy() from None
        except IdempotencyMismatch:
            raise key_reused() from None
        except IdempotencyConflict:
            raise key_in_use() from None
        except AppError:
            raise
        except Exception as exc:
            # The database behind the store, checkpointer or session locks is down: 503, never a 500.
            if not is_outage(exc):
                raise
            log.warning("turn_store_unavailable", error_type=type(exc).__name__)
            raise unavailable(exc if isinstance(exc, StoreUnavailable) else StoreUnavailable()) from exc
        return ans

    def _replay(self, key: IdempotencyKey) -> dict[str, Any] | None:
        found = self.store.replay(key)
        if found is None:
            return None
        ids = {"conversation_id": found.conversation_id, "message_id": found.message_id}
        return {**found.response, **ids, REPLAYED: True}

    def _record(
        self,
        session: str,
        text: str,
        ans: dict[str, Any] | None,
        caller: Caller,
        channel: str,
        asked: float,
        ms: int,
        key: IdempotencyKey | None = None,
    ) -> None:
        """Store the question and its answer (and its idempotency key) in one transaction once the graph has
        ended (a failed graph: the question alone). Through an outage the write is retried for
        STORE_WRITE_RETRY_SECONDS, then StoreUnavailable: an answer that could not be stored is not sent (503),
        so every answer a client got is stored. Any other store failure is logged and counted; the answer
        still goes out, without ids."""
        if ans is not None:
            ans.update(conversation_id=None, message_id=None)
        owner = owner_of(caller, session)
        record = TurnRecord(
            owner=owner,
            session_id=session,
            channel=channel,
            question=text,
            answer=ans,
            asked_at=asked,
            latency_ms=ms,
            idempotency=key if ans is not None else None,
            response=_replayable(ans) if key is not None and ans is not None else None,
        )
        within = self.settings.store_write_retry_seconds if ans is not None else 0.0
        try:
            stored = retry_outage(lambda attempt: self.store.record_turn(record, retried=attempt > 1), within)
        except Exception as exc:
            NOT_STORED.inc()
            log.error("turn_not_stored", error_type=type(exc).__name__)
            if ans is not None and isinstance(exc, StoreUnavailable | IdempotencyConflict):
                raise
            return
        if ans is not None:
            ans.update(conversation_id=stored.conversation_id, message_id=stored.message_id)
        if stored.started:
            data = {"conversation_id": stored.conversation_id, "channel": channel}
            self.services.events.publish(
                CONVERSATION_STARTED, data, tenant=caller.tenant, sub=caller.sub, session_id=session
            )


def _with_history(started: Any, history: tuple[BaseMessage, ...]) -> Any:
    """A new turn's input with the client's earlier messages first; a resumed workflow takes its answer alone."""
    if not history or not isinstance(started, dict):
        return started
    return {**started, "messages": [*history, *started["messages"]]}


def turn_threads(settings: Settings) -> int:
    """An offline turn is CPU work: one thread per CPU. A model call waits on the network: 32 threads."""
    if settings.turn_threads:
        return settings.turn_threads
    if settings.openai_api_key is not None:
        return 32
    return max(2, os.cpu_count() or 2)


def _busy() -> AppError:
    return AppError(409, "SESSION_BUSY", "Another turn of this session is still running; retry shortly.")


def _replayable(ans: dict[str, Any]) -> dict[str, Any]:
    """The response body a retry gets back, without this request's trace id and the ids stored beside it."""
    body = response_body(ans, None)
    for name in ("trace_id", "conversation_id", "message_id"):
        body.pop(name, None)
    return body


@contextmanager
def open_runtime(settings: Settings) -> Iterator[Runtime]:
    """Services, then the store, checkpointer and session locks on one backend, and the compiled graph."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = build_services(settings)
    with open_backend(settings, clock=services.clock) as backend:
        graph = build_graph(checkpointer=backend.checkpointer)
        executor = ThreadPoolExecutor(turn_threads(settings), thread_name_prefix="turn")
        try:
            yield Runtime(settings, services, graph, backend.store, backend.session_locks, executor)
        finally:
            executor.shutdown(wait=True)
            if close := getattr(services.tools.platform, "close", None):
                close()  # the core-banking adapter's connection pool
