"""ConversationStore on SQLite and PostgreSQL: turns, ownership, feedback, usage, retention."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from bank_router.store import ConversationStore, Owner, TurnRecord, owner_of
from bank_router.store.owner import thread_of
from bank_router.turn.context import Caller

ALICE = Owner(tenant="demo", sub="alice")
BOB = Owner(tenant="demo", sub="bob")
ALICE_OTHER = Owner(tenant="other", sub="alice")
ANON_1 = Owner(session_id="anon-1")
ANON_2 = Owner(session_id="anon-2")
DAY = 86_400.0


def answer(text: str = "Prime First Account needs ৳1,000.", **extra: Any) -> dict[str, Any]:
    return {
        "message": text,
        "domain": "conventional",
        "vertical": "save",
        "agent": "product_info_graph",
        "sources": ["knowledge/products/conventional/save/deposit_accounts/prime_first_account.md"],
        "confidence": 0.95,
        "refusal": False,
        "tools_used": [],
        **extra,
    }


def say(
    store: ConversationStore, owner: Owner, session: str, question: str = "What is Prime First?", **extra: Any
) -> Any:
    at = extra.pop("at", time.time())
    ans = answer(**extra)
    rec = TurnRecord(
        owner=owner, session_id=session, channel="web", question=question, answer=ans, asked_at=at, latency_ms=12
    )
    return store.record_turn(rec)


def test_owner_of_staff_ignores_the_session_and_anonymous_owns_only_it() -> None:
    staff = owner_of(Caller(sub="alice", tenant="demo", permissions=frozenset({"ai_agent"})), "s1")
    assert staff == ALICE and staff.key == owner_of(Caller(sub="alice", tenant="demo"), "s2").key
    assert staff.key != ALICE_OTHER.key and staff.key != BOB.key
    assert owner_of(Caller(), "anon-1") == ANON_1 and ANON_1.key == ANON_2.key == "anon"


def test_first_turn_creates_the_conversation_and_the_next_continues_it(store: ConversationStore) -> None:
    first = say(store, ALICE, "s1", "Can a 16-year-old open Prime First Account?")
    second = say(store, ALICE, "s1", "and the Youth account?", text="No: Prime Youth starts at 18.")
    assert first.started and not second.started and first.conversation_id == second.conversation_id
    total, items = store.list(ALICE, 20, 0)
    assert total == 1 and items[0]["id"] == first.conversation_id
    assert items[0]["title"] == "Can a 16-year-old open Prime First Account?" and items[0]["message_count"] == 4
    assert items[0]["last_message"] == "No: Prime Youth starts at 18."
    conv = store.get(ALICE, first.conversation_id)
    assert conv is not None and conv["session_id"] == "s1"
    roles = [(m["role"], m["content"]) for m in conv["messages"]]
    assert roles == [
        ("user", "Can a 16-year-old open Prime First Account?"),
        ("assistant", "Prime First Account needs ৳1,000."),
        ("user", "and the Youth account?"),
        ("assistant", "No: Prime Youth starts at 18."),
    ]
    reply = conv["messages"][1]
    assert reply["id"] == first.message_id and reply["agent"] == "product_info_graph"
    assert reply["confidence"] == 0.95 and reply["tools_used"] == [] and reply["sources"][0].endswith(".md")
    assert reply["timestamp"].endswith("Z") and conv["messages"][0]["id"] == first.user_message_id


def test_list_pages_most_recent_first(store: ConversationStore) -> None:
    now = time.time()
    for n in range(5):
        say(store, ALICE, f"s{n}", f"question {n}", at=now - 100 + n)
    total, page = store.list(ALICE, 2, 0)
    assert total == 5 and [c["title"] for c in page] == ["question 4", "question 3"]
    total, page = store.list(ALICE, 2, 4)
    assert total == 5 and [c["title"] for c in page] == ["question 0"]
    assert store.list(ALICE, 2, 10) == (5, [])


def test_nobody_lists_reads_or_deletes_another_owners_conversation(store: ConversationStore) -> None:
    anon = Owner(session_id="shared-session")
    mine = {o: say(store, o, "shared-session").conversation_id for o in (ALICE, BOB, ALICE_OTHER, anon)}
    say(store, ANON_2, "anon-2")
    assert len(set(mine.values())) == 4  # one session id, four owners, four conversations
    for owner, conv_id in mine.items():
        listing = {c["id"] for c in store.list(owner, 50, 0)[1]}
        assert listing == {conv_id}
        for other, other_id in mine.items():
            if other != owner:
                assert store.get(owner, other_id) is None
                assert store.delete(owner, other_id) is False
    assert store.list(ANON_2, 50, 0)[0] == 1
    # An anonymous caller owns only the session it names.
    assert store.get(ANON_2, mine[anon]) is None and store.get(Owner(session_id=""), mine[anon]) is None
    assert all(store.get(o, c) is not None for o, c in mine.items())


def test_delete_removes_messages_feedback_and_the_session_memory(store: ConversationStore) -> None:
    forgotten: list[str] = []
    store.forget_thread = forgotten.append
    turn = say(store, ANON_1, "anon-1")
    assert store.feedback(ANON_1, turn.message_id, 4, "ok") is not None
    assert store.delete(ANON_1, turn.conversation_id) is True
    assert store.get(ANON_1, turn.conversation_id) is None and store.list(ANON_1, 10, 0) == (0, [])
    assert store.feedback(ANON_1, turn.message_id, 5, None) is None
    assert forgotten == [thread_of(ANON_1.key, "anon-1")]
    # Owners who share a session id have a graph memory each: deleting one's forgets only that one.
    say(store, ALICE, "both")
    gone = say(store, BOB, "both")
    assert store.delete(BOB, gone.conversation_id) and forgotten[1:] == [thread_of(BOB.key, "both")]
    assert len({thread_of(BOB.key, "both"), thread_of(ALICE.key, "both"), thread_of(ANON_1.key, "both"), "both"}) == 4
    assert store.delete(BOB, gone.conversation_id) is False


def test_feedback_rates_only_the_owners_answers(store: ConversationStore) -> None:
    turn = say(store, ALICE, "s1")
    saved = store.feedback(ALICE, turn.message_id, 5, "Very helpful")
    assert saved is not None and saved["rating"] == 5 and saved["feedback"] == "Very helpful"
    again = store.feedback(ALICE, turn.message_id, 2, None)
    assert again is not None and again["id"] == saved["id"] and again["rating"] == 2
    assert store.feedback(BOB, turn.message_id, 5, None) is None
    assert store.feedback(ALICE_OTHER, turn.message_id, 5, None) is None
    assert store.feedback(ALICE, turn.user_message_id, 5, None) is None  # a question is not an answer
    assert store.feedback(ALICE, "msg_unknown", 5, None) is None


def test_the_database_refuses_a_rating_outside_1_to_5(store: ConversationStore) -> None:
    turn = say(store, ALICE, "s1")
    with pytest.raises(IntegrityError):
        store.feedback(ALICE, turn.message_id, 6, None)


def test_usage_totals_by_provider_model_agent_and_day(store: ConversationStore) -> None:
    today = datetime.now(UTC).date()
    usage = {"provider": "openai", "model": "gpt-4o-mini", "input_tokens": 100, "output_tokens": 20}
    store.clock = lambda: time.time() - DAY
    say(store, ALICE, "s1", usage={**usage, "estimated_cost": 0.0001, "latency_ms": 300}, at=time.time() - DAY)
    store.clock = time.time
    say(store, ALICE, "s1", usage={**usage, "estimated_cost": 0.0002, "latency_ms": 500})
    say(store, ALICE, "s2", agent="eligibility_graph")
    say(store, BOB, "s3", usage={**usage, "estimated_cost": 0.0004, "latency_ms": 100})
    say(store, ANON_1, "anon-1")
    mine = store.usage(ALICE, None, today - timedelta(days=7), today)
    assert mine["total"] == {
        "requests": 3,
        "input_tokens": 200,
        "output_tokens": 40,
        "estimated_cost": 0.0003,
        "avg_latency_ms": pytest.approx((300 + 500 + 12) / 3, abs=0.1),
    }
    assert [(p["provider"], p["requests"]) for p in mine["by_provider"]] == [("deterministic", 1), ("openai", 2)]
    assert [(m["model"], m["input_tokens"]) for m in mine["by_model"]] == [("deterministic", 0), ("gpt-4o-mini", 200)]
    assert {a["agent"]: a["requests"] for a in mine["by_agent"]} == {"eligibility_graph": 1, "product_info_graph": 2}
    yesterday = (today - timedelta(days=1)).isoformat()
    assert [(d["day"], d["requests"]) for d in mine["by_day"]] == [(yesterday, 1), (today.isoformat(), 2)]
    only_today = store.usage(ALICE, None, today, today)
    assert only_today["total"]["requests"] == 2 and only_today["from"] == today.isoformat()
    tenant = store.usage(None, "demo", today - timedelta(days=7), today)
    assert tenant["total"]["requests"] == 4 and tenant["total"]["estimated_cost"] == 0.0007
    assert store.usage(None, "other", today, today)["total"]["requests"] == 0
    anon = store.usage(ANON_1, None, today, today)
    assert anon["total"]["requests"] == 1 and store.usage(ANON_2, None, today, today)["total"]["requests"] == 0
    assert conversation_cost(store, ALICE, "s1") == pytest.approx(0.0003)


def conversation_cost(store: ConversationStore, owner: Owner, session: str) -> float:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bank_router.store.models import Conversation

    with Session(store.engine) as s:
        conv = s.scalar(
            select(Conversation).where(Conversation.owner_key == owner.key, Conversation.session_id == session)
        )
        assert conv is not None and conv.input_tokens == 200 and conv.output_tokens == 40
        return conv.cost


def test_purge_deletes_conversations_idle_before_the_cutoff(store: ConversationStore) -> None:
    now = time.time()
    store.clock = lambda: now - 40 * DAY
    old = say(store, ALICE, "old", at=now - 40 * DAY)
    store.feedback(ALICE, old.message_id, 3, None)
    say(store, ANON_1, "anon-1", at=now - 40 * DAY)
    say(store, BOB, "anon-1", at=now - 40 * DAY)
    store.clock = lambda: now - 35 * DAY
    say(store, ALICE, "revived", at=now - 35 * DAY)
    store.clock = lambda: now
    say(store, ALICE, "revived", at=now)  # old but active again: kept
    say(store, BOB, "fresh", at=now)
    cutoff = datetime.fromtimestamp(now - 30 * DAY, UTC).replace(tzinfo=None)
    result = store.purge(cutoff)
    assert (result.conversations, result.messages, result.feedback) == (3, 6, 1)
    expected = {thread_of(ALICE.key, "old"), thread_of(ANON_1.key, "anon-1"), thread_of(BOB.key, "anon-1")}
    assert result.threads == expected
    assert {c["session_id"] for c in store.list(ALICE, 10, 0)[1]} == {"revived"}
    assert store.list(BOB, 10, 0)[0] == 1 and store.list(ANON_1, 10, 0)[0] == 0
    assert store.purge(cutoff).conversations == 0
    usage = store.usage(ALICE, None, date.today() - timedelta(days=60), date.today() + timedelta(days=1))
    assert usage["total"]["requests"] == 3  # usage rows hold no content: retention keeps them
