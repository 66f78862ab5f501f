"""Loan tools: loans, applications, products, repayments, installments, balances and collection cases."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from bank_router.tools.adapter import Filters
from bank_router.tools.common import Args, PageArgs, found, page_of
from bank_router.tools.records import (
    CollectionCaseRecord,
    InstallmentRecord,
    LoanApplicationRecord,
    LoanBalance,
    LoanProductRecord,
    LoanRecord,
    Page,
    RepaymentRecord,
)
from bank_router.tools.spec import RecordId, RunContext, SearchText, Tool

LOAN_ID = "Loan id."
BORROWER = "Customer id of the borrower."
PRODUCT = "Loan product id."


class LoanArgs(Args):
    loan_id: RecordId = Field(description=LOAN_ID)


class LoanPageArgs(PageArgs):
    loan_id: RecordId = Field(description=LOAN_ID)


class ListLoansArgs(PageArgs):
    status: Literal["active", "closed", "overdue", "written_off"] | None = Field(None, description="Loan status.")
    customer_id: RecordId | None = Field(None, description=BORROWER)
    product_id: RecordId | None = Field(None, description=PRODUCT)


class ApplicationArgs(Args):
    application_id: RecordId = Field(description="Loan application id.")


class ListApplicationsArgs(PageArgs):
    status: Literal["submitted", "under_review", "approved", "rejected"] | None = Field(
        None, description="Application status."
    )
    customer_id: RecordId | None = Field(None, description="Customer id of the applicant.")
    product_id: RecordId | None = Field(None, description=PRODUCT)


class ProductArgs(Args):
    product_id: RecordId = Field(description=PRODUCT)


class ListProductsArgs(PageArgs):
    search_string: SearchText | None = Field(None, description="Part of a product name or category, or an id.")
    category: Literal["personal", "auto", "home", "sme", "education", "agriculture"] | None = Field(
        None, description="Product category."
    )


class InstallmentArgs(LoanPageArgs):
    status: Literal["paid", "due", "overdue"] | None = Field(None, description="Only installments in this state.")


class CollectionArgs(PageArgs):
    loan_id: RecordId | None = Field(None, description=LOAN_ID)
    customer_id: RecordId | None = Field(None, description="Cases on any loan of this customer.")
    status: Literal["open", "in_progress", "resolved", "written_off"] | None = Field(None, description="Case status.")


def get_loan(args: LoanArgs, ctx: RunContext) -> LoanRecord:
    return found(ctx.deps.platform.loan(ctx.tenant, args.loan_id), "loan", args.loan_id)


def list_loans(args: ListLoansArgs, ctx: RunContext) -> Page[LoanRecord]:
    filters = Filters(status=args.status, customer_id=args.customer_id, product_id=args.product_id)
    return ctx.deps.platform.loans(ctx.tenant, filters, page_of(args))


def get_loan_application(args: ApplicationArgs, ctx: RunContext) -> LoanApplicationRecord:
    record = ctx.deps.platform.application(ctx.tenant, args.application_id)
    return found(record, "loan application", args.application_id)


def list_loan_applications(args: ListApplicationsArgs, ctx: RunContext) -> Page[LoanApplicationRecord]:
    filters = Filters(status=args.status, customer_id=args.customer_id, product_id=args.product_id)
    return ctx.deps.platform.applications(ctx.tenant, filters, page_of(args))


def get_loan_product(args: ProductArgs, ctx: RunContext) -> LoanProductRecord:
    return found(ctx.deps.platform.product(ctx.tenant, args.product_id), "loan product", args.product_id)


def list_loan_products(args: ListProductsArgs, ctx: RunContext) -> Page[LoanProductRecord]:
    filters = Filters(search=args.search_string, category=args.category)
    return ctx.deps.platform.products(ctx.tenant, filters, page_of(args))


def get_loan_repayments(args: LoanPageArgs, ctx: RunContext) -> Page[RepaymentRecord]:
    return found(ctx.deps.platform.repayments(ctx.tenant, args.loan_id, page_of(args)), "loan", args.loan_id)


def get_loan_installments(args: InstallmentArgs, ctx: RunContext) -> Page[InstallmentRecord]:
    filters = Filters(loan_id=args.loan_id, status=args.status)
    return found(ctx.deps.platform.installments(ctx.tenant, filters, page_of(args)), "loan", args.loan_id)


def get_loan_balance(args: LoanArgs, ctx: RunContext) -> LoanBalance:
    today = ctx.deps.clock().date()
    return found(ctx.deps.platform.loan_balance(ctx.tenant, args.loan_id, today), "loan", args.loan_id)


def list_collection_cases(args: CollectionArgs, ctx: RunContext) -> Page[CollectionCaseRecord]:
    filters = Filters(loan_id=args.loan_id, customer_id=args.customer_id, status=args.status)
    return ctx.deps.platform.collection_cases(ctx.tenant, filters, page_of(args))


def _loan_tool(name: str, description: str, args: type[Any], result: type[Any], run: Any) -> Tool[Any, Any]:
    return Tool(
        name=name,
        category="loan",
        description=description,
        permission="loan:read",
        args=args,
        result=result,
        run=run,
        cache_ttl=60,
    )


LOAN_TOOLS: list[Tool[Any, Any]] = [
    _loan_tool("get_loan", "Full loan details by loan_id.", LoanArgs, LoanRecord, get_loan),
    _loan_tool(
        "list_loans",
        "Search or list loans, filtered by status, borrower (customer_id) or product.",
        ListLoansArgs,
        Page[LoanRecord],
        list_loans,
    ),
    _loan_tool(
        "get_loan_application",
        "Loan application details by application_id.",
        ApplicationArgs,
        LoanApplicationRecord,
        get_loan_application,
    ),
    _loan_tool(
        "list_loan_applications",
        "Search or list loan applications, filtered by status, applicant (customer_id) or product.",
        ListApplicationsArgs,
        Page[LoanApplicationRecord],
        list_loan_applications,
    ),
    _loan_tool(
        "get_loan_product",
        "Loan product details by product_id: amount limits, interest rate, tenure and income floor.",
        ProductArgs,
        LoanProductRecord,
        get_loan_product,
    ),
    _loan_tool(
        "list_loan_products",
        "Search or list loan products by name or category.",
        ListProductsArgs,
        Page[LoanProductRecord],
        list_loan_products,
    ),
    _loan_tool(
        "get_loan_repayments",
        "Repayment history of a loan, newest first: amount, date and payment method.",
        LoanPageArgs,
        Page[RepaymentRecord],
        get_loan_repayments,
    ),
    _loan_tool(
        "get_loan_installments",
        "Installment schedule of a loan with due dates, amounts, payment dates and status.",
        InstallmentArgs,
        Page[InstallmentRecord],
        get_loan_installments,
    ),
    _loan_tool(
        "get_loan_balance",
        "Current balance of a loan: outstanding principal, total repaid, overdue amount and next installment.",
        LoanArgs,
        LoanBalance,
        get_loan_balance,
    ),
    _loan_tool(
        "list_collection_cases",
        "Collection cases with their actions, for one loan (loan_id) or for all loans of a customer (customer_id).",
        CollectionArgs,
        Page[CollectionCaseRecord],
        list_collection_cases,
    ),
]
