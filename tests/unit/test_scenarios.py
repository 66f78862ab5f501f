"""Seed 003's four scenarios and the behaviours around them, through the real graph."""

from __future__ import annotations

from bank_router.services import Services
from nodes.output_guard import HISTORY_WINDOW
from tests.helpers import Chat, ask

PRIME_FIRST = "knowledge/products/conventional/save/deposit_accounts/prime_first_account.md"
PRIME_YOUTH = "knowledge/products/conventional/save/deposit_accounts/prime_youth_account.md"


def test_eligibility_scenario_says_yes_with_the_rules(services: Services) -> None:
    a = ask(services, "Can a 16-year-old with 5,000 taka open Prime First Account?")
    assert (a["agent"], a["domain"], a["vertical"], a["refusal"]) == (
        "eligibility_graph",
        "conventional",
        "save",
        False,
    )
    assert a["sources"] == [PRIME_FIRST]
    assert a["confidence"] >= 0.8
    assert a["message"].startswith("Yes")
    assert "13" in a["message"] and "৳1,000" in a["message"]


def test_eligibility_without_balance_states_the_balance_rule(services: Services) -> None:
    a = ask(services, "Can a 16-year-old open Prime First Account?")
    assert a["agent"] == "eligibility_graph" and a["message"].startswith("Yes")
    assert "13" in a["message"] and "৳1,000" in a["message"]


def test_eligibility_under_age_says_no_and_names_the_rule(services: Services) -> None:
    a = ask(services, "My son is 12, can he open Prime First Account?")
    assert a["agent"] == "eligibility_graph"
    assert a["message"].startswith("No") and "13" in a["message"]


def test_eligibility_asks_for_the_missing_age(services: Services) -> None:
    chat = Chat(services)
    first = chat.say("Am I eligible for the Prime Youth Account?")
    assert first["agent"] == "eligibility_graph" and "?" in first["message"]
    second = chat.say("I'm 25")
    assert second["agent"] == "eligibility_graph"
    assert second["message"].startswith("Yes") and PRIME_YOUTH in second["sources"]


def test_comparison_scenario_lists_both_products(services: Services) -> None:
    a = ask(services, "What's the difference between Prime First Account and Prime Youth Account?")
    assert (a["agent"], a["domain"], a["vertical"], a["refusal"]) == ("comparison_graph", "conventional", "save", False)
    assert set(a["sources"]) == {PRIME_FIRST, PRIME_YOUTH}
    assert 0.5 <= a["confidence"] <= 1.0
    for fact in ("13", "18", "৳1,000", "৳500"):
        assert fact in a["message"]


def test_islami_conventional_numeric_comparison_is_refused(services: Services) -> None:
    a = ask(services, "Which gives more profit, Islami DPS or conventional DPS?")
    assert (a["agent"], a["domain"], a["vertical"], a["refusal"], a["sources"]) == (
        "policy_guard",
        "nrb",
        "save",
        True,
        [],
    )
    assert a["confidence"] >= 0.9
    assert "separately" in a["message"]


def test_refusal_is_worded_the_same_in_any_phrasing(services: Services) -> None:
    for text in (
        "Is Islamic Mudaraba DPS return higher than the conventional Prime DPS?",
        "ইসলামী ডিপিএস নাকি প্রচলিত ডিপিএস, কোনটায় মুনাফা বেশি?",
    ):
        a = ask(services, text)
        assert a["agent"] == "policy_guard" and a["refusal"] is True, text


def test_vague_request_gets_a_clarifying_question(services: Services) -> None:
    a = ask(services, "I want something safe")
    assert a["agent"] == "clarification_agent"
    assert a["domain"] is None and a["vertical"] is None and a["sources"] == []
    assert a["confidence"] < 0.5 and a["refusal"] is False
    assert a["message"].rstrip().endswith("?")


def test_follow_up_reuses_the_applicant_and_switches_product(services: Services) -> None:
    chat = Chat(services)
    chat.say("Can a 16-year-old open Prime First Account?")
    a = chat.say("and the Youth account?")
    assert a["agent"] == "eligibility_graph" and a["sources"] == [PRIME_YOUTH]
    assert a["message"].startswith("No") and "18" in a["message"]


def test_bangla_answer_is_written_in_bangla(services: Services) -> None:
    a = ask(services, "Can a 16-year-old open Prime First Account?", language="bn")
    assert a["agent"] == "eligibility_graph"
    assert "হ্যাঁ" in a["message"] and "১৩" in a["message"]


def test_bangla_input_is_understood_with_english_answer(services: Services) -> None:
    a = ask(services, "১৬ বছর বয়সী কেউ কি প্রাইম ফার্স্ট অ্যাকাউন্ট খুলতে পারবে?", language="en")
    assert a["agent"] == "eligibility_graph" and a["message"].startswith("Yes")


def test_staff_request_without_token_is_refused_naming_permission(services: Services) -> None:
    a = ask(services, "What is the KYC status for customer 123?")
    assert a["agent"] == "policy_guard" and a["refusal"] is True
    assert "customer:read" in a["message"]


def test_checkpoint_keeps_a_short_window_but_remembers_the_product(services: Services) -> None:
    chat = Chat(services)
    chat.say("Can a 16-year-old open Prime First Account?")
    for _ in range(HISTORY_WINDOW):
        chat.say("What is the weather like today?")
    # The checkpoint keeps the last HISTORY_WINDOW messages (seed 001: 10), not the whole conversation.
    assert len(chat.graph.get_state(chat.config).values["messages"]) <= HISTORY_WINDOW
    a = chat.say("and the Youth account?")
    assert a["agent"] == "eligibility_graph" and PRIME_YOUTH in a["sources"]


def test_product_question_is_not_a_staff_lookup(services: Services) -> None:
    a = ask(services, "What documents do I need for a car loan?")
    assert a["agent"] == "product_info_graph" and a["refusal"] is False
    assert a["sources"] == ["knowledge/products/conventional/loan/retail_loans/prime_car_loan.md"]


def test_a_new_kind_of_product_does_not_reuse_the_last_one(services: Services) -> None:
    chat = Chat(services)
    chat.say("What is the annual fee of the Prime Visa Debit Card?")
    a = chat.say("My salary is 25000, can I get a credit card?")
    assert a["agent"] == "eligibility_graph" and a["vertical"] == "credit_card"
    assert all("/credit_card/" in s for s in a["sources"])


def test_two_terms_are_compared_from_the_glossary(services: Services) -> None:
    a = ask(services, "What is the difference between Mudaraba and Wadiah?")
    assert a["agent"] == "comparison_graph"
    assert set(a["sources"]) == {"knowledge/glossary/mudaraba.md", "knowledge/glossary/wadiah.md"}


def test_bare_type_means_the_domains_product(services: Services) -> None:
    a = ask(services, "আমি প্রবাসী, ডিপিএসের সুদের হার কত?", language="bn")
    assert a["sources"] == ["knowledge/products/nrb/save/term_deposits/nrb_dps.md"] and a["domain"] == "nrb"
