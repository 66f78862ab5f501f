"""Input hardening against a real store, SQLite and PostgreSQL (issue #12, finding 6).

Before: a NUL in a message was a 200 whose turn PostgreSQL silently did not store, a surrogate in a
session id a 500, an offset beyond 64 bits a 500 (both engines), and usage ending near year 1 a 500.
"""

from __future__ import annotations

import pytest

from api.routes.conversations import MAX_OFFSET
from tests.store.test_api import Client, anon, app, client  # noqa: F401 - fixtures

BAD_TURNS = [
    (rb'{"session_id": "nul-1", "user_message": "What is \u0000 Mudaraba?", "channel": "web"}', "user_message"),
    (rb'{"session_id": "nul-\u0000", "user_message": "What is Mudaraba?", "channel": "web"}', "session_id"),
    (rb'{"session_id": "sur-\ud800", "user_message": "What is Mudaraba?", "channel": "web"}', "session_id"),
    (rb'{"session_id": "sur-1", "user_message": "What is \udfff Mudaraba?", "channel": "web"}', "user_message"),
]


@pytest.mark.parametrize(("raw", "field"), BAD_TURNS)
def test_unstorable_text_is_422_and_nothing_is_stored(client: Client, raw: bytes, field: str) -> None:  # noqa: F811
    r = client.call("POST", "/api/chat", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert [f["field"] for f in r.json()["details"]["fields"]] == [field]
    for session in ("nul-1", "sur-1"):
        assert client.call("GET", "/api/conversations", headers=anon(session)).json()["meta"]["total"] == 0
    # The same session then chats normally, and its one turn is the first stored.
    assert client.chat("nul-1", "What is Mudaraba?")["message"] == "#1 What is Mudaraba?"


def test_offset_is_bounded_on_every_engine(client: Client) -> None:  # noqa: F811
    client.chat("page-1", "What is Mudaraba?")
    for offset in (2**63, 2**64, 10**30, MAX_OFFSET + 1):
        r = client.call("GET", f"/api/conversations?offset={offset}", headers=anon("page-1"))
        assert r.status_code == 422 and r.json()["details"]["fields"][0]["field"] == "query.offset", r.text
    at_bound = client.call("GET", f"/api/conversations?offset={MAX_OFFSET}&limit=100", headers=anon("page-1"))
    assert at_bound.status_code == 200, at_bound.text
    assert at_bound.json()["data"] == [] and at_bound.json()["meta"]["total"] == 1


@pytest.mark.parametrize("query", ["to=0001-01-05", "to=0001-01-01", "from=9999-12-31&to=9999-12-31"])
def test_usage_at_the_ends_of_the_calendar_is_answered(client: Client, query: str) -> None:  # noqa: F811
    r = client.call("GET", f"/api/usage?{query}", headers=anon("usage-1"))
    assert r.status_code == 200, r.text
    assert r.json()["total"]["requests"] == 0
