"""Platform tools on a real seeded SQLite database: permissions, tenant isolation, seed 000's facts, masking."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bank_router.knowledge.catalog import Catalog
from bank_router.platform.db import make_engine, session_factory
from bank_router.platform.seed import ensure_seeded
from bank_router.settings import ROOT
from bank_router.tools import (
    TOOLS,
    RecordNotFound,
    SqlPlatform,
    ToolArgumentError,
    ToolDeps,
    ToolExecutionError,
    ToolForbidden,
    ToolNotFound,
    execute,
)
from bank_router.tools.spec import RunContext, Tool
from bank_router.turn.context import Caller

NOW = datetime(2026, 11, 1, 9, 0, 0)
ALL_PERMISSIONS = frozenset(
    {"ai_agent", "customer:read", "transaction:read", "loan:read", "loan:score", "staff:read", "insights:read"}
)

# One representative call per tool, naming seed 000's demo ids.
CALLS: dict[str, dict[str, Any]] = {
    "get_customer_kyc": {"identity_id": 123},
    "list_customers": {"search_string": "a"},
    "get_transactions": {},
    "get_transaction_by_id": {"reference_id": "REF-001"},
    "get_loan": {"loan_id": 456},
    "list_loans": {"customer_id": 123},
    "get_loan_application": {"application_id": 1},
    "list_loan_applications": {},
    "get_loan_product": {"product_id": 5},
    "list_loan_products": {},
    "get_loan_repayments": {"loan_id": 456},
    "get_loan_installments": {"loan_id": 456},
    "get_loan_balance": {"loan_id": 789},
    "list_collection_cases": {"customer_id": 123},
    "get_loan_score_history": {"customer_id": 789},
    "get_blacklist_status": {"customer_id": 456},
    "get_agent_info": {"agent_id": 1},
    "list_agents": {},
    "get_store_info": {"store_id": 1},
    "list_stores": {},
    "get_operator_info": {"operator_id": 1},
    "list_operators": {},
    "get_failed_transactions": {},
    "get_suspicious_transactions": {"min_risk_score": 0},
    "get_reconciliation_reports": {},
    "customer_onboarding_guide": {},
    "start_loan_scoring_workflow": {"customer_id": 123},
}


@pytest.fixture(scope="module", name="engine")
def engine_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    tmp: Path = tmp_path_factory.mktemp("tools")
    eng = make_engine(f"sqlite:///{tmp}/p.sqlite")
    ensure_seeded(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module", name="deps")
def deps_fixture(engine: Engine) -> ToolDeps:
    return ToolDeps(
        platform=SqlPlatform(session_factory(engine)), catalog=Catalog(ROOT / "knowledge"), clock=lambda: NOW
    )


def staff(tenant: str = "demo", permissions: frozenset[str] = ALL_PERMISSIONS) -> Caller:
    return Caller(sub="staff-1", tenant=tenant, permissions=permissions)


def run(deps: ToolDeps, name: str, caller: Caller | None = None, **args: Any) -> dict[str, Any]:
    out: dict[str, Any] = execute(name, args, caller or staff(), deps).to_dict()
    assert out["success"] is True and out["tool_version"] == "1.0.0" and out["execution_time"] >= 0
    return out["result"]  # type: ignore[no-any-return]


def test_calls_cover_every_tool() -> None:
    assert set(CALLS) == set(TOOLS)
    assert len(TOOLS) == 27


# The permission matrix.


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_anonymous_caller(name: str, deps: ToolDeps) -> None:
    tool = TOOLS[name]
    if tool.permission is None:
        assert run(deps, name, Caller(), **CALLS[name])
        return
    with pytest.raises(ToolForbidden) as err:
        execute(name, CALLS[name], Caller(), deps)
    assert err.value.permission == tool.permission
    assert set(err.value.missing) == {"ai_agent", tool.permission}


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_token_without_the_permission(name: str, deps: ToolDeps) -> None:
    tool = TOOLS[name]
    if tool.permission is None:
        assert run(deps, name, staff(permissions=frozenset()), **CALLS[name])
        return
    without = staff(permissions=ALL_PERMISSIONS - {tool.permission})
    with pytest.raises(ToolForbidden) as err:
        execute(name, CALLS[name], without, deps)
    assert err.value.missing == [tool.permission]
    # The tool's own permission without ai_agent is not enough either.
    with pytest.raises(ToolForbidden) as err:
        execute(name, CALLS[name], staff(permissions=frozenset({tool.permission})), deps)
    assert err.value.missing == ["ai_agent"]


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_token_with_permission_in_demo(name: str, deps: ToolDeps) -> None:
    tool = TOOLS[name]
    permissions = frozenset({"ai_agent", tool.permission} - {None})
    result = run(deps, name, staff(permissions=permissions), **CALLS[name])  # type: ignore[arg-type]
    tool.result.model_validate(result)
    if "items" in result:
        assert result["items"], f"{name} found nothing in demo"


def _demo_ids(value: Any) -> set[int]:
    """Every integer id-like value in a result."""
    found: set[int] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, int) and not isinstance(v, bool) and (k == "id" or k.endswith("_id")):
                found.add(v)
            else:
                found |= _demo_ids(v)
    elif isinstance(value, list):
        for v in value:
            found |= _demo_ids(v)
    return found


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_other_tenant_never_sees_demo_rows(name: str, deps: ToolDeps) -> None:
    tool = TOOLS[name]
    try:
        result = run(deps, name, staff(tenant="other"), **CALLS[name])
    except RecordNotFound as exc:
        assert "other" not in exc.message and "demo" not in exc.message
        return
    if tool.permission is None:
        return
    # Other's ids start at 1,000,001: any smaller id would be a demo row.
    ids = _demo_ids(result)
    assert all(i > 1_000_000 for i in ids), f"{name} leaked demo ids {sorted(i for i in ids if i <= 1_000_000)}"
    if name.startswith(("list_", "get_transactions", "get_failed", "get_suspicious", "get_reconciliation")):
        return
    pytest.fail(f"{name} returned a demo id to tenant other")


def test_other_tenant_sees_its_own_rows(deps: ToolDeps) -> None:
    page = run(deps, "list_customers", staff(tenant="other"), page_size=100)
    assert page["total"] == 60 and all(c["identity_id"] > 1_000_000 for c in page["items"])
    kyc = run(deps, "get_customer_kyc", staff(tenant="other"), identity_id=page["items"][0]["identity_id"])
    assert kyc["identity_id"] == page["items"][0]["identity_id"]
    with pytest.raises(RecordNotFound):
        execute("get_customer_kyc", {"identity_id": kyc["identity_id"]}, staff(), deps)


# Seed 000's example facts.


def test_customer_123_kyc(deps: ToolDeps) -> None:
    kyc = run(deps, "get_customer_kyc", identity_id=123)
    assert kyc["identity_id"] == 123 and kyc["kyc_status"] == "verified" and kyc["kyc_verified_at"]
    assert kyc["nid"].startswith("*") and len(kyc["nid"].lstrip("*")) == 4


def test_ref_001(deps: ToolDeps) -> None:
    by_ref = run(deps, "get_transaction_by_id", reference_id="ref-001")
    assert by_ref["reference_id"] == "REF-001" and by_ref["customer_id"] == 123
    assert run(deps, "get_transaction_by_id", transaction_id=by_ref["id"]) == by_ref
    listed = run(deps, "get_transactions", reference_id="REF-001")
    assert listed["total"] == 1 and listed["items"][0]["reference_id"] == "REF-001"


def test_loan_456_repayments(deps: ToolDeps) -> None:
    page = run(deps, "get_loan_repayments", loan_id=456, page_size=100)
    assert page["total"] > 0 and all(r["loan_id"] == 456 for r in page["items"])
    paid = [r["paid_at"] for r in page["items"]]
    assert paid == sorted(paid, reverse=True)


def test_loan_789_balance(deps: ToolDeps) -> None:
    balance = run(deps, "get_loan_balance", loan_id=789)
    loan = run(deps, "get_loan", loan_id=789)
    assert balance["customer_id"] == 789 and balance["status"] == "active"
    assert 0 < balance["outstanding_principal"] <= balance["principal"] == loan["principal"]
    assert balance["installments_paid"] > 0 and balance["total_repaid"] > 0
    assert balance["next_due_date"] is not None


def test_collection_cases_for_customer_123(deps: ToolDeps) -> None:
    page = run(deps, "list_collection_cases", customer_id=123)
    assert page["total"] >= 1
    loans = {loan["id"] for loan in run(deps, "list_loans", customer_id=123)["items"]}
    for case in page["items"]:
        assert case["customer_id"] == 123 and case["loan_id"] in loans and case["actions"]
    by_loan = run(deps, "list_collection_cases", loan_id=page["items"][0]["loan_id"])
    assert by_loan["items"][0]["id"] == page["items"][0]["id"]


def test_customer_456_blacklist_status(deps: ToolDeps) -> None:
    status = run(deps, "get_blacklist_status", customer_id=456)
    assert status == {"customer_id": 456, "blacklisted": False, "entries": []}


def test_a_blacklisted_customer(deps: ToolDeps, engine: Engine) -> None:
    from sqlalchemy import select

    from bank_router.platform.models import Blacklist

    with session_factory(engine)() as s:
        listed = s.scalars(select(Blacklist).where(Blacklist.tenant == "demo", Blacklist.active)).first()
    assert listed is not None
    status = run(deps, "get_blacklist_status", customer_id=listed.customer_id)
    assert status["blacklisted"] is True and status["entries"][0]["reason"]
    workflow = run(deps, "start_loan_scoring_workflow", customer_id=listed.customer_id)
    assert workflow["status"] == "ineligible" and workflow["needs"] is None


def test_score_history_of_789(deps: ToolDeps) -> None:
    page = run(deps, "get_loan_score_history", customer_id=789)
    assert page["total"] >= 1 and all(s["customer_id"] == 789 for s in page["items"])
    assert any(s["product_id"] == 5 and s["amount"] == 50_000 for s in page["items"])


def test_product_5(deps: ToolDeps) -> None:
    product = run(deps, "get_loan_product", product_id=5)
    assert product["id"] == 5 and product["min_amount"] <= 50_000 <= product["max_amount"]


def test_onboarding_guide_stages(deps: ToolDeps) -> None:
    guide = run(deps, "customer_onboarding_guide", Caller())
    assert guide["stages"] == ["registration", "staging", "approval"]
    assert guide["source"] == "knowledge/onboarding/staff_customer_onboarding.md"
    bangla = run(deps, "customer_onboarding_guide", Caller(), language="bn")
    assert len(bangla["steps"]) == len(guide["steps"]) and bangla["steps"][0]["title"] != guide["steps"][0]["title"]


# Masking and pagination.

LONG_DIGITS = re.compile(r"\d{10,}")


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_no_full_personal_number_in_results(name: str, deps: ToolDeps) -> None:
    args = {**CALLS[name]}
    if "page_size" in TOOLS[name].args.model_fields:
        args["page_size"] = 100
    text = json.dumps(run(deps, name, **args))
    assert not LONG_DIGITS.search(text), LONG_DIGITS.findall(text)


def test_customers_search_by_phone_and_id(deps: ToolDeps, engine: Engine) -> None:
    from bank_router.platform.models import Customer

    with session_factory(engine)() as s:
        customer = s.get(Customer, 456)
    assert customer is not None
    by_phone = run(deps, "list_customers", search_string=customer.phone)
    assert [c["identity_id"] for c in by_phone["items"]] == [456]
    assert customer.phone not in json.dumps(by_phone)
    assert 456 in [c["identity_id"] for c in run(deps, "list_customers", search_string="456")["items"]]
    assert run(deps, "list_customers", search_string="%")["total"] == 0


@pytest.mark.parametrize(("size", "number"), [(1, 1), (100, 1), (10, 3), (50, 20)])
def test_pagination_bounds(deps: ToolDeps, size: int, number: int) -> None:
    page = run(deps, "list_customers", page_size=size, page_number=number)
    assert page["total"] == 1000 and page["page_size"] == size and page["page_number"] == number
    assert len(page["items"]) == max(0, min(size, 1000 - (number - 1) * size))


@pytest.mark.parametrize("bad", [{"page_size": 0}, {"page_size": 101}, {"page_number": 0}, {"page_size": "x"}])
def test_pagination_rejects_out_of_range(deps: ToolDeps, bad: dict[str, Any]) -> None:
    with pytest.raises(ToolArgumentError) as err:
        execute("list_customers", bad, staff(), deps)
    assert err.value.details[0]["field"] == next(iter(bad))


def test_pages_do_not_overlap(deps: ToolDeps) -> None:
    first = run(deps, "get_transactions", page_size=5)
    second = run(deps, "get_transactions", page_size=5, page_number=2)
    assert not {t["id"] for t in first["items"]} & {t["id"] for t in second["items"]}
    assert first["items"][-1]["created_at"] >= second["items"][0]["created_at"]


# Executor errors.


def test_unknown_tool(deps: ToolDeps) -> None:
    with pytest.raises(ToolNotFound):
        execute("drop_tables", {}, staff(), deps)


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("get_customer_kyc", {}, "identity_id"),
        ("get_customer_kyc", {"identity_id": -1}, "identity_id"),
        ("get_customer_kyc", {"identity_id": 1, "tenant": "other"}, "tenant"),
        ("get_transactions", {"status": "lost"}, "status"),
        ("get_transactions", {"date_from": "2026-10-02", "date_to": "2026-10-01"}, "date_to"),
        ("get_transaction_by_id", {"reference_id": "x' OR 1=1"}, "reference_id"),
        ("get_transaction_by_id", {}, "(arguments)"),
        ("get_suspicious_transactions", {"min_risk_score": 101}, "min_risk_score"),
        ("start_loan_scoring_workflow", {"customer_id": 123, "amount": -5}, "amount"),
    ],
)
def test_argument_errors_name_the_field(deps: ToolDeps, name: str, args: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolArgumentError) as err:
        execute(name, args, staff(), deps)
    assert field in {d["field"] for d in err.value.details}
    assert all(d["message"] for d in err.value.details)


def test_unexpected_failure_becomes_execution_error(deps: ToolDeps, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(args: Any, ctx: RunContext) -> Any:
        raise RuntimeError("sqlite3.OperationalError: secret internals")

    tool = TOOLS["get_loan"]
    broken: Tool[Any, Any] = Tool(
        name=tool.name,
        category=tool.category,
        description=tool.description,
        permission=tool.permission,
        args=tool.args,
        result=tool.result,
        run=boom,
    )
    monkeypatch.setitem(TOOLS, "get_loan", broken)
    with pytest.raises(ToolExecutionError) as err:
        execute("get_loan", {"loan_id": 456}, staff(), deps)
    assert "secret" not in str(err.value) and "sqlite" not in str(err.value)
    assert isinstance(err.value.__cause__, RuntimeError)
