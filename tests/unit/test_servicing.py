"""servicing_graph through the real router graph and a seeded platform: tools, permissions, tenants, masking."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bank_router.language.templates import Templates
from bank_router.services import Services
from bank_router.tools import TOOLS
from bank_router.turn.context import Caller
from graphs.servicing_llm import SERVICING_TOOLS
from nodes.entities import extract
from nodes.servicing_rules import Call, plan
from tests.helpers import Chat

STAFF_PERMISSIONS = frozenset(
    {"ai_agent", "customer:read", "transaction:read", "loan:read", "staff:read", "insights:read"}
)
STAFF = Caller(sub="s1", tenant="demo", permissions=STAFF_PERMISSIONS)
OTHER_TENANT = Caller(sub="s2", tenant="other", permissions=STAFF_PERMISSIONS)

# Seed 000's servicing example prompts (and the tool each needs), then paraphrases and the other tools.
SEED_PROMPTS: dict[str, str] = {
    "What is the KYC status for customer 123?": "get_customer_kyc",
    "List the last 10 transactions.": "get_transactions",
    "Show me transaction with reference REF-001.": "get_transaction_by_id",
    "Search for customers named Mary.": "list_customers",
    "Show me the repayment history for loan 456.": "get_loan_repayments",
    "What is the outstanding balance for loan 789?": "get_loan_balance",
    "List all collection cases for customer 123's loans.": "list_collection_cases",
    "Is customer 456 blacklisted?": "get_blacklist_status",
    "Get the loan score history for customer 789.": "get_loan_score_history",
}
MORE_PROMPTS: dict[str, str] = {
    "Check KYC of client 789": "get_customer_kyc",
    "What does loan 456 still owe?": "get_loan_balance",
    "Show the installment schedule for loan 456.": "get_loan_installments",
    "Show details of loan 789.": "get_loan",
    "Show loan product 5.": "get_loan_product",
    "List loan products.": "list_loan_products",
    "Show agent info for agent 1.": "get_agent_info",
    "List all stores.": "list_stores",
    "List operators.": "list_operators",
    "Show failed transactions.": "get_failed_transactions",
    "Show suspicious transactions.": "get_suspicious_transactions",
    "Show reconciliation reports.": "get_reconciliation_reports",
}
LONG_DIGITS = re.compile(r"\d{10,}")


def _ask(services: Services, text: str, caller: Caller = STAFF, language: str = "en") -> dict[str, Any]:
    return Chat(services, caller).say(text, language)


@pytest.mark.parametrize(("prompt", "tool"), [*SEED_PROMPTS.items(), *MORE_PROMPTS.items()])
def test_staff_prompt_runs_the_right_tool(services: Services, prompt: str, tool: str) -> None:
    a = _ask(services, prompt)
    assert a["agent"] == "servicing_graph" and a["refusal"] is False
    assert a["sources"] == [f"tool:{tool}"] and a["tools_used"] == [tool]
    # Every figure was grounded in the tool result, so the output guard kept the answer.
    assert a["confidence"] == 0.9
    assert not LONG_DIGITS.search(a["message"])


@pytest.mark.parametrize(("prompt", "tool"), list(SEED_PROMPTS.items()))
def test_missing_tool_permission_is_a_policy_guard_refusal_naming_it(
    services: Services, prompt: str, tool: str
) -> None:
    permission = TOOLS[tool].permission
    assert permission is not None
    caller = Caller(sub="s1", tenant="demo", permissions=STAFF_PERMISSIONS - {permission})
    a = _ask(services, prompt, caller)
    assert a["agent"] == "policy_guard" and a["refusal"] is True
    assert f"`{permission}`" in a["message"]
    assert not any(s.startswith("tool:") for s in a["sources"])


def test_without_ai_agent_no_tool_runs(services: Services) -> None:
    caller = Caller(sub="s1", tenant="demo", permissions=STAFF_PERMISSIONS - {"ai_agent"})
    a = _ask(services, "What is the KYC status for customer 123?", caller)
    assert a["agent"] == "policy_guard" and a["refusal"] is True and "ai_agent" in a["message"]
    assert "Masud" not in a["message"]


def test_answers_carry_the_stored_facts(services: Services) -> None:
    deps = services.tools
    kyc = deps.platform.customer("demo", 123)
    assert kyc is not None
    a = _ask(services, "What is the KYC status for customer 123?")
    assert kyc.full_name in a["message"] and kyc.kyc_status in a["message"]

    a = _ask(services, "Show me transaction with reference REF-001.")
    assert "REF-001" in a["message"] and "Customer ID: 123" in a["message"]

    balance = deps.platform.loan_balance("demo", 789, deps.clock().date())
    assert balance is not None
    a = _ask(services, "What is the outstanding balance for loan 789?")
    assert f"Outstanding principal: {balance.outstanding_principal:,.2f}" in a["message"]
    assert a["vertical"] == "loan" and a["domain"] is None

    a = _ask(services, "List the last 10 transactions.")
    assert a["message"].count("| REF-") == 10

    a = _ask(services, "List all collection cases for customer 123's loans.")
    assert "| 124 | 123 |" in a["message"]  # loan 124 of customer 123 is in collection


def test_customer_search_lists_matches(services: Services) -> None:
    a = _ask(services, "Search for customers named Mary.")
    assert "No matching records" in a["message"]
    kyc = services.tools.platform.customer("demo", 123)
    assert kyc is not None
    first = kyc.full_name.split()[0]
    a = _ask(services, f"Search for customers named {first}.")
    assert a["sources"] == ["tool:list_customers"] and kyc.full_name in a["message"]


def test_another_tenants_records_are_not_found(services: Services) -> None:
    demo = _ask(services, "What is the KYC status for customer 123?")
    a = _ask(services, "What is the KYC status for customer 123?", OTHER_TENANT)
    assert a["agent"] == "servicing_graph" and a["refusal"] is False
    assert "No customer 123 was found" in a["message"]
    kyc = services.tools.platform.customer("demo", 123)
    assert kyc is not None and kyc.full_name in demo["message"] and kyc.full_name not in a["message"]
    a = _ask(services, "Show me transaction with reference REF-001.", OTHER_TENANT)
    assert "No transaction REF-001 was found" in a["message"] and "25,000" not in a["message"]


def test_bangla_kyc_prompt(services: Services) -> None:
    a = _ask(services, "গ্রাহক ১২৩ এর কেওয়াইসি স্ট্যাটাস কী?", language="bn")
    assert a["agent"] == "servicing_graph" and a["sources"] == ["tool:get_customer_kyc"]
    assert a["message"].startswith("প্ল্যাটফর্মের রেকর্ড অনুযায়ী") and "123" in a["message"]
    assert a["confidence"] == 0.9 and not LONG_DIGITS.search(a["message"])


def test_no_record_named_asks_which_one(services: Services) -> None:
    a = _ask(services, "What is the outstanding balance on the loan?")
    assert a["agent"] == "servicing_graph" and a["confidence"] < 0.5 and a["refusal"] is False
    assert a["sources"] == []


def test_anonymous_caller_is_refused_with_the_tools_permission(services: Services) -> None:
    # "score" hints at loan:score, but the score history is a customer:read tool.
    a = _ask(services, "Get the loan score history for customer 789.", Caller())
    assert a["agent"] == "policy_guard" and "`customer:read`" in a["message"]


def _plan(text: str, services: Services) -> list[Call]:
    return plan(text, extract(text, services.catalog))


def test_rules_fill_arguments(services: Services) -> None:
    assert _plan("List the last 10 transactions.", services) == [Call("get_transactions", {"page_size": 10})]
    assert _plan("Show me transaction with reference REF-001.", services) == [
        Call("get_transaction_by_id", {"reference_id": "REF-001"})
    ]
    assert _plan("Search for customers named Mary.", services) == [Call("list_customers", {"search_string": "Mary"})]
    assert _plan("List all collection cases for customer 123's loans.", services) == [
        Call("list_collection_cases", {"customer_id": 123})
    ]
    assert _plan("Is customer 456 blacklisted and what is their KYC status?", services) == [
        Call("get_blacklist_status", {"customer_id": 456}),
        Call("get_customer_kyc", {"identity_id": 456}),
    ]
    assert _plan("গ্রাহক ৪৫৬ কি কালো তালিকাভুক্ত?", services) == [Call("get_blacklist_status", {"customer_id": 456})]
    assert _plan("ঋণ ৭৮৯ এর কিস্তি দেখাও", services) == [Call("get_loan_installments", {"loan_id": 789})]
    assert _plan("hello there", services) == []


@pytest.mark.parametrize(
    ("text", "language", "stages"),
    [
        ("How do I onboard a new customer?", "en", ("Registration", "Staging", "Approval")),
        ("নতুন গ্রাহক কীভাবে অনবোর্ড করব?", "bn", ("নিবন্ধন", "অনুমোদন")),
    ],
)
def test_staff_onboarding_comes_through_the_guide_tool(
    services: Services, text: str, language: str, stages: tuple[str, ...]
) -> None:
    """Seed 000: "How do I onboard a new customer?" is answered by customer_onboarding_guide, step by step."""
    events: list[str] = []
    unsubscribe = services.events.subscribe(lambda e: events.append(str(e.data.get("tool"))))
    try:
        a = Chat(services, STAFF).say(text, language)
    finally:
        unsubscribe()
    assert a["agent"] == "onboarding_graph" and a["tools_used"] == ["customer_onboarding_guide"]
    assert a["sources"] == ["knowledge/onboarding/staff_customer_onboarding.md", "tool:customer_onboarding_guide"]
    assert events == ["customer_onboarding_guide"]
    assert all(stage in a["message"] for stage in stages)
    assert re.search(r"^(1|১)\. ", a["message"], re.M) and re.search(r"^(5|৫)\. ", a["message"], re.M)


def test_every_servicing_tool_has_a_section_title_in_both_languages() -> None:
    table = Templates.load().table
    for tool in SERVICING_TOOLS:
        entry = table[f"servicing_title_{tool}"]
        assert entry["en"] and entry["bn"], tool
