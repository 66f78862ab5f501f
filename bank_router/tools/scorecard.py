"""The loan scorecard of knowledge/policies/loan_scoring_method.md: five factors, 0-100, bands A-D, hard stops."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Band = Literal["A", "B", "C", "D"]
Decision = Literal["approve", "refer", "decline"]


@dataclass(frozen=True, kw_only=True)
class ScoreInputs:
    late_payments: int  # in the last 12 months
    has_default: bool
    outstanding: Decimal  # all current loan balances
    monthly_income: Decimal
    past_scores: list[int]
    kyc_verified: bool
    blacklisted: bool


# Why a factor scored what it did: one template per case, so a reply in Bangla can say it in Bangla too.
REASONS: dict[str, str] = {
    "repayment_default": "Repayment history: a loan in default",
    "repayment_late_many": "Repayment history: {late} late payments in the last 12 months",
    "repayment_late_some": "Repayment history: {late} late payment(s) in the last 12 months",
    "repayment_clean": "Repayment history: no late payment in the last 12 months",
    "outstanding_none": "Outstanding balance: none",
    "outstanding_no_income": "Outstanding balance with no monthly income",
    "outstanding_ratio": "Outstanding balance is {ratio} times monthly income",
    "past_scores_none": "Past scores: no previous score",
    "past_scores_average": "Past scores: average {average} over {count} score(s)",
    "kyc_verified": "KYC verified",
    "kyc_unverified": "KYC not verified",
    "income": "Monthly income BDT {income}",
}


@dataclass(frozen=True)
class Factor:
    name: str
    points: int
    max_points: int
    reason: str
    reason_key: str = ""
    reason_args: dict[str, str] = field(default_factory=dict)


def _factor(name: str, points: int, max_points: int, key: str, **args: str) -> Factor:
    return Factor(name, points, max_points, REASONS[key].format(**args), key, args)


@dataclass(frozen=True)
class ScoreOutcome:
    score: int
    band: Band
    decision: Decision
    factors: list[Factor]
    reasons: list[str]


def repayment_history(late: int, has_default: bool) -> Factor:
    if has_default:
        return _factor("repayment_history", 0, 30, "repayment_default")
    if late >= 3:
        return _factor("repayment_history", 0, 30, "repayment_late_many", late=str(late))
    if late >= 1:
        return _factor("repayment_history", 15, 30, "repayment_late_some", late=str(late))
    return _factor("repayment_history", 30, 30, "repayment_clean")


def outstanding_ratio(outstanding: Decimal, income: Decimal) -> Factor:
    if outstanding <= 0:
        return _factor("outstanding_to_income", 25, 25, "outstanding_none")
    if income <= 0:
        return _factor("outstanding_to_income", 0, 25, "outstanding_no_income")
    ratio = outstanding / income
    points = 25 if ratio <= 3 else 15 if ratio <= 6 else 5 if ratio <= 12 else 0
    return _factor("outstanding_to_income", points, 25, "outstanding_ratio", ratio=f"{ratio:.1f}")


def past_scores(scores: list[int]) -> Factor:
    if not scores:
        return _factor("past_scores", 8, 15, "past_scores_none")
    average = sum(scores) / len(scores)
    points = 15 if average >= 80 else 8 if average >= 60 else 0
    return _factor("past_scores", points, 15, "past_scores_average", average=f"{average:.0f}", count=str(len(scores)))


def kyc(verified: bool) -> Factor:
    return _factor("kyc", 10 if verified else 0, 10, "kyc_verified" if verified else "kyc_unverified")


def income(monthly: Decimal) -> Factor:
    points = 20 if monthly >= 100_000 else 15 if monthly >= 50_000 else 10 if monthly >= 25_000 else 0
    return _factor("monthly_income", points, 20, "income", income=f"{monthly:,.0f}")


def band_of(score: int) -> tuple[Band, Decision]:
    if score >= 80:
        return "A", "approve"
    if score >= 60:
        return "B", "refer"
    if score >= 40:
        return "C", "decline"
    return "D", "decline"


def score(inputs: ScoreInputs) -> ScoreOutcome:
    """Total of the five factors, its band and decision; unverified KYC or a blacklisting never approves."""
    factors = [
        repayment_history(inputs.late_payments, inputs.has_default),
        outstanding_ratio(inputs.outstanding, inputs.monthly_income),
        past_scores(inputs.past_scores),
        kyc(inputs.kyc_verified),
        income(inputs.monthly_income),
    ]
    total = sum(f.points for f in factors)
    band, decision = band_of(total)
    reasons = [f"{f.reason} ({f.points}/{f.max_points})" for f in factors]
    if inputs.blacklisted:
        decision = "decline"
        reasons.append("Hard stop: the customer is blacklisted")
    elif not inputs.kyc_verified and decision != "decline":
        decision = "refer"
        reasons.append("Hard stop: cannot be approved until KYC is verified")
    return ScoreOutcome(total, band, decision, factors, reasons)
