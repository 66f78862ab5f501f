"""Benchmark: platform tool latency through the executor (permission, validation, tenant-scoped SQL).

    python -m evals.bench_tools [--rounds 30]

Every tool runs with seed 000's ids (and a first page for listings) on the demo platform, as a staff
caller with every permission. The scoring workflow runs only up to the amount step, so the benchmark
writes nothing to the score history.
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
from bank_router.tools import TOOLS, execute
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
    every = [ms for times in per_tool.values() for ms in times]
    print(f"platform tools on SQLite, {len(ARGS)} tools x {args.rounds} rounds ({len(every)} calls):")
    print(f"  all tools: p50 {np.percentile(every, 50):.2f} ms, p95 {np.percentile(every, 95):.2f} ms")
    slowest = sorted(per_tool.items(), key=lambda kv: -float(np.percentile(kv[1], 95)))[:5]
    for name, times in slowest:
        print(f"  {name:<30} p50 {np.percentile(times, 50):6.2f} ms   p95 {np.percentile(times, 95):6.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
