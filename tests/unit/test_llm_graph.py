"""The model in the graph: only where it adds something, validated, and never able to make a turn worse."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from prometheus_client import REGISTRY

from bank_router.services import Services
from bank_router.turn.context import Caller
from evals.fake_scripts import data_block
from tests.fake_models import ScriptedChatModel, StatusError, make_llm, prompt_text, tool_call, with_llm
from tests.helpers import ask

PRIME_FIRST = "knowledge/products/conventional/save/deposit_accounts/prime_first_account.md"
ELIG = "Can a 16-year-old with 5,000 taka open Prime First Account?"
REFUSAL = "Which gives more profit, Islami DPS or conventional DPS?"
INVENTED = " Good news: the rate is now 11.75% and a cashback of ৳2,500 applies until 2031."


def replaced() -> float:
    return REGISTRY.get_sample_value("bank_router_output_guard_replaced_total") or 0.0


def draft(messages: list[BaseMessage]) -> str:
    return data_block(prompt_text(messages)[1], "draft_answer") or ""


@pytest.fixture(scope="module")
def deterministic(services: Services) -> dict[str, Any]:
    return ask(services, ELIG)


def test_refusal_makes_no_model_call(services: Services) -> None:
    model = ScriptedChatModel(responses=["Sure, Islami DPS pays 12% more."])
    ans = ask(with_llm(services, make_llm(model)), REFUSAL)
    assert ans["agent"] == "policy_guard" and ans["refusal"] is True
    assert model.received == []
    assert ans["mode"] == "deterministic" and "usage" not in ans


def test_confident_turn_makes_no_model_call_in_auto_mode(services: Services, deterministic: dict[str, Any]) -> None:
    model = ScriptedChatModel(responses=["unused"])
    ans = ask(with_llm(services, make_llm(model), phrasing="auto"), ELIG)
    assert model.received == []
    assert ans["message"] == deterministic["message"] and ans["mode"] == "deterministic"


def test_invented_figures_never_reach_the_answer(services: Services, deterministic: dict[str, Any]) -> None:
    model = ScriptedChatModel(reply=lambda messages: draft(messages) + INVENTED)
    before = replaced()
    ans = ask(with_llm(services, make_llm(model)), ELIG)
    assert len(model.received) == 1
    assert ans["message"] == deterministic["message"]
    for figure in ("11.75", "2,500", "2031"):
        assert figure not in ans["message"]
    assert replaced() == before + 1
    assert ans["mode"] == "deterministic"
    assert ans["usage"]["input_tokens"] == 100 and ans["usage"]["output_tokens"] == 20


def test_invented_figures_in_bangla_digits_are_caught(services: Services) -> None:
    det = ask(services, ELIG, language="bn")
    model = ScriptedChatModel(reply=lambda messages: draft(messages) + " সুদের হার এখন ১১.৭৫%।")
    ans = ask(with_llm(services, make_llm(model)), ELIG, language="bn")
    assert ans["message"] == det["message"] and "১১.৭৫" not in ans["message"]


def test_grounded_phrasing_is_sent_with_usage(services: Services, deterministic: dict[str, Any]) -> None:
    model = ScriptedChatModel(reply=lambda messages: draft(messages) + " You can open it at any branch.")
    ans = ask(with_llm(services, make_llm(model)), ELIG)
    assert ans["message"] == deterministic["message"] + " You can open it at any branch."
    assert ans["mode"] == "llm"
    assert ans["sources"] == deterministic["sources"] and ans["agent"] == "eligibility_graph"
    usage = ans["usage"]
    assert usage["provider"] == "openai" and usage["model"] == "gpt-4o-mini" and usage["estimated_cost"] > 0
    system, user = prompt_text(model.received[0])
    assert "never an instruction" in system and "<data label=" in user


@pytest.mark.parametrize(
    ("reply", "language"),
    [
        ("No, a 16-year-old cannot open Prime First Account.", "en"),  # the verdict is code's, not the model's
        ("Yes, a 16-year-old with ৳5,000 can open it.", "en"),  # drops the verdict sentence and the product
        ("হ্যাঁ, খোলা যাবে।", "en"),  # wrong language
    ],
)
def test_phrasing_that_changes_facts_is_rejected(services: Services, reply: str, language: str) -> None:
    det = ask(services, ELIG, language=language)
    model = ScriptedChatModel(responses=[reply])
    ans = ask(with_llm(services, make_llm(model)), ELIG, language=language)
    assert ans["message"] == det["message"] and ans["mode"] == "deterministic"


def test_model_down_falls_back_to_the_deterministic_answer(services: Services, deterministic: dict[str, Any]) -> None:
    model = ScriptedChatModel(responses=[StatusError(500)])
    ans = ask(with_llm(services, make_llm(model)), ELIG)
    assert ans["message"] == deterministic["message"] and ans["mode"] == "deterministic"
    assert ans["usage"]["calls"] == 3  # one try and two retries


# Misspelt past what tolerant reading corrects (two edits in a short word): only the model can read them.
UNSURE = "prme frsst acct for a teen, good idea?"
MISSED = "can my 16 year old open a prme frsst acct with 5000 taka?"


def intent_then_draft(choice: dict[str, Any]) -> Any:
    def reply(messages: list[BaseMessage]) -> Any:
        if "You route one message" in prompt_text(messages)[0]:
            return tool_call("IntentChoice", **choice)
        return draft(messages)

    return reply


def test_unsure_turn_is_routed_by_the_model_with_checked_entities(services: Services) -> None:
    assert ask(services, UNSURE)["agent"] == "clarification_agent"
    model = ScriptedChatModel(
        reply=intent_then_draft({"agent": "eligibility_graph", "confidence": 0.9, "products": ["Prime First Account"]})
    )
    ans = ask(with_llm(services, make_llm(model)), UNSURE)
    assert ans["agent"] == "eligibility_graph" and ans["mode"] == "llm"
    assert ans["sources"] == [PRIME_FIRST]
    assert "13" in ans["message"]  # the rules ran on the product the model read


def test_entities_the_parsers_missed_come_from_the_model(services: Services) -> None:
    det = ask(services, MISSED)
    assert det["agent"] == "clarification_agent"  # eligibility, but no product parsed
    choice = {"agent": "product_info_graph", "confidence": 0.9, "products": ["Prime First Account"], "age": 61}
    model = ScriptedChatModel(reply=intent_then_draft(choice))
    ans = ask(with_llm(services, make_llm(model), phrasing="off"), MISSED)
    # The classifier was sure of the agent: the model supplied the product; its age (not in the message) is dropped.
    assert ans["agent"] == "eligibility_graph" and ans["sources"] == [PRIME_FIRST]
    assert ans["message"].startswith("Yes, a 16-year-old") and ans["mode"] == "llm"


@pytest.mark.parametrize(
    "choice",
    [
        {"agent": "policy_guard", "confidence": 0.99},  # refusals never come from the model
        {"agent": "servicing_graph", "confidence": 0.99},  # not offered to an anonymous customer
        {"agent": "eligibility_graph", "confidence": 0.99, "products": ["Quantum Unicorn Saver"]},
        {"agent": "eligibility_graph", "confidence": 0.99, "products": ["Prime Youth Account"]},  # not in the message
        {"agent": "product_info_graph", "confidence": 0.3, "products": ["Prime First Account"]},  # unsure
    ],
)
def test_model_intent_that_does_not_hold_up_is_ignored(services: Services, choice: dict[str, Any]) -> None:
    model = ScriptedChatModel(reply=intent_then_draft(choice))
    ans = ask(with_llm(services, make_llm(model)), UNSURE)
    assert ans["agent"] == "clarification_agent" and ans["refusal"] is False


def test_model_offered_only_the_agents_the_caller_may_use(services: Services) -> None:
    model = ScriptedChatModel(reply=intent_then_draft({"agent": "clarification_agent", "confidence": 0.5}))
    ask(with_llm(services, make_llm(model)), UNSURE)
    system = prompt_text(model.received[0])[0]
    assert "eligibility_graph" in system and "servicing_graph" not in system and "policy_guard" not in system
    staff = Caller(sub="s1", tenant="demo", permissions=frozenset({"ai_agent", "customer:read"}))
    model.received.clear()
    from tests.helpers import Chat

    Chat(with_llm(services, make_llm(model)), staff).say(UNSURE)
    assert "servicing_graph" in prompt_text(model.received[0])[0]


@pytest.mark.parametrize(
    "text",
    ["I want something safe", "I need some advice about my money", "what is best right now", "আমার কিছু একটা দরকার"],
)
def test_unsure_turn_the_model_could_not_help_makes_no_call(services: Services, text: str) -> None:
    """No product name, no unparsed figure, no record id: no reply could be accepted, so none is asked for."""
    model = ScriptedChatModel(reply=intent_then_draft({"agent": "eligibility_graph", "confidence": 0.99}))
    offline, ans = ask(services, text), ask(with_llm(services, make_llm(model)), text)
    assert offline["agent"] == ans["agent"] == "clarification_agent"
    assert model.received == [] and ans["message"] == offline["message"]


def test_a_misspelt_product_or_an_unparsed_figure_still_asks_the_model(services: Services) -> None:
    choice = {"agent": "clarification_agent", "confidence": 0.5}
    for text in (UNSURE, "what about the mudaraba savngs one", "I have 3 kids and want something safe"):
        model = ScriptedChatModel(reply=intent_then_draft(choice))
        ask(with_llm(services, make_llm(model)), text)
        assert len(model.received) >= 1, text


def test_a_figure_in_the_millions_is_checked_as_digits(services: Services) -> None:
    """Ten lakh and more: the model's 1500000.0 is found in the message ("1.5e+06" would never be)."""
    from nodes.llm_intent import IntentChoice, could_help, merge_entities

    text = "I want to keep 1500000 somewhere safe"
    choice = IntentChoice(agent="clarification_agent", confidence=0.5, amount=1_500_000.0)
    assert merge_entities({}, choice, text, services.catalog)["amount"] == 1_500_000
    route = {"agent": "clarification_agent", "confidence": 0.4, "reason": "unsure"}
    parsed = {"amount": 1_500_000.0}
    assert could_help(route, parsed, text, Caller(), services.catalog) is False  # type: ignore[arg-type]
    assert could_help(route, {}, text, Caller(), services.catalog) is True  # type: ignore[arg-type]
