"""The loan scoring workflow: validate the customer, pick a product, check the amount, then score and record."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from bank_router.tools import scorecard
from bank_router.tools.adapter import Filters, NewScore, PageRequest
from bank_router.tools.common import Args, found
from bank_router.tools.records import CustomerSummary, LoanProductRecord
from bank_router.tools.spec import RecordId, RunContext, Tool


class ScoringArgs(Args):
    customer_id: RecordId = Field(description="Customer (identity) id to score.")
    product_id: RecordId | None = Field(None, description="Loan product id; leave out to get the list of products.")
    amount: float | None = Field(
        None, gt=0, le=1_000_000_000, allow_inf_nan=False, description="Requested loan amount in BDT."
    )


class FactorResult(BaseModel):
    name: str
    points: int
    max_points: int
    reason: str
    reason_key: str = Field("", description="Which scorecard reason (bank_router/tools/scorecard.py REASONS)")
    reason_args: dict[str, str] = Field(default_factory=dict, description="The figures in the reason")


class ScoringWorkflowResult(BaseModel):
    status: Literal["needs_input", "ineligible", "scored"]
    needs: Literal["product", "amount"] | None = Field(description="The input the next step waits for, if any")
    message: str
    customer: CustomerSummary
    products: list[LoanProductRecord] = []
    product: LoanProductRecord | None = None
    amount: float | None = None
    score: int | None = None
    band: str | None = None
    decision: str | None = None
    reasons: list[str] = []
    factors: list[FactorResult] = []
    score_id: int | None = Field(None, description="Id of the saved score history entry")


def start_loan_scoring_workflow(args: ScoringArgs, ctx: RunContext) -> ScoringWorkflowResult:
    platform, tenant = ctx.deps.platform, ctx.tenant
    kyc = found(platform.customer(tenant, args.customer_id), "customer", args.customer_id)
    customer = CustomerSummary.model_validate(kyc.model_dump())
    blacklist = platform.blacklist_status(tenant, kyc.identity_id)
    problems = []
    if kyc.kyc_status != "verified":
        problems.append(f"KYC is {kyc.kyc_status}, not verified")
    if blacklist.blacklisted:
        problems.append("the customer is blacklisted")
    if problems:
        message = f"Customer {kyc.identity_id} cannot be scored: " + " and ".join(problems) + "."
        return ScoringWorkflowResult(
            status="ineligible", needs=None, message=message, customer=customer, reasons=problems
        )
    if args.product_id is None:
        products = platform.products(tenant, Filters(), PageRequest(page_size=100)).items
        return ScoringWorkflowResult(
            status="needs_input",
            needs="product",
            message=f"Customer {kyc.identity_id} is verified. Which loan product should be scored?",
            customer=customer,
            products=products,
        )
    product = found(platform.product(tenant, args.product_id), "loan product", args.product_id)
    limits = f"BDT {product.min_amount:,.0f} to {product.max_amount:,.0f}"
    if args.amount is None:
        return ScoringWorkflowResult(
            status="needs_input",
            needs="amount",
            message=f"What amount is requested for {product.name}? It lends {limits}.",
            customer=customer,
            product=product,
        )
    if not product.min_amount <= args.amount <= product.max_amount:
        return ScoringWorkflowResult(
            status="needs_input",
            needs="amount",
            message=f"BDT {args.amount:,.0f} is outside {product.name}'s limits of {limits}; give another amount.",
            customer=customer,
            product=product,
            amount=args.amount,
        )

    now = ctx.deps.clock()
    history = platform.credit_history(tenant, kyc.identity_id, (now - timedelta(days=365)).date(), now.date())
    income = Decimal(str(kyc.monthly_income))
    outcome = scorecard.score(
        scorecard.ScoreInputs(
            late_payments=history.late_payments,
            has_default=history.has_default,
            outstanding=history.outstanding,
            monthly_income=income,
            past_scores=history.past_scores,
            kyc_verified=True,
            blacklisted=False,
        )
    )
    decision: str = outcome.decision
    reasons = list(outcome.reasons)
    if kyc.monthly_income < product.min_monthly_income:
        decision = "decline"
        reasons.append(f"Monthly income is below {product.name}'s minimum of BDT {product.min_monthly_income:,.0f}")
    score_id = platform.record_score(
        tenant,
        NewScore(
            customer_id=kyc.identity_id,
            score=outcome.score,
            band=outcome.band,
            decision=decision,
            reasons="; ".join(reasons),
            product_id=product.id,
            amount=Decimal(str(round(args.amount, 2))),
            scored_at=now,
            scored_by=ctx.actor or "ai_agent",
        ),
    )
    return ScoringWorkflowResult(
        status="scored",
        needs=None,
        message=f"Score {outcome.score}, band {outcome.band}: {decision}.",
        customer=customer,
        product=product,
        amount=args.amount,
        score=outcome.score,
        band=outcome.band,
        decision=decision,
        reasons=reasons,
        factors=[FactorResult(**vars(f)) for f in outcome.factors],
        score_id=score_id,
    )


SCORING_TOOLS: list[Tool[Any, Any]] = [
    Tool(
        name="start_loan_scoring_workflow",
        category="workflow",
        description=(
            "Loan scoring workflow for a customer, step by step: validates the customer (KYC verified, not "
            "blacklisted), lists loan products when product_id is missing, checks the amount against the "
            "product's limits, then computes and saves the score (0-100), band, decision and reasons. The result's "
            "'needs' field names the missing input: product or amount."
        ),
        permission="loan:score",
        args=ScoringArgs,
        result=ScoringWorkflowResult,
        run=start_loan_scoring_workflow,
    ),
]
