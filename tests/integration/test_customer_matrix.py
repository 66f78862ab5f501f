"""Who may run the customer tools, on a real server, over REST and MCP: anonymous, customers 123 and 456 of demo,
a customer of tenant other and staff with every permission, times every customer tool. A customer reads only
their own rows: no response of one customer names another's account, card, payee or masked number."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank_router.platform.db import make_engine
from bank_router.platform.models import Beneficiary, Card, DepositAccount
from bank_router.tools import BANKING_TOOLS
from tests.integration.conftest import free_port, serve, server_env
from tests.integration.test_mcp import SECRET, call, with_session

pytestmark = pytest.mark.integration
ALL_PERMISSIONS = [
    "ai_agent",
    "customer:read",
    "transaction:read",
    "loan:read",
    "loan:score",
    "staff:read",
    "insights:read",
]


def token(sub: str, tenant: str, role: str | None, permissions: list[str] | None = None) -> dict[str, str]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "tenant": tenant,
        "permissions": permissions or [],
        "iat": now,
        "exp": now + 600,
    }
    if role:
        claims["role"] = role
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


@dataclass
class Person:
    """A customer's own public ids and masked numbers, read from the server's database."""

    sub: int
    tenant: str
    accounts: list[str]
    primary: str
    cards: list[str]
    card: str  # an active one
    payees: list[str]
    masked: set[str]

    @property
    def headers(self) -> dict[str, str]:
        return token(str(self.sub), self.tenant, "customer")

    def marks(self) -> set[str]:
        return {*self.accounts, *self.cards, *self.payees, *self.masked}


@dataclass
class Server:
    url: str
    data_dir: Path
    people: dict[str, Person]


def _person(session: Session, sub: int, tenant: str) -> Person:
    accounts = session.scalars(
        select(DepositAccount).where(DepositAccount.customer_id == sub).order_by(DepositAccount.id)
    ).all()
    cards = session.scalars(select(Card).where(Card.customer_id == sub)).all()
    payees = session.scalars(select(Beneficiary).where(Beneficiary.customer_id == sub)).all()
    masked = {"****" + a.account_number[-4:] for a in accounts} | {"****" + c.last_four for c in cards}
    masked |= {"****" + b.account_number[-4:] for b in payees}
    return Person(
        sub=sub,
        tenant=tenant,
        accounts=[a.account_id for a in accounts],
        primary=next(a.account_id for a in accounts if a.is_primary),
        cards=[c.card_id for c in cards],
        card=next(c.card_id for c in cards if c.status == "active"),
        payees=[b.beneficiary_id for b in payees],
        masked=masked,
    )


def _usable_other(session: Session) -> int:
    """The first customer of tenant other with an active card and a saved payee."""
    with_card = select(Card.customer_id).where(Card.tenant == "other", Card.status == "active")
    with_payee = select(Beneficiary.customer_id).where(Beneficiary.tenant == "other")
    return min(set(session.scalars(with_card)) & set(session.scalars(with_payee)))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port, data_dir = free_port(), tmp_path_factory.mktemp("customer-matrix")
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    with serve(cmd, f"{url}/healthz", server_env(data_dir), data_dir / "server.log"):
        engine = make_engine(f"sqlite:///{data_dir}/platform.sqlite")
        with Session(engine) as session:
            people = {
                "c123": _person(session, 123, "demo"),
                "c456": _person(session, 456, "demo"),
                "other": _person(session, _usable_other(session), "other"),
            }
        engine.dispose()
        yield Server(url, data_dir, people)


def own_calls(p: Person) -> dict[str, dict[str, Any]]:
    """One call per customer tool on the caller's own rows; none of them changes anything."""
    return {
        "check_balance": {},
        "account_lookup": {},
        "list_my_transactions": {"page_size": 50},
        "list_my_cards": {},
        "list_beneficiaries": {},
        "block_card": {"card_id": p.card, "reason": "damaged"},
        "unblock_card": {"card_id": p.card},
        "transfer_funds": {"from_account": p.primary, "to_account": p.payees[0], "amount": 10},
    }


def cross_calls(p: Person, q: Person) -> list[tuple[str, dict[str, Any]]]:
    """Caller `p` naming `q`'s rows, each of which must be not found."""
    return [
        ("check_balance", {"account_id": q.primary}),
        ("account_lookup", {"account_id": q.primary}),
        ("list_my_transactions", {"account_id": q.primary}),
        ("block_card", {"card_id": q.cards[0], "reason": "stolen", "confirm": True}),
        ("unblock_card", {"card_id": q.cards[0], "confirm": True}),
        ("transfer_funds", {"from_account": q.primary, "to_account": p.primary, "amount": 10}),
        ("transfer_funds", {"from_account": p.primary, "to_account": q.payees[0], "amount": 10}),
        ("transfer_funds", {"from_account": p.primary, "to_account": q.primary, "amount": 10}),
    ]


def rest(server: Server, name: str, args: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/api/tools/{name}/execute", json={"parameters": args}, headers=headers, timeout=30)


def test_the_rest_matrix(server: Server) -> None:
    people = server.people
    staff = token("staff-1", "demo", None, ALL_PERMISSIONS)
    sample = own_calls(people["c123"])
    assert set(sample) == set(BANKING_TOOLS)
    for name, args in sample.items():
        anonymous = rest(server, name, args, {})
        assert anonymous.status_code == 401 and anonymous.json()["error_code"] == "UNAUTHORIZED", name
        forbidden = rest(server, name, args, staff)
        assert forbidden.status_code == 403 and forbidden.json()["error_code"] == "FORBIDDEN", name
    leaks = 0
    for key, person in people.items():
        bodies: list[str] = []
        for name, args in own_calls(person).items():
            r = rest(server, name, args, person.headers)
            assert r.status_code == 200, (key, name, r.text)
            bodies.append(r.text)
        for other_key, other in people.items():
            if other_key == key:
                continue
            for name, args in cross_calls(person, other):
                r = rest(server, name, args, person.headers)
                assert r.status_code == 404 and r.json()["error_code"] == "NOT_FOUND", (key, other_key, name, r.text)
                bodies.append(r.text)
            leaks += sum(mark in body for body in bodies for mark in other.marks())
        assert any(person.primary in body for body in bodies)
    assert leaks == 0


def test_staff_tools_stay_closed_to_customer_tokens(server: Server) -> None:
    loaded = token("123", "demo", "customer", ALL_PERMISSIONS)
    r = rest(server, "get_customer_kyc", {"identity_id": 123}, loaded)
    assert r.status_code == 403
    listed = httpx.get(f"{server.url}/api/tools", headers=server.people["c123"].headers, timeout=30).json()["data"]
    assert set(BANKING_TOOLS) <= {t["name"] for t in listed} and "get_customer_kyc" not in {t["name"] for t in listed}
    anonymous = httpx.get(f"{server.url}/api/tools", timeout=30).json()["data"]
    assert not set(BANKING_TOOLS) & {t["name"] for t in anonymous}
    detail = httpx.get(f"{server.url}/api/tools/CheckBalanceTool", timeout=30).json()
    assert detail["name"] == "check_balance" and detail["rate_limit"] == "100/hour"


def test_the_mcp_matrix(server: Server) -> None:
    people = server.people
    staff = token("staff-1", "demo", None, ALL_PERMISSIONS)

    async def listing(session: Any) -> Any:
        return await session.list_tools()

    names = {t.name for t in with_session(server.url, people["c123"].headers, listing).tools}
    assert set(BANKING_TOOLS) <= names and "get_customer_kyc" not in names
    for name, args in own_calls(people["c123"]).items():
        result = call(server.url, staff, name, args)
        assert result.is_error is True and json.loads(result.content[0].text)["error_code"] == "customer_token_required"
    leaks = 0
    for key, person in people.items():
        texts: list[str] = []
        for name, args in own_calls(person).items():
            result = call(server.url, person.headers, name, args)
            assert result.is_error is False, (key, name, result.content[0].text)
            texts.append(result.content[0].text)
        for other_key, other in people.items():
            if other_key == key:
                continue
            for name, args in cross_calls(person, other):
                result = call(server.url, person.headers, name, args)
                assert result.is_error is True, (key, other_key, name)
                assert json.loads(result.content[0].text)["error_code"] == "not_found"
                texts.append(result.content[0].text)
            leaks += sum(mark in text for text in texts for mark in other.marks())
    assert leaks == 0


def test_a_transfer_over_rest_needs_the_code_from_the_outbox(server: Server) -> None:
    p = server.people["c123"]  # a savings (primary) and a current account, in that order
    args = {"from_account": p.primary, "to_account": p.accounts[1], "amount": 125}
    before = rest(server, "check_balance", {}, p.headers).json()["result"]
    asked = rest(server, "transfer_funds", args, p.headers).json()["result"]
    assert asked["status"] == "otp_required"
    outbox = server.data_dir / "outbox" / "codes.jsonl"
    assert outbox.stat().st_mode & 0o777 == 0o600
    line = next(json.loads(x) for x in outbox.read_text().splitlines() if asked["challenge_id"] in x)
    assert line["customer_id"] == 123 and line["code"] not in json.dumps(asked)
    bad = f"{(int(line['code']) + 1) % 1_000_000:06d}"
    r = rest(server, "transfer_funds", {**args, "challenge_id": asked["challenge_id"], "code": bad}, p.headers)
    assert r.status_code == 422 and r.json()["error_code"] == "INVALID_CODE" and r.json()["details"]["tries_left"] == 2
    r = rest(server, "transfer_funds", {**args, "challenge_id": asked["challenge_id"], "code": line["code"]}, p.headers)
    assert r.status_code == 200 and r.json()["result"]["status"] == "completed"
    after = rest(server, "check_balance", {}, p.headers).json()["result"]
    assert round(before["available"] - after["available"], 2) == 125
    again = rest(
        server, "transfer_funds", {**args, "challenge_id": asked["challenge_id"], "code": line["code"]}, p.headers
    )
    assert again.status_code == 422 and again.json()["error_code"] == "CODE_USED"
    log = (server.data_dir / "server.log").read_text()
    assert line["code"] not in log
