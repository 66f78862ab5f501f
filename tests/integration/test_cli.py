"""`bank-router ingest` and `ask` as a newcomer runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from api.deps import caller_from_token
from bank_router.knowledge.catalog import Catalog
from bank_router.settings import ROOT
from tests.integration.conftest import server_env

pytestmark = pytest.mark.integration


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bank_router.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_ingest_indexes_then_reuses_the_index(tmp_path: Path) -> None:
    env = server_env(tmp_path, seed_index=False)
    first = run(["ingest"], env)
    assert first.returncode == 0, first.stderr
    catalog = Catalog(ROOT / "knowledge")
    assert f"ready: {len(catalog.products)} products" in first.stdout
    assert f"{len(catalog.all_docs())} changed files re-embedded" in first.stdout
    again = run(["ingest"], env)
    assert again.returncode == 0 and "0 changed files re-embedded" in again.stdout


def test_ask_prints_the_answer(tmp_path: Path) -> None:
    out = run(["ask", "What is Mudaraba?"], server_env(tmp_path))
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout[out.stdout.index("{") :])
    assert body["agent"] == "product_info_graph" and "knowledge/glossary/mudaraba.md" in body["sources"]


def test_token_command_mints_a_verifiable_staff_token(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    out = run(["token", "--permissions", "ai_agent,loan:read", "--tenant", "other", "--sub", "s-9"], env)
    assert out.returncode == 0, out.stderr
    claims = jwt.decode(out.stdout.strip(), env["AUTH_JWT_SECRET"], algorithms=["HS256"])
    assert claims["permissions"] == ["ai_agent", "loan:read"] and claims["tenant"] == "other" and claims["sub"] == "s-9"
    # The server's own checks (exp, iat, lifetime, sub, tenant) accept it.
    caller = caller_from_token(out.stdout.strip(), env["AUTH_JWT_SECRET"])
    assert (caller.sub, caller.tenant) == ("s-9", "other")


def test_token_command_refuses_a_lifetime_the_server_would_refuse(tmp_path: Path) -> None:
    env = {**server_env(tmp_path), "AUTH_MAX_TOKEN_LIFETIME": "3600"}
    assert run(["token", "--ttl", "3600"], env).returncode == 0
    refused = run(["token", "--ttl", "3601"], env)
    assert refused.returncode != 0 and "--ttl" in refused.stderr and not refused.stdout.strip()


def test_token_command_mints_a_customer_token(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    out = run(["token", "--customer", "123", "--tenant", "demo"], env)
    assert out.returncode == 0, out.stderr
    claims = jwt.decode(out.stdout.strip(), env["AUTH_JWT_SECRET"], algorithms=["HS256"])
    assert (claims["role"], claims["sub"], claims["tenant"]) == ("customer", "123", "demo")
    assert "permissions" not in claims  # a customer reaches only the customer tools, on their own records
    caller = caller_from_token(out.stdout.strip(), env["AUTH_JWT_SECRET"])
    assert caller.is_customer and caller.sub == "123"
    assert run(["token", "--customer", "12x"], env).returncode != 0
