"""Every tool's registry entry and function-calling schema, and a fuzz of arguments against every tool."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bank_router.tools import TOOLS, RecordNotFound, ToolArgumentError, ToolDeps, execute, openai_tools, registry
from tests.unit.test_tools import deps_fixture, engine_fixture, staff  # noqa: F401 - fixtures

EXPECTED = {
    "customer:read": {"get_customer_kyc", "list_customers", "get_blacklist_status", "get_loan_score_history"},
    "transaction:read": {"get_transactions", "get_transaction_by_id"},
    "loan:read": {
        "get_loan",
        "list_loans",
        "get_loan_application",
        "list_loan_applications",
        "get_loan_product",
        "list_loan_products",
        "get_loan_repayments",
        "get_loan_installments",
        "get_loan_balance",
        "list_collection_cases",
    },
    "loan:score": {"start_loan_scoring_workflow"},
    "staff:read": {
        "get_agent_info",
        "list_agents",
        "get_store_info",
        "list_stores",
        "get_operator_info",
        "list_operators",
    },
    "insights:read": {"get_failed_transactions", "get_suspicious_transactions", "get_reconciliation_reports"},
    None: {"customer_onboarding_guide"},
}


def test_permissions_follow_the_contract() -> None:
    by_permission: dict[str | None, set[str]] = {}
    for tool in TOOLS.values():
        by_permission.setdefault(tool.permission, set()).add(tool.name)
    assert by_permission == EXPECTED


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_registry_entry(name: str) -> None:
    entry = TOOLS[name].registry_entry()
    assert entry["name"] == name and entry["version"] == "1.0.0"
    assert entry["category"] in {"customer", "transaction", "loan", "staff", "insights", "onboarding", "workflow"}
    assert entry["requires_auth"] is (TOOLS[name].permission is not None)
    assert isinstance(entry["cache_ttl"], int) and entry["response_schema"]["type"] == "object"
    assert entry["description"] and not re.search(r"TODO|FIXME|XXX", entry["description"])
    for pname, param in entry["parameters"].items():
        assert param["type"] in {"string", "integer", "number", "boolean"}, (pname, param)
        assert param["description"], pname
        assert isinstance(param["required"], bool)
    if "page_size" in entry["parameters"]:
        size = entry["parameters"]["page_size"]
        assert (size["minimum"], size["maximum"], size["default"]) == (1, 100, 10)
        assert entry["parameters"]["page_number"]["minimum"] == 1
    json.dumps(entry)


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_openai_schema(name: str) -> None:
    spec = TOOLS[name].openai_tool()
    assert spec["type"] == "function" and spec["function"]["name"] == name
    params = spec["function"]["parameters"]
    assert params["type"] == "object" and params["additionalProperties"] is False
    assert set(params.get("required", [])) <= set(params["properties"])
    assert "$defs" not in params
    assert "$ref" not in json.dumps(params)


def test_listings_cover_every_tool() -> None:
    assert [e["name"] for e in registry()] == list(TOOLS)
    assert [t["function"]["name"] for t in openai_tools()] == list(TOOLS)
    assert [t["function"]["name"] for t in openai_tools(["get_loan"])] == ["get_loan"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_fuzzed_arguments_only_raise_defined_errors(name: str, deps: ToolDeps) -> None:
    tool = TOOLS[name]
    keys = st.sampled_from([*tool.args.model_fields, "extra"])
    plausible = st.integers(-5, 2_000_000) | st.sampled_from(["REF-001", "demo", "", "verified", "2026-10-01"])

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.dictionaries(keys, plausible | json_values, max_size=4))
    def check(args: dict[str, Any]) -> None:
        try:
            result = execute(name, args, staff(), deps)
        except (ToolArgumentError, RecordNotFound):
            return
        tool.result.model_validate(result.result.model_dump())

    check()
