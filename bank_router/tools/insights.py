"""Transaction insight tools: failed and suspicious transactions, daily reconciliation reports."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from bank_router.tools.adapter import Filters
from bank_router.tools.common import DateRangeArgs, page_of
from bank_router.tools.records import Page, ReconciliationRecord, TransactionRecord
from bank_router.tools.spec import RunContext, Tool


class FailedArgs(DateRangeArgs):
    pass


class SuspiciousArgs(DateRangeArgs):
    min_risk_score: int = Field(70, ge=0, le=100, description="Lowest risk score to include, 0 to 100.")


class ReconciliationArgs(DateRangeArgs):
    status: Literal["balanced", "mismatch", "pending"] | None = Field(None, description="Only reports in this state.")


def get_failed_transactions(args: FailedArgs, ctx: RunContext) -> Page[TransactionRecord]:
    filters = Filters(status="failed", date_from=args.date_from, date_to=args.date_to)
    return ctx.deps.platform.transactions(ctx.tenant, filters, page_of(args))


def get_suspicious_transactions(args: SuspiciousArgs, ctx: RunContext) -> Page[TransactionRecord]:
    filters = Filters(
        suspicious_only=True, min_risk_score=args.min_risk_score, date_from=args.date_from, date_to=args.date_to
    )
    return ctx.deps.platform.transactions(ctx.tenant, filters, page_of(args))


def get_reconciliation_reports(args: ReconciliationArgs, ctx: RunContext) -> Page[ReconciliationRecord]:
    filters = Filters(status=args.status, date_from=args.date_from, date_to=args.date_to)
    return ctx.deps.platform.reconciliation_reports(ctx.tenant, filters, page_of(args))


INSIGHT_TOOLS: list[Tool[Any, Any]] = [
    Tool(
        name="get_failed_transactions",
        category="insights",
        description="Failed transactions with their failure reason, newest first, optionally within a date range.",
        permission="insights:read",
        args=FailedArgs,
        result=Page[TransactionRecord],
        run=get_failed_transactions,
        cache_ttl=60,
    ),
    Tool(
        name="get_suspicious_transactions",
        category="insights",
        description="Transactions flagged as suspicious with a risk score at or above min_risk_score, newest first.",
        permission="insights:read",
        args=SuspiciousArgs,
        result=Page[TransactionRecord],
        run=get_suspicious_transactions,
        cache_ttl=60,
    ),
    Tool(
        name="get_reconciliation_reports",
        category="insights",
        description="Daily reconciliation reports (totals, failed count, mismatches, status), newest day first.",
        permission="insights:read",
        args=ReconciliationArgs,
        result=Page[ReconciliationRecord],
        run=get_reconciliation_reports,
        cache_ttl=300,
    ),
]
