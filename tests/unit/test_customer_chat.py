"""A signed-in customer in the chat: their own balances, statement and cards, a card block that waits for a
yes, a transfer that waits for a one-time code, and hand-overs to a person. Real graph, and a platform
database of this module's own (transfers and blocks change it; other modules keep the shared one)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bank_router.events.bus import HUMAN_INTERVENTION, Event
from bank_router.services import Services, build_platforms
from bank_router.tools import execute
from bank_router.tools.otp import derive_key, make_sender, outbox_path
from bank_router.tools.spec import ToolDeps
from bank_router.turn.context import Caller
from tests.helpers import Chat

A = Caller(sub="123", tenant="demo", role="customer")
B = Caller(sub="456", tenant="demo", role="customer")


def _accounts(services: Services, caller: Caller) -> list[dict[str, Any]]:
    result = execute("account_lookup", {}, caller, services.tools).result.model_dump(mode="json")
    return list(result["items"])


def _available(services: Services, caller: Caller) -> dict[str, float]:
    return {a["account_id"]: a["available"] for a in _accounts(services, caller)}


def _last_code(services: Services, customer: int) -> str:
    lines = outbox_path(services.settings).read_text().splitlines()
    mine = [json.loads(x) for x in lines if json.loads(x)["customer_id"] == customer]
    return str(mine[-1]["code"])


@pytest.fixture(scope="module")
def services(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Services:
    """The session's services over a freshly seeded platform database of this module's own."""
    data_dir: Path = tmp_path_factory.mktemp("customer-chat")
    settings = services.settings.model_copy(update={"data_dir": data_dir})
    platform, banking = build_platforms(settings)
    tools = ToolDeps(
        platform=platform,
        catalog=services.catalog,
        events=services.events,
        banking=banking,
        codes=make_sender(settings),
        code_secret=derive_key(settings.auth_jwt_secret),
    )
    return dataclasses.replace(services, settings=settings, tools=tools)


@pytest.fixture
def events(services: Services) -> Iterator[list[Event]]:
    seen: list[Event] = []
    unsubscribe = services.events.subscribe(seen.append)
    yield seen
    unsubscribe()


def test_balance_comes_from_the_customers_own_accounts(services: Services) -> None:
    mine, theirs = _accounts(services, A), _accounts(services, B)
    ans = Chat(services, A).say("What is my account balance?")
    assert ans["agent"] == "servicing_graph" and not ans["refusal"]
    assert "tool:check_balance" in ans["sources"] and "check_balance" in ans["tools_used"]
    for acc in mine:
        assert acc["account_number"][-4:] in ans["message"]
    for acc in theirs:
        assert acc["account_number"][-4:] not in ans["message"]
    assert ans["context"]["account_number"].startswith("****")
    assert ans["context"]["last_updated"]


def test_another_customer_sees_only_their_own(services: Services) -> None:
    ans = Chat(services, B).say("what's my balance?")
    for acc in _accounts(services, A):
        assert acc["account_number"][-4:] not in ans["message"]
    assert any(acc["account_number"][-4:] in ans["message"] for acc in _accounts(services, B))


def test_signed_out_the_same_question_is_served_not_refused(services: Services) -> None:
    ans = Chat(services).say("What is my account balance?")
    assert ans["agent"] == "support_graph" and not ans["refusal"]
    assert not any(s.startswith("tool:") for s in ans["sources"])


def test_bangla_balance(services: Services) -> None:
    ans = Chat(services, A).say("আমার ব্যালেন্স কত?", "bn")
    assert ans["agent"] == "servicing_graph" and "ব্যালেন্স" in ans["message"]
    assert re.search("[০-৯]", ans["message"])


def test_last_five_transactions_and_salary(services: Services) -> None:
    ans = Chat(services, A).say("show my last 5 transactions")
    assert "tool:list_my_transactions" in ans["sources"]
    rows = [line for line in ans["message"].splitlines() if re.match(r"^\| \d{4}-\d{2}-\d{2}", line)]
    assert 1 <= len(rows) <= 5
    salary = Chat(services, A).say("did my salary come in?")
    assert "tool:list_my_transactions" in salary["sources"]
    assert "salary" in salary["message"].lower()


def test_block_waits_for_a_yes_then_blocks_and_says_how_to_replace(services: Services) -> None:
    chat = Chat(services, A)
    first = chat.say("please block my debit card")
    cards = execute("list_my_cards", {}, A, services.tools).result.model_dump(mode="json")["items"]
    debit = [c for c in cards if c["kind"] == "debit" and c["status"] == "active"]
    if len(debit) > 1:
        assert first["awaiting"]["needs"] == "card"
        first = chat.say(debit[0]["number"][-4:])
    assert first["awaiting"]["needs"] == "confirm"
    target = next(c for c in debit if c["number"][-4:] in first["message"].replace("•", ""))
    still = execute("list_my_cards", {}, A, services.tools).result.model_dump(mode="json")["items"]
    assert next(c for c in still if c["card_id"] == target["card_id"])["status"] == "active"  # nothing yet
    done = chat.say("yes")
    assert "tool:block_card" in done["sources"] and "৳300" in done["message"]
    assert "knowledge/support/cards/lost_or_stolen_card.md" in done["sources"]
    after = execute("list_my_cards", {}, A, services.tools).result.model_dump(mode="json")["items"]
    assert next(c for c in after if c["card_id"] == target["card_id"])["status"] == "blocked"
    # Put it back for the other tests: unblocking also waits for a yes.
    back = chat.say(f"unblock my card ending {target['number'][-4:]}")
    assert back["awaiting"]["needs"] == "confirm"
    assert "tool:unblock_card" in chat.say("yes")["sources"]
    final = execute("list_my_cards", {}, A, services.tools).result.model_dump(mode="json")["items"]
    assert next(c for c in final if c["card_id"] == target["card_id"])["status"] == "active"


def test_no_means_nothing_is_blocked(services: Services) -> None:
    chat = Chat(services, B)
    first = chat.say("block my card")
    before = execute("list_my_cards", {}, B, services.tools).result.model_dump(mode="json")["items"]
    if first.get("awaiting", {}).get("needs") == "card":
        first = chat.say("the first one")
    assert first["awaiting"]["needs"] == "confirm"
    assert "not" in chat.say("no")["message"].lower()
    assert execute("list_my_cards", {}, B, services.tools).result.model_dump(mode="json")["items"] == before


def test_transfer_waits_for_the_code_and_moves_money_once(services: Services) -> None:
    chat = Chat(services, A)
    before = _available(services, A)
    # A code in the asking turn is never taken: no challenge exists yet.
    ask = chat.say("send 5,000 taka to my brother's account, code 123456")
    assert ask["awaiting"]["needs"] == "code" and "tool:transfer_funds" in ask["sources"]
    assert "৳5,000" in ask["message"]
    assert _available(services, A) == before
    code = _last_code(services, 123)
    wrong = "000000" if code != "000000" else "111111"
    bad = chat.say(wrong)
    assert bad["awaiting"]["needs"] == "code" and _available(services, A) == before
    done = chat.say(code)
    assert "awaiting" not in done or not done["awaiting"]
    after = _available(services, A)
    moved = {k: before[k] - after[k] for k in before if before[k] != after[k]}
    assert len(moved) == 1 and 5_000 <= next(iter(moved.values())) <= 5_100  # the amount and its fee, once
    again = chat.say(code)  # the code was used: a bare code now starts nothing
    assert _available(services, A) == after and again["agent"] in ("servicing_graph", "clarification_agent")


def test_cancel_a_waiting_transfer(services: Services) -> None:
    chat = Chat(services, B)
    before = _available(services, B)
    first = chat.say("transfer 1000 taka to my own savings account")
    if first.get("awaiting", {}).get("needs") == "payee":
        first = chat.say("1")
    chat.say("cancel")
    assert _available(services, B) == before


def test_a_large_transfer_goes_to_a_person(services: Services, events: list[Event]) -> None:
    before = _available(services, A)
    ans = Chat(services, A).say("send 900,000 taka to my brother")
    assert ans["handover"]["reason"] == "large_transfer"
    assert any(e.type == HUMAN_INTERVENTION and e.data["reason"] == "large_transfer" for e in events)
    assert _available(services, A) == before


def test_a_dispute_of_a_signed_in_customer_is_handed_over(services: Services, events: list[Event]) -> None:
    ans = Chat(services, A).say("I was charged twice for the same purchase and I want to dispute it")
    assert ans["agent"] == "support_graph" and ans["handover"]["reason"] == "dispute"
    assert any(e.type == HUMAN_INTERVENTION and e.tenant == "demo" for e in events)


def test_staff_tools_stay_closed_to_a_customer(services: Services) -> None:
    ans = Chat(services, A).say("show KYC for customer 456")
    assert "456" not in ans["message"] or ans["refusal"]
    assert not any(s == "tool:get_customer_kyc" for s in ans["sources"])
