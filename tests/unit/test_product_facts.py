"""Every part of a product question answered from the facts, and nothing unasked beyond a short line."""

from __future__ import annotations

import pytest

from bank_router.language.classifier import Prediction
from bank_router.language.parsing import parse_tenure
from bank_router.services import Services
from bank_router.turn.state import Entities
from nodes.classify import decide
from tests.helpers import ask

FD = "knowledge/products/conventional/save/term_deposits/prime_fixed_deposit.md"


def test_fee_and_income_both_answered(services: Services) -> None:
    a = ask(services, "What is the annual fee for the Prime Visa Gold credit card, and what monthly income do I need?")
    assert "annual fee ৳2,000" in a["message"] and "minimum monthly income is ৳50,000" in a["message"]


def test_rate_and_payout_answered_without_an_atm_limit(services: Services) -> None:
    a = ask(services, "What profit rate does the Islami Mudaraba Savings Account give, and how is profit paid?")
    assert "3.25%" in a["message"] and "half-yearly" in a["message"]
    assert "ATM" not in a["message"]  # the limits were not asked


def test_terms_read_as_a_banker_says_them(services: Services) -> None:
    en = ask(services, "What are the terms and rates of the Prime Fixed Deposit?")
    assert "12 months at 8% a year" in en["message"] and "8.0" not in en["message"]
    assert "tenure 12 months" not in en["message"]
    bn = ask(services, "প্রাইম ফিক্সড ডিপোজিটের মেয়াদ ও সুদের হার কত?", "bn")
    assert "১২ মাস মেয়াদে বার্ষিক ৮%" in bn["message"]
    assert "ফি:" not in bn["message"]  # "ফিক্সড" is not "ফি" (fee)
    assert bn["sources"] == [FD]


def test_an_eligibility_question_also_answers_the_fee_it_asks(services: Services) -> None:
    a = ask(services, "Can a 30 year old get the Prime Visa Gold credit card, and what is the annual fee?")
    assert a["agent"] in ("eligibility_graph", "product_info_graph")
    assert "৳2,000" in a["message"] and "21" in a["message"]


def test_a_rule_the_product_does_not_set_gets_the_rules_it_does(services: Services) -> None:
    # The Prime Savings Account sets no income rule: the answer says which rules it does set, and the rate.
    a = ask(services, "What monthly income do I need for the Prime Savings Account, and what is the interest rate?")
    assert "Who can apply: minimum age is 18" in a["message"] and "income" not in a["message"]
    assert "The interest rate is" in a["message"]


def test_what_a_scheme_without_a_balance_rule_needs_is_its_instalment(services: Services) -> None:
    a = ask(services, "How much do I need to put in monthly, at the least, to open a Prime DPS?")
    assert "minimum monthly instalment ৳500" in a["message"]


def test_a_sure_policy_pick_over_one_domains_products_is_answered_not_refused() -> None:
    # "And the Prime Fixed Deposit, which pays more?" after a Prime DPS question: the classifier is sure it is a
    # refused comparison, but the products are conventional only and the input guard's rule (which reads the
    # session's earlier turns too) passed; a named second domain keeps the refusal.
    scores = {"policy_guard": 0.85, "product_info_graph": 0.1, "comparison_graph": 0.05}
    pred = Prediction("policy_guard", 0.85, scores)
    ents: Entities = {"products": ["prime_fixed_deposit"], "product_domains": ["conventional"], "follow_up": True}
    route = decide(pred, ents, {"last_agent": "product_info_graph"}, 0.5, "and the prime fixed deposit which pays more")
    assert route["agent"] == "product_info_graph" and route["reason"] == "one domain, comparison rule passed"
    both: Entities = {**ents, "product_domains": ["conventional", "islami"]}
    assert decide(pred, both, {}, 0.5, "which pays more")["agent"] == "policy_guard"


def test_parts_outside_eligibility_are_answered_from_their_own_files(services: Services) -> None:
    a = ask(services, "I work in Dubai. Can I open an NRB account from abroad and send money home?")
    assert a["agent"] == "eligibility_graph" and a["domain"] == "nrb"
    guide = "How to open an NRB account from abroad: Choose your NRB account; Download the Prime app abroad"
    assert guide in a["message"]
    assert "SWIFT code PRMXBDDH" in a["message"]  # receiving money from abroad, from the support topic
    assert {"knowledge/onboarding/nrb_account_opening.md", "knowledge/support/transfers/receive_money.md"} <= set(
        a["sources"]
    )


@pytest.mark.parametrize(
    ("text", "language", "first"),
    [
        (
            "What is the rate of Prime Fixed Deposit for two years?",
            "en",
            "For 24 months, the rate of Prime Fixed Deposit is 8.25% a year.",
        ),
        (
            "wat is the intrest rate on fixd deposit for 1 yer",
            "en",
            "For 12 months, the rate of Prime Fixed Deposit is 8% a year.",
        ),
        ("প্রাইম ফিক্সড ডিপোজিটে ৩ বছরের সুদের হার কত?", "bn", "৩৬ মাস মেয়াদে প্রাইম ফিক্সড ডিপোজিট-এর হার বার্ষিক ৮.৫%।"),
    ],
)
def test_the_asked_term_is_answered_first(services: Services, text: str, language: str, first: str) -> None:
    a = ask(services, text, language=language)
    assert a["message"].startswith(first), a["message"]
    # The other terms follow; the headline rate does not contradict the asked one.
    assert "3 months" in a["message"] or "৩ মাস" in a["message"]


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("Prime Fixed Deposit for two years", 24),
        ("fixd deposit for 1 yer", 12),
        ("৩ বছর মেয়াদে", 36),
        ("6 maser dps", 6),
        # Ages, time ago and rates are not terms.
        ("Can a 30-year-old open a Prime Fixed Deposit?", None),
        ("৩০ বছর বয়সী", None),
        ("I opened it 2 years ago", None),
        ("the rate is 8% a year", None),
    ],
)
def test_a_term_is_read_and_an_age_is_not(text: str, months: int | None) -> None:
    assert parse_tenure(text) == months


@pytest.mark.parametrize(
    ("text", "language", "first"),
    [
        (
            "Can a 30-year-old with a monthly income of 50000 take a Prime Personal Loan of 500000?",
            "en",
            "Yes, a 30-year-old can take a Prime Personal Loan of ৳500,000.",
        ),
        (
            "৩০ বছর বয়সী, মাসিক আয় ৫০,০০০ টাকা, ৫ লাখ টাকার প্রাইম পার্সোনাল লোন নিতে পারব?",
            "bn",
            "হ্যাঁ, ৩০ বছর বয়সী একজন ৳৫,০০,০০০-এর প্রাইম পার্সোনাল লোন নিতে পারবেন।",
        ),
        # A deposit's amount is what the applicant has (seed 003's wording).
        (
            "Can a 16-year-old with 5,000 taka open Prime First Account?",
            "en",
            "Yes, a 16-year-old with ৳5,000 can open",
        ),
    ],
)
def test_a_loan_amount_is_the_loan_not_the_applicants_money(
    services: Services, text: str, language: str, first: str
) -> None:
    assert ask(services, text, language=language)["message"].startswith(first)
