"""Tools over HttpPlatform against a local core-banking server: SQL's answers, tenant-scoped, clean failures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from bank_router.knowledge.catalog import Catalog
from bank_router.platform.db import make_engine, session_factory
from bank_router.platform.seed import ensure_seeded
from bank_router.settings import ROOT
from bank_router.tools import RecordNotFound, SqlPlatform, ToolDeps, ToolUnavailable, execute
from bank_router.tools.http_platform import HttpPlatform
from bank_router.turn.context import Caller
from tests.integration.conftest import free_port, serve, server_env
from tests.unit.test_tools import ALL_PERMISSIONS, CALLS, NOW

pytestmark = pytest.mark.integration
API_KEY = "core-test-key-0123456789"  # the local test server's key only


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    tmp: Path = tmp_path_factory.mktemp("core")
    eng = make_engine(f"sqlite:///{tmp}/core.sqlite")
    ensure_seeded(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def core_url(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "uvicorn", "tests.support.core_banking_server:app", "--port", str(port)]
    env = server_env(tmp_path_factory.mktemp("core-server"), CORE_DB_URL=str(engine.url), CORE_API_KEY=API_KEY)
    with serve(cmd, f"{url}/healthz", env, tmp_path_factory.mktemp("core-log") / "server.log"):
        yield url


@pytest.fixture(scope="module")
def sql_deps(engine: Engine) -> ToolDeps:
    return ToolDeps(
        platform=SqlPlatform(session_factory(engine)), catalog=Catalog(ROOT / "knowledge"), clock=lambda: NOW
    )


@pytest.fixture(scope="module")
def http_deps(core_url: str, sql_deps: ToolDeps) -> Iterator[ToolDeps]:
    platform = HttpPlatform(core_url, API_KEY, timeout=5.0)
    yield replace(sql_deps, platform=platform)
    platform.close()


@pytest.fixture
def fault(core_url: str) -> Iterator[Any]:
    def set_fault(mode: str) -> None:
        httpx.put(f"{core_url}/_control/fault/{mode}").raise_for_status()

    yield set_fault
    set_fault("none")


def staff(tenant: str = "demo") -> Caller:
    return Caller(sub="staff-1", tenant=tenant, permissions=ALL_PERMISSIONS)


def result(deps: ToolDeps, name: str, caller: Caller | None = None, **args: Any) -> Any:
    return execute(name, args, caller or staff(), deps).to_dict()["result"]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_tool_answers_as_over_sql(name: str, sql_deps: ToolDeps, http_deps: ToolDeps) -> None:
    assert result(http_deps, name, **CALLS[name]) == result(sql_deps, name, **CALLS[name])


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("list_customers", {"search_string": "123", "page_size": 5}),
        ("get_transactions", {"customer_id": 123, "status": "success", "date_from": "2026-01-01"}),
        ("get_suspicious_transactions", {"min_risk_score": 70, "page_number": 2}),
        ("get_transaction_by_id", {"transaction_id": 1}),
        ("get_loan_installments", {"loan_id": 456, "status": "paid"}),
        ("list_loans", {"status": "active", "page_size": 3}),
        ("list_stores", {"region": "Dhaka"}),
        ("get_reconciliation_reports", {"status": "mismatch"}),
    ],
)
def test_filters_and_pages_travel_as_query_parameters(
    name: str, args: dict[str, Any], sql_deps: ToolDeps, http_deps: ToolDeps
) -> None:
    assert result(http_deps, name, **args) == result(sql_deps, name, **args)


def test_seed_000_ids_come_back_over_http(http_deps: ToolDeps) -> None:
    kyc = result(http_deps, "get_customer_kyc", identity_id=123)
    assert kyc["identity_id"] == 123 and kyc["kyc_status"] and kyc["nid"].startswith("*")
    repayments = result(http_deps, "get_loan_repayments", loan_id=456)
    assert repayments["total"] > 0 and {r["loan_id"] for r in repayments["items"]} == {456}
    assert result(http_deps, "get_transaction_by_id", reference_id="ref-001")["reference_id"] == "REF-001"
    assert result(http_deps, "get_loan_product", product_id=5)["id"] == 5


def test_scoring_writes_its_score_through_the_api(sql_deps: ToolDeps, http_deps: ToolDeps) -> None:
    before = result(sql_deps, "get_loan_score_history", customer_id=123)["total"]
    scored = result(http_deps, "start_loan_scoring_workflow", customer_id=123, product_id=5, amount=50000)
    assert scored["status"] in ("scored", "ineligible")
    history = result(sql_deps, "get_loan_score_history", customer_id=123)
    if scored["status"] == "scored":
        assert history["total"] == before + 1 and history["items"][0]["id"] == scored["score_id"]
        assert history["items"][0]["scored_by"] == "staff-1"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("get_customer_kyc", {"identity_id": 123}),
        ("get_loan_repayments", {"loan_id": 456}),
        ("get_transaction_by_id", {"reference_id": "REF-001"}),
        ("get_loan_product", {"product_id": 5}),
        ("get_loan_balance", {"loan_id": 789}),
    ],
)
def test_other_tenant_gets_not_found(name: str, args: dict[str, Any], http_deps: ToolDeps) -> None:
    with pytest.raises(RecordNotFound):
        result(http_deps, name, staff("other"), **args)


def test_other_tenant_reads_its_own_rows(http_deps: ToolDeps) -> None:
    own = result(http_deps, "list_customers", staff("other"), page_size=1)["items"][0]["identity_id"]
    assert result(http_deps, "get_customer_kyc", staff("other"), identity_id=own)["identity_id"] == own
    with pytest.raises(RecordNotFound):
        result(http_deps, "get_customer_kyc", identity_id=own)


def test_server_error_is_a_clean_tool_error(http_deps: ToolDeps, fault: Any) -> None:
    fault("error")
    with pytest.raises(ToolUnavailable) as exc:
        result(http_deps, "get_customer_kyc", identity_id=123)
    assert exc.value.code == "platform_unavailable" and "503" not in exc.value.message


def test_timeout_is_a_clean_tool_error(core_url: str, sql_deps: ToolDeps, fault: Any) -> None:
    fault("slow")
    with HttpPlatform(core_url, API_KEY, timeout=0.3) as platform, pytest.raises(ToolUnavailable):
        result(replace(sql_deps, platform=platform), "get_loan", loan_id=456)


def test_wrong_key_and_unreachable_server_are_clean_tool_errors(core_url: str, sql_deps: ToolDeps) -> None:
    for platform in (HttpPlatform(core_url, "wrong-key"), HttpPlatform(f"http://127.0.0.1:{free_port()}")):
        with platform, pytest.raises(ToolUnavailable):
            result(replace(sql_deps, platform=platform), "list_customers")
