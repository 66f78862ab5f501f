"""Every part of a product question answered from the facts, and nothing unasked beyond a short line."""

from __future__ import annotations

from bank_router.services import Services
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
