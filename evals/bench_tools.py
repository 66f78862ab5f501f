"""Benchmark: platform tool latency through the executor (permission, validation, tenant-scoped SQL).

    python -m evals.bench_tools [--rounds 30]

Every tool runs with seed 000's ids (and a first page for listings) on the demo platform, as a staff
caller with every permission. The scoring workflow runs only up to the amount step, so the benchmark
writes nothing to the score history. Then every customer tool runs as customer 123 (a signed-in
customer): reads, a card action without its confirmation and a transfer up to its one-time-code
challenge, so no card changes and no money moves.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bank_router.services import build_services
from bank_router.settings import Settings, get_settings
from bank_router.tools import BANKING_TOOLS, TOOLS, execute
from bank_router.turn.context import Caller

STAFF = Caller(
    sub="bench",
    tenant="demo",
    permissions=frozenset(
        {"ai_agent", "customer:read", "transaction:read", "loan:read", "loan:score", "staff:read", "insights:read"}
    ),
)
ARGS: dict[str, dict[str, Any]] = {
    "get_customer_kyc": {"identity_id": 123},
    "list_customers": {"search_string": "Mary"},
    "get_blacklist_status": {"customer_id": 456},
    "get_loan_score_history": {"customer_id": 789},
    "get_transactions": {"page_size": 10},
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
    "get_agent_info": {"agent_id": 1},
    "list_agents": {},
    "get_store_info": {"store_id": 1},
    "list_stores": {},
    "get_operator_info": {"operator_id": 1},
    "list_operators": {},
    "get_failed_transactions": {},
    "get_suspicious_transactions": {},
    "get_reconciliation_reports": {},
    "customer_onboarding_guide": {},
    "start_loan_scoring_workflow": {"customer_id": 123, "product_id": 5},
}


CUSTOMER = Caller(sub="123", tenant="demo", role="customer")


def _customer_args(services: Any) -> dict[str, dict[str, Any]]:
    """Arguments of every customer tool for customer 123, from the customer's own records."""

    def items(tool: str) -> list[dict[str, Any]]:
        return list(execute(tool, {}, CUSTOMER, services.tools).result.model_dump()["items"])

    accounts, cards, payees = items("account_lookup"), items("list_my_cards"), items("list_beneficiaries")
    source = next(a for a in accounts if a["is_primary"])
    return {
        "check_balance": {},
        "account_lookup": {},
        "list_my_transactions": {"page_size": 10},
        "list_my_cards": {},
        "list_beneficiaries": {},
        "block_card": {"card_id": cards[0]["card_id"], "reason": "lost", "confirm": False},
        "unblock_card": {"card_id": cards[0]["card_id"], "confirm": False},
        "transfer_funds": {
            "from_account": source["account_id"],
            "to_account": payees[0]["beneficiary_id"],
            "amount": 100,
        },
    }


def _report(title: str, per_tool: dict[str, list[float]]) -> None:
    every = [ms for times in per_tool.values() for ms in times]
    print(f"{title} ({len(every)} calls):")
    print(f"  all tools: p50 {np.percentile(every, 50):.2f} ms, p95 {np.percentile(every, 95):.2f} ms")
    slowest = sorted(per_tool.items(), key=lambda kv: -float(np.percentile(kv[1], 95)))[:5]
    for name, times in slowest:
        print(f"  {name:<30} p50 {np.percentile(times, 50):6.2f} ms   p95 {np.percentile(times, 95):6.2f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args(argv)
    missing = set(TOOLS) - set(ARGS)
    if missing:
        raise SystemExit(f"no benchmark arguments for {sorted(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings(data_dir=Path(tmp), model_cache=get_settings().model_cache_dir))
        per_tool: dict[str, list[float]] = {name: [] for name in ARGS}
        for _ in range(args.rounds):
            for name, tool_args in ARGS.items():
                t = time.perf_counter()
                execute(name, tool_args, STAFF, services.tools)
                per_tool[name].append((time.perf_counter() - t) * 1000)
        customer_args = _customer_args(services)
        assert set(customer_args) == set(BANKING_TOOLS), "every customer tool is measured"
        per_customer_tool: dict[str, list[float]] = {name: [] for name in customer_args}
        for _ in range(args.rounds):
            for name, tool_args in customer_args.items():
                t = time.perf_counter()
                execute(name, tool_args, CUSTOMER, services.tools)
                per_customer_tool[name].append((time.perf_counter() - t) * 1000)
    _report(f"platform tools on SQLite, {len(ARGS)} tools x {args.rounds} rounds", per_tool)
    _report(f"customer tools on SQLite, {len(per_customer_tool)} tools x {args.rounds} rounds", per_customer_tool)
    return 0


if __name__ == "__main__":
    sys.exit(main())
