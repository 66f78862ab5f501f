"""The loan scorecard of knowledge/policies/loan_scoring_method.md: five factors, 0-100, bands A-D, hard stops."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Factor:
    name: str
    points: int
    max_points: int
    reason: str


@dataclass(frozen=True)
class ScoreOutcome:
    score: int
    band: Band
    decision: Decision
    factors: list[Factor]
    reasons: list[str]


def repayment_history(late: int, has_default: bool) -> Factor:
    if has_default or late >= 3:
        why = "a loan in default" if has_default else f"{late} late payments in the last 12 months"
        return Factor("repayment_history", 0, 30, f"Repayment history: {why}")
    if late >= 1:
        return Factor("repayment_history", 15, 30, f"Repayment history: {late} late payment(s) in the last 12 months")
    return Factor("repayment_history", 30, 30, "Repayment history: no late payment in the last 12 months")


def outstanding_ratio(outstanding: Decimal, income: Decimal) -> Factor:
    if outstanding <= 0:
        return Factor("outstanding_to_income", 25, 25, "Outstanding balance: none")
    if income <= 0:
        return Factor("outstanding_to_income", 0, 25, "Outstanding balance with no monthly income")
    ratio = outstanding / income
    text = f"Outstanding balance is {ratio:.1f} times monthly income"
    points = 25 if ratio <= 3 else 15 if ratio <= 6 else 5 if ratio <= 12 else 0
    return Factor("outstanding_to_income", points, 25, text)


def past_scores(scores: list[int]) -> Factor:
    if not scores:
        return Factor("past_scores", 8, 15, "Past scores: no previous score")
    average = sum(scores) / len(scores)
    points = 15 if average >= 80 else 8 if average >= 60 else 0
    return Factor("past_scores", points, 15, f"Past scores: average {average:.0f} over {len(scores)} score(s)")


def kyc(verified: bool) -> Factor:
    return Factor("kyc", 10 if verified else 0, 10, "KYC verified" if verified else "KYC not verified")


def income(monthly: Decimal) -> Factor:
    points = 20 if monthly >= 100_000 else 15 if monthly >= 50_000 else 10 if monthly >= 25_000 else 0
    return Factor("monthly_income", points, 20, f"Monthly income BDT {monthly:,.0f}")


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
