"""Runtime.turn with the store, on SQLite and PostgreSQL, through a real (tiny) LangGraph graph and checkpointer."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from api.errors import AppError
from api.runtime import NOT_STORED, Runtime
from bank_router.events.bus import CONVERSATION_STARTED, Event
from bank_router.store import ConversationStore, Owner, owner_of
from bank_router.store.backend import Backend
from bank_router.store.checkpoints import thread_questions
from bank_router.store.engine import make_store_engine
from bank_router.store.owner import thread_of
from bank_router.store.retention import parse_age, purge
from bank_router.turn.context import Caller

STAFF = Caller(sub="alice", tenant="demo", permissions=frozenset({"ai_agent", "customer:read"}))
DAY = 86_400.0


def history(runtime: Runtime, session: str, caller: Caller = STAFF) -> list[str]:
    """The questions of the caller's checkpointed thread of the session, in the graph's order."""
    thread = thread_of(owner_of(caller, session).key, session)
    state = runtime.graph.get_state({"configurable": {"thread_id": thread}})
    return [str(m.content) for m in state.values.get("messages", []) if isinstance(m, HumanMessage)]


def stored(store: ConversationStore, owner: Owner, conversation_id: str) -> list[tuple[str, str]]:
    conv = store.get(owner, conversation_id)
    assert conv is not None
    return [(m["role"], m["content"]) for m in conv["messages"]]


def test_a_turn_is_stored_and_carries_its_ids(runtime: Runtime) -> None:
    events: list[Event] = []
    runtime.services.events.subscribe(events.append)
    ans = asyncio.run(runtime.turn("s-1", "What is Mudaraba?", "en", Caller(), channel="mobile"))
    assert ans["message"] == "#1 What is Mudaraba?" and ans["conversation_id"].startswith("conv_")
    again = asyncio.run(runtime.turn("s-1", "llm and Musharaka?", "en", Caller()))
    assert again["conversation_id"] == ans["conversation_id"] and again["message_id"] != ans["message_id"]
    owner = Owner(session_id="s-1")
    assert stored(runtime.store, owner, ans["conversation_id"]) == [
        ("user", "What is Mudaraba?"),
        ("assistant", "#1 What is Mudaraba?"),
        ("user", "llm and Musharaka?"),
        ("assistant", "#2 llm and Musharaka?"),
    ]
    conv = runtime.store.get(owner, ans["conversation_id"])
    assert conv is not None and conv["channel"] == "mobile" and conv["messages"][3]["id"] == again["message_id"]
    started = [e for e in events if e.type == CONVERSATION_STARTED]
    assert len(started) == 1 and started[0].data == {"conversation_id": ans["conversation_id"], "channel": "mobile"}
    assert started[0].session_id == "s-1" and started[0].tenant is None


def test_usage_of_a_model_turn_and_of_a_deterministic_turn(runtime: Runtime) -> None:
    asyncio.run(runtime.turn("u-1", "llm what is a DPS?", "en", STAFF))
    asyncio.run(runtime.turn("u-1", "and FDR?", "en", STAFF))
    today = time.gmtime()
    day = __import__("datetime").date(today.tm_year, today.tm_mon, today.tm_mday)
    report = runtime.store.usage(Owner(tenant="demo", sub="alice"), None, day, day)
    providers = {p["provider"]: p for p in report["by_provider"]}
    assert providers["openai"]["input_tokens"] == 120 and providers["openai"]["output_tokens"] == 30
    assert providers["openai"]["estimated_cost"] == pytest.approx(0.000036)
    assert providers["deterministic"]["input_tokens"] == 0 and providers["deterministic"]["estimated_cost"] == 0
    assert {a["agent"] for a in report["by_agent"]} == {"servicing_graph"}


def test_a_failed_graph_stores_the_question_alone_as_the_graph_remembers_it(runtime: Runtime) -> None:
    assert asyncio.run(runtime.turn("f-1", "first", "en", Caller()))["message"] == "#1 first"
    with pytest.raises(RuntimeError):
        asyncio.run(runtime.turn("f-1", "boom", "en", Caller()))
    ans = asyncio.run(runtime.turn("f-1", "second", "en", Caller()))
    # LangGraph saved the failed turn's input: the next answer is the third question, and the store agrees.
    assert ans["message"] == "#3 second" and history(runtime, "f-1", Caller()) == ["first", "boom", "second"]
    assert stored(runtime.store, Owner(session_id="f-1"), ans["conversation_id"]) == [
        ("user", "first"),
        ("assistant", "#1 first"),
        ("user", "boom"),
        ("user", "second"),
        ("assistant", "#3 second"),
    ]
    with pytest.raises(RuntimeError):
        asyncio.run(runtime.turn("f-2", "boom", "en", Caller()))
    assert runtime.store.list(Owner(session_id="f-2"), 10, 0)[1][0]["message_count"] == 1


def test_a_store_that_fails_degrades_the_turn_but_not_the_answer(runtime: Runtime, tmp_path: Any) -> None:
    # A real failure: a database the migrations never ran on.
    runtime.store = ConversationStore(make_store_engine(f"sqlite:///{tmp_path}/unmigrated.sqlite"))
    before = NOT_STORED._value.get()
    ans = asyncio.run(runtime.turn("d-1", "What is Mudaraba?", "en", Caller()))
    assert ans["message"] == "#1 What is Mudaraba?" and ans["conversation_id"] is None and ans["message_id"] is None
    assert NOT_STORED._value.get() == before + 1


def test_a_caller_that_goes_away_does_not_lose_the_turn(runtime: Runtime) -> None:
    async def go() -> dict[str, Any]:
        leaving = asyncio.create_task(runtime.turn("c-1", "slow question", "en", Caller()))
        await asyncio.sleep(0.05)
        leaving.cancel()  # what the server does when the client disconnects
        with pytest.raises(asyncio.CancelledError):
            await leaving
        # The session stays taken until the abandoned turn is stored: the next one is numbered after it.
        return await runtime.turn("c-1", "next question", "en", Caller())

    ans = asyncio.run(go())
    assert ans["message"] == "#2 next question"
    assert [c for _, c in stored(runtime.store, Owner(session_id="c-1"), ans["conversation_id"])] == [
        "slow question",
        "#1 slow question",
        "next question",
        "#2 next question",
    ]


def test_concurrent_turns_of_one_session_are_all_stored_in_order(runtime: Runtime) -> None:
    async def go() -> list[dict[str, Any]]:
        return await asyncio.gather(*(runtime.turn("busy", f"q{n}", "en", STAFF) for n in range(20)))

    answers = asyncio.run(go())
    numbers = sorted(int(a["message"].split()[0][1:]) for a in answers)
    assert numbers == list(range(1, 21)) and len({a["conversation_id"] for a in answers}) == 1
    messages = stored(runtime.store, Owner(tenant="demo", sub="alice"), answers[0]["conversation_id"])
    questions = [c for role, c in messages if role == "user"]
    assert [c for role, c in messages if role == "assistant"] == [f"#{i + 1} {q}" for i, q in enumerate(questions)]
    assert questions == history(runtime, "busy") and sorted(questions) == sorted(f"q{n}" for n in range(20))
    thread = thread_of(owner_of(STAFF, "busy").key, "busy")
    assert thread_questions(runtime.graph.checkpointer, thread) == questions  # one chain: no fork


def test_a_session_held_elsewhere_answers_409_session_busy_after_the_wait(runtime: Runtime, backend: Backend) -> None:
    runtime.settings = runtime.settings.model_copy(update={"session_lock_timeout": 0.3})
    held, release = threading.Event(), threading.Event()

    # Locks are taken on the owner's thread of the session (another owner's same session id never waits).
    thread = thread_of(owner_of(Caller(), "held").key, "held")

    def other_worker() -> None:
        with backend.session_locks.hold(thread, 5):
            held.set()
            release.wait(10)

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert held.wait(5)
        started = time.monotonic()
        with pytest.raises(AppError) as busy:
            asyncio.run(runtime.turn("held", "hello", "en", Caller()))
        assert busy.value.status == 409 and busy.value.code == "SESSION_BUSY"
        assert 0.25 <= time.monotonic() - started < 5
    finally:
        release.set()
        worker.join()
    assert asyncio.run(runtime.turn("held", "hello", "en", Caller()))["message"] == "#1 hello"


def test_purge_drops_idle_conversations_and_their_checkpoint_threads(runtime: Runtime, backend: Backend) -> None:
    now = time.time()
    runtime.services.clock = runtime.store.clock = lambda: now - 40 * DAY
    asyncio.run(runtime.turn("idle", "old question", "en", Caller()))
    runtime.services.clock = runtime.store.clock = lambda: now
    asyncio.run(runtime.turn("active", "new question", "en", Caller()))
    report = purge(runtime.store, parse_age("30d"), backend.checkpointer.delete_thread)
    assert (report.conversations, report.messages, report.feedback, report.threads) == (1, 2, 0, 1)
    assert history(runtime, "idle", Caller()) == [] and history(runtime, "active", Caller()) == ["new question"]
    assert runtime.store.list(Owner(session_id="idle"), 10, 0)[0] == 0


@pytest.mark.parametrize(("text", "seconds"), [("30d", 30 * DAY), ("12h", 12 * 3600), ("90m", 5400), ("2w", 14 * DAY)])
def test_parse_age(text: str, seconds: float) -> None:
    assert parse_age(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "30", "d", "-1d", "1.5h", "3y"])
def test_parse_age_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError):
        parse_age(text)


def test_turn_threads_fit_the_engine() -> None:
    from pydantic import SecretStr

    from api.runtime import turn_threads
    from bank_router.settings import Settings

    offline = Settings(_env_file=None, openai_api_key=None, turn_threads=0)
    assert 2 <= turn_threads(offline) <= max(2, os.cpu_count() or 2)
    model = Settings(_env_file=None, openai_api_key=SecretStr("k"), turn_threads=0)
    assert turn_threads(model) == 32  # turns wait on the network, not the CPU
    assert turn_threads(Settings(_env_file=None, turn_threads=5)) == 5


def test_turns_run_in_the_runtime_pool_with_the_callers_context(runtime: Runtime) -> None:
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="")
    seen: list[tuple[str, str]] = []
    runtime.services.events.subscribe(lambda e: seen.append((threading.current_thread().name, marker.get())))
    runtime.executor = ThreadPoolExecutor(1, thread_name_prefix="turnpool")

    async def go() -> None:
        marker.set("socket-7")
        await runtime.turn("pool-1", "hello", "en", STAFF)

    try:
        asyncio.run(go())
    finally:
        runtime.executor.shutdown()
    assert seen and all(name.startswith("turnpool") and mark == "socket-7" for name, mark in seen)


def test_owners_sharing_a_session_id_do_not_share_its_memory(runtime: Runtime) -> None:
    """A session id is not a secret between owners: a guessed one carries nobody's facts or workflow."""
    bob = Caller(sub="bob", tenant="demo", permissions=STAFF.permissions)
    assert asyncio.run(runtime.turn("shared", "anon question", "en", Caller()))["message"] == "#1 anon question"
    assert asyncio.run(runtime.turn("shared", "alice question", "en", STAFF))["message"] == "#1 alice question"
    assert asyncio.run(runtime.turn("shared", "bob question", "en", bob))["message"] == "#1 bob question"
    assert asyncio.run(runtime.turn("shared", "again", "en", STAFF))["message"] == "#2 again"
    assert history(runtime, "shared", Caller()) == ["anon question"]
    assert history(runtime, "shared") == ["alice question", "again"]
