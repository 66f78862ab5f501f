"""Customer tools: KYC profile, search, blacklist status and loan score history."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from bank_router.tools.adapter import Filters
from bank_router.tools.common import Args, PageArgs, found, page_of
from bank_router.tools.records import BlacklistStatus, CustomerKyc, CustomerSummary, Page, ScoreRecord
from bank_router.tools.spec import RecordId, RunContext, SearchText, Tool


class CustomerKycArgs(Args):
    identity_id: RecordId = Field(description="Customer (identity) id.")


class ListCustomersArgs(PageArgs):
    search_string: SearchText | None = Field(None, description="Part of a name, phone number or email, or an id.")
    kyc_status: Literal["verified", "pending", "rejected"] | None = Field(None, description="Only this KYC status.")


class CustomerArgs(Args):
    customer_id: RecordId = Field(description="Customer (identity) id.")


class CustomerPageArgs(PageArgs):
    customer_id: RecordId = Field(description="Customer (identity) id of the borrower.")


def get_customer_kyc(args: CustomerKycArgs, ctx: RunContext) -> CustomerKyc:
    return found(ctx.deps.platform.customer(ctx.tenant, args.identity_id), "customer", args.identity_id)


def list_customers(args: ListCustomersArgs, ctx: RunContext) -> Page[CustomerSummary]:
    filters = Filters(search=args.search_string, status=args.kyc_status)
    return ctx.deps.platform.customers(ctx.tenant, filters, page_of(args))


def get_blacklist_status(args: CustomerArgs, ctx: RunContext) -> BlacklistStatus:
    found(ctx.deps.platform.customer(ctx.tenant, args.customer_id), "customer", args.customer_id)
    return ctx.deps.platform.blacklist_status(ctx.tenant, args.customer_id)


def get_loan_score_history(args: CustomerPageArgs, ctx: RunContext) -> Page[ScoreRecord]:
    found(ctx.deps.platform.customer(ctx.tenant, args.customer_id), "customer", args.customer_id)
    return ctx.deps.platform.score_history(ctx.tenant, args.customer_id, page_of(args))


CUSTOMER_TOOLS: list[Tool[Any, Any]] = [
    Tool(
        name="get_customer_kyc",
        category="customer",
        description="Full customer KYC and profile by identity_id (the customer id). Personal numbers are masked.",
        permission="customer:read",
        args=CustomerKycArgs,
        result=CustomerKyc,
        run=get_customer_kyc,
        cache_ttl=60,
    ),
    Tool(
        name="list_customers",
        category="customer",
        description="Search or list customers by name, phone, email or id, optionally by KYC status, page by page.",
        permission="customer:read",
        args=ListCustomersArgs,
        result=Page[CustomerSummary],
        run=list_customers,
        cache_ttl=60,
    ),
    Tool(
        name="get_blacklist_status",
        category="customer",
        description="Whether a customer is blacklisted for loans, with the reason and date of each blacklist entry.",
        permission="customer:read",
        args=CustomerArgs,
        result=BlacklistStatus,
        run=get_blacklist_status,
    ),
    Tool(
        name="get_loan_score_history",
        category="customer",
        description="Loan scoring history of a customer (borrower): score, band, decision and reasons, newest first.",
        permission="customer:read",
        args=CustomerPageArgs,
        result=Page[ScoreRecord],
        run=get_loan_score_history,
    ),
]
