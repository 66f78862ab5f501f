"""The loan scorecard of knowledge/policies/loan_scoring_method.md, and the scoring workflow's steps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bank_router.tools import RecordNotFound, ToolDeps, execute
from bank_router.tools.scorecard import ScoreInputs, ScoreOutcome, band_of, score
from tests.unit.test_tools import deps_fixture, engine_fixture, run, staff  # noqa: F401 - fixtures


def inputs(**overrides: Any) -> ScoreInputs:
    base: dict[str, Any] = {
        "late_payments": 0,
        "has_default": False,
        "outstanding": Decimal(0),
        "monthly_income": Decimal(60_000),
        "past_scores": [],
        "kyc_verified": True,
        "blacklisted": False,
    }
    return ScoreInputs(**{**base, **overrides})


def points(outcome: ScoreOutcome, factor: str) -> int:
    return next(f.points for f in outcome.factors if f.name == factor)


def test_worked_example_of_the_policy() -> None:
    # No late payments, balance 3 to 6 times income, no previous score, KYC verified, income 60,000: 78, band B.
    outcome = score(inputs(outstanding=Decimal(240_000)))
    assert [f.points for f in outcome.factors] == [30, 15, 8, 10, 15]
    assert (outcome.score, outcome.band, outcome.decision) == (78, "B", "refer")


@pytest.mark.parametrize(
    ("late", "default", "expected"), [(0, False, 30), (1, False, 15), (2, False, 15), (3, False, 0), (0, True, 0)]
)
def test_repayment_history(late: int, default: bool, expected: int) -> None:
    assert points(score(inputs(late_payments=late, has_default=default)), "repayment_history") == expected


@pytest.mark.parametrize(
    ("outstanding", "expected"),
    [(0, 25), (180_000, 25), (180_001, 15), (360_000, 15), (360_001, 5), (720_000, 5), (720_001, 0)],
)
def test_outstanding_relative_to_income(outstanding: int, expected: int) -> None:
    assert points(score(inputs(outstanding=Decimal(outstanding))), "outstanding_to_income") == expected


@pytest.mark.parametrize(("scores", "expected"), [([], 8), ([80], 15), ([90, 70], 15), ([79], 8), ([60], 8), ([59], 0)])
def test_past_scores(scores: list[int], expected: int) -> None:
    assert points(score(inputs(past_scores=scores)), "past_scores") == expected


@pytest.mark.parametrize(
    ("income", "expected"), [(100_000, 20), (99_999, 15), (50_000, 15), (49_999, 10), (25_000, 10), (24_999, 0)]
)
def test_income(income: int, expected: int) -> None:
    assert points(score(inputs(monthly_income=Decimal(income))), "monthly_income") == expected


@pytest.mark.parametrize(
    ("total", "band", "decision"),
    [
        (100, "A", "approve"),
        (80, "A", "approve"),
        (79, "B", "refer"),
        (60, "B", "refer"),
        (59, "C", "decline"),
        (40, "C", "decline"),
        (39, "D", "decline"),
        (0, "D", "decline"),
    ],
)
def test_bands(total: int, band: str, decision: str) -> None:
    assert band_of(total) == (band, decision)


def test_hard_stops_never_approve() -> None:
    best = {"monthly_income": Decimal(200_000), "past_scores": [95]}
    assert score(inputs(**best)).decision == "approve"
    assert score(inputs(**best, blacklisted=True)).decision == "decline"
    unverified = score(inputs(**best, kyc_verified=False))
    assert unverified.score == 90 and unverified.decision != "approve"


# The workflow through the executor.


def test_workflow_asks_for_product_then_amount(deps: ToolDeps) -> None:
    first = run(deps, "start_loan_scoring_workflow", customer_id=123)
    assert first["status"] == "needs_input" and first["needs"] == "product" and len(first["products"]) == 8
    second = run(deps, "start_loan_scoring_workflow", customer_id=123, product_id=5)
    assert second["needs"] == "amount" and second["product"]["id"] == 5 and second["score"] is None


@pytest.mark.parametrize("amount", [1_000, 50_000_000])
def test_workflow_checks_amount_against_product_limits(deps: ToolDeps, amount: int) -> None:
    result = run(deps, "start_loan_scoring_workflow", customer_id=456, product_id=5, amount=amount)
    assert result["status"] == "needs_input" and result["needs"] == "amount" and result["score"] is None


def test_workflow_scores_and_records(deps: ToolDeps) -> None:
    before = run(deps, "get_loan_score_history", customer_id=789, page_size=100)
    result = run(deps, "start_loan_scoring_workflow", customer_id=789, product_id=5, amount=50_000)
    assert result["status"] == "scored" and result["needs"] is None
    assert result["score"] == sum(f["points"] for f in result["factors"])
    assert (result["band"], result["decision"]) != (None, None) and len(result["reasons"]) >= 5
    after = run(deps, "get_loan_score_history", customer_id=789, page_size=100)
    assert after["total"] == before["total"] + 1
    newest = after["items"][0]
    assert newest["id"] == result["score_id"] and newest["score"] == result["score"]
    assert newest["scored_by"] == "staff-1" and newest["product_id"] == 5


def test_workflow_isolated_by_tenant(deps: ToolDeps) -> None:
    with pytest.raises(RecordNotFound):
        execute(
            "start_loan_scoring_workflow",
            {"customer_id": 789, "product_id": 5, "amount": 50_000},
            staff(tenant="other"),
            deps,
        )
    other_customer = run(deps, "list_customers", staff(tenant="other"), kyc_status="verified")["items"][0]
    with pytest.raises(RecordNotFound):
        execute(
            "start_loan_scoring_workflow",
            {"customer_id": other_customer["identity_id"], "product_id": 5},
            staff(tenant="other"),
            deps,
        )
