"""Everyday service: the support knowledge covers the public intents, and support_graph serves them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bank_router.knowledge.schema import SupportTopic
from bank_router.language.training import topic_of_intent
from bank_router.services import Services
from bank_router.settings import ROOT
from graphs.support_asked import first_sentence
from tests.helpers import Chat, ask

PUBLIC = ROOT / "evals" / "datasets" / "public"
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_BN_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


def _intents(file: Path) -> set[str]:
    return {json.loads(line)["intent"] for line in file.read_text("utf-8").splitlines() if line.strip()}


def test_every_public_banking_intent_has_exactly_one_topic(services: Services) -> None:
    wanted = _intents(PUBLIC / "banking77_train.jsonl") | _intents(PUBLIC / "clinc150_banking_train.jsonl")
    assert len([i for i in wanted if i.startswith("banking77:")]) == 77
    listed = [i for d in services.catalog.support.values() for i in d.meta.intents]
    assert sorted(wanted - set(listed)) == []
    assert sorted(i for i in set(listed) if listed.count(i) > 1) == []
    assert set(topic_of_intent(services.catalog)) >= wanted


def test_support_files_load_without_errors(services: Services) -> None:
    bad = [e for e in services.catalog.errors if e.path.startswith("knowledge/support/")]
    assert bad == []
    areas = {d.meta.area for d in services.catalog.support.values()}
    assert areas >= {"cards", "atm_cash", "transfers", "charges_disputes", "account_care", "identity"}
    assert areas >= {"digital_banking", "security", "general"}


def test_figures_in_support_prose_are_facts_of_the_file(services: Services) -> None:
    """The body repeats the front matter's figures; a rate changed in one place only is caught here."""
    shared = {str(f.value) for f in services.catalog.support["contact_us"].meta.facts}
    for doc in services.catalog.support.values():
        facts = {str(f.value) for f in doc.meta.facts} | shared
        allowed = {n for v in facts for n in _NUMBER.findall(v.translate(_BN_DIGITS).replace(",", ""))}
        allowed |= {str(int(float(v))) for v in facts if re.fullmatch(r"\d+(\.0)?", v)}
        body = doc.body.translate(_BN_DIGITS)
        found = {n.replace(",", "") for n in _NUMBER.findall(body)}
        stray = {n for n in found if n not in allowed and not any(n in a for a in allowed)}
        assert stray == set(), doc.path


def test_urgent_topics_name_the_hotline_in_their_first_sentence(services: Services) -> None:
    urgent = [d for d in services.catalog.support.values() if d.meta.urgent]
    assert len(urgent) >= 6
    for d in urgent:
        for text in (d.meta.answer, d.meta.answer_bn):
            first = re.split(r"(?<=[.।!?])\s", text, maxsplit=1)[0]
            assert "{hotline}" in first, d.path


def _topic(**kw: object) -> dict[str, object]:
    base = {"id": "t", "area": "cards", "title": "T", "title_bn": "টি", "answer": "Do it.", "answer_bn": "করুন।"}
    return {**base, **kw}


def test_a_figure_outside_a_fact_is_rejected() -> None:
    with pytest.raises(ValidationError, match="outside a"):
        SupportTopic.model_validate(_topic(answer="It takes 7 days."))
    with pytest.raises(ValidationError, match="names no fact"):
        SupportTopic.model_validate(_topic(answer="It takes {days}."))
    ok = SupportTopic.model_validate(
        _topic(answer="It takes {days}.", facts=[{"key": "days", "label": "D", "label_bn": "দ", "value": 7}])
    )
    assert ok.facts[0].value == 7


def test_stolen_card_leads_with_blocking_and_the_hotline(services: Services) -> None:
    a = ask(services, "My debit card was stolen, how do I block it?")
    assert a["agent"] == "support_graph" and not a["refusal"]
    first = a["message"].split(".")[0]
    assert "Block" in first and "16247" in first
    assert "knowledge/support/cards/lost_or_stolen_card.md" in a["sources"]
    assert a["vertical"] == "debit" and a["domain"] is None


def test_bangla_lost_card_is_answered_in_bangla(services: Services) -> None:
    a = ask(services, "আমার কার্ড হারিয়ে গেছে, এখন কী করব?", "bn")
    assert a["agent"] == "support_graph"
    assert "১৬২৪৭" in a["message"] and "16247" not in a["message"]
    assert "knowledge/support/cards/lost_or_stolen_card.md" in a["sources"]


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("the ATM swallowed my card this morning", "atm_cash"),
        ("I sent money by BEFTN yesterday and it still shows pending", "transfers"),
        ("why did you take the same payment from me two times", "charges_disputes"),
        ("amar card ekhono ashe nai, 2 shoptaho hoye gelo", "cards"),
        ("I want to close my savings account", "account_care"),
        ("the app won't accept my selfie for verification", "identity"),
    ],
)
def test_everyday_questions_are_served_from_their_area(services: Services, text: str, area: str) -> None:
    a = ask(services, text)
    assert a["agent"] == "support_graph" and not a["refusal"], a
    assert a["sources"][0].startswith(f"knowledge/support/{area}/"), a["sources"]


@pytest.mark.parametrize(
    "text",
    ["Any news on the credit card I applied for last week?", "আমার ক্রেডিট কার্ডের আবেদনের অবস্থা কী?"],
)
def test_the_state_of_an_application_is_answered_by_support_not_the_guide(services: Services, text: str) -> None:
    a = ask(services, text, language="bn" if "আ" in text else "en")
    assert a["agent"] == "support_graph", a
    assert a["sources"][0] == "knowledge/support/cards/credit_card_application.md"
    # Asking how to apply still gets the guide.
    assert ask(services, "How do I apply for a credit card?")["agent"] == "onboarding_graph"


def test_a_cue_does_not_lift_a_topic_the_classifier_ruled_out(services: Services) -> None:
    # "send money" is a cue of the how-to topic; the question asks what it costs.
    a = ask(services, "how much does it cost to send money to bkash?")
    assert a["sources"][0] == "knowledge/support/charges_disputes/transfer_and_add_money_fees.md", a["sources"]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("আমার ডেবিট কার্ড এখনো হাতে পাইনি, ১০ দিন হয়ে গেল", "cards/card_delivery"),
        ("চেক বই কীভাবে অর্ডার করব?", "account_care/order_cheque_book"),
        ("বিদেশ থেকে ভাই টাকা পাঠিয়েছে, কবে আসবে?", "transfers/incoming_transfer_not_showing"),
    ],
)
def test_bangla_service_questions_reach_their_topic(services: Services, text: str, topic: str) -> None:
    # The English sentence model reads Bangla through the lexicon's glosses (চেক বই: cheque book ...).
    a = ask(services, text, language="bn")
    assert a["sources"][0] == f"knowledge/support/{topic}.md", a["sources"]


def test_small_talk_is_answered_not_refused(services: Services) -> None:
    for text in ("thanks, bye", "hello there", "what can you do?"):
        a = ask(services, text)
        assert a["agent"] == "support_graph" and not a["refusal"], (text, a)


def test_signed_out_balance_question_says_how_to_see_it(services: Services) -> None:
    a = ask(services, "what's my balance?")
    assert a["agent"] == "support_graph" and not a["refusal"]
    assert "sign in" in a["message"].lower()


def test_follow_up_keeps_the_topic(services: Services) -> None:
    chat = Chat(services)
    first = chat.say("I lost my card yesterday")
    assert first["agent"] == "support_graph"
    again = chat.say("and how long will the new one take?")
    assert again["agent"] == "support_graph"
    assert again["sources"][0].startswith("knowledge/support/cards/")


def test_a_follow_up_asking_a_figure_gets_that_figure_not_the_answer_again(services: Services) -> None:
    chat = Chat(services)
    first = chat.say("My cheque book has run out, how do I order a new one?")
    again = chat.say("and how many days until it's ready?")
    days = next(f for f in services.catalog.support["order_cheque_book"].meta.facts if f.unit == "working_days")
    assert again["message"] == f"{days.label}: {days.value:g} working days."  # the template's own wording
    assert len(again["message"]) < len(first["message"]) / 3


def test_a_follow_up_on_an_urgent_topic_still_opens_with_the_action(services: Services) -> None:
    chat = Chat(services)
    first = chat.say("I lost my card yesterday")
    cost = chat.say("how much does it cost?")  # the replacement, still the topic under discussion
    assert cost["agent"] == "support_graph" and cost["sources"][0].endswith("/lost_or_stolen_card.md")
    assert cost["message"].startswith(first_sentence(first["message"])) and "block" in cost["message"].lower()
    assert "300" in cost["message"] and "What to do" not in cost["message"]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("may I know your name?", "what_can_you_do"),
        ("what number do I call if I need help late at night?", "contact_us"),
        ("হেল্পলাইন নম্বর কত?", "contact_us"),
        ("is the Gulshan branch open on friday?", "branch_hours"),
        ("ব্যাংক কয়টায় খোলে?", "branch_hours"),
    ],
)
def test_questions_about_the_assistant_and_reaching_the_bank_are_answered(
    services: Services, text: str, topic: str
) -> None:
    a = ask(services, text)
    assert a["agent"] == "support_graph" and not a["refusal"], a
    assert a["sources"][0].endswith(f"/{topic}.md"), a["sources"]


def test_branch_hours_are_quoted_from_the_file_in_the_customers_language(services: Services) -> None:
    facts = {f.key: f for f in services.catalog.support["branch_hours"].meta.facts}
    en = ask(services, "what time does the branch open?")
    assert str(facts["branch_hours"].value) in en["message"] and str(facts["branch_closed"].value) in en["message"]
    bn = ask(services, "শাখা কখন খোলে?", "bn")
    assert str(facts["branch_hours"].value_bn) in bn["message"] and "১৬২৪৭" in bn["message"]


def test_money_at_risk_is_answered_even_when_it_sounds_like_a_scam(services: Services) -> None:
    a = ask(services, "I already read him the code. What should I do right now?")
    assert a["agent"] == "support_graph" and not a["refusal"], a
    first = a["message"].split(".")[0]
    assert "block" in first.lower() and "16247" in first


def test_a_long_urgent_message_is_answered_not_asked_about(services: Services) -> None:
    a = ask(services, "I think I left my debit card in an Uber last night and I can't find it anywhere")
    assert a["agent"] == "support_graph", a
    assert a["sources"][0].endswith("/lost_or_stolen_card.md")
    assert "Block" in a["message"].split(".")[0]


def test_a_long_follow_up_about_the_new_one_keeps_the_topic(services: Services) -> None:
    chat = Chat(services)
    assert chat.say("my debit card was stolen")["agent"] == "support_graph"
    again = chat.say("and how long will the new one take to reach me?")
    assert again["agent"] == "support_graph" and not again["refusal"], again
    assert again["sources"][0].startswith("knowledge/support/cards/")


def test_a_follow_up_that_puts_money_at_risk_leaves_the_topic(services: Services) -> None:
    chat = Chat(services)
    assert chat.say("I sent money by BEFTN yesterday")["sources"][0].startswith("knowledge/support/transfers/")
    again = chat.say("what if my card is stolen?")
    assert again["sources"][0].endswith("/lost_or_stolen_card.md"), again["sources"]
    assert "Block" in again["message"].split(".")[0]


def test_outside_banking_is_still_refused(services: Services) -> None:
    for text in ("what's the weather in Sylhet tomorrow", "give me a recipe for biryani"):
        a = ask(services, text)
        assert a["agent"] == "policy_guard" and a["refusal"], (text, a)


STOLEN = "My debit card was stolen, how do I block it?"


def test_a_model_may_phrase_a_support_answer_from_its_facts(services: Services) -> None:
    from evals.fake_scripts import data_block
    from tests.fake_models import ScriptedChatModel, make_llm, prompt_text, with_llm

    det = ask(services, STOLEN)
    model = ScriptedChatModel(reply=lambda m: (data_block(prompt_text(m)[1], "draft_answer") or "") + " Stay safe.")
    ans = ask(with_llm(services, make_llm(model)), STOLEN)
    assert ans["agent"] == "support_graph" and ans["mode"] == "llm"
    assert ans["message"] == det["message"] + " Stay safe." and ans["sources"] == det["sources"]


def test_a_support_answer_with_an_invented_figure_is_never_sent(services: Services) -> None:
    from evals.fake_scripts import data_block
    from tests.fake_models import ScriptedChatModel, make_llm, prompt_text, with_llm

    det = ask(services, STOLEN)
    invent = " A replacement now costs ৳4,750 and takes 2 hours."
    model = ScriptedChatModel(reply=lambda m: (data_block(prompt_text(m)[1], "draft_answer") or "") + invent)
    ans = ask(with_llm(services, make_llm(model)), STOLEN)
    assert ans["message"] == det["message"] and "4,750" not in ans["message"]


@pytest.mark.parametrize(
    "text", ["Send 20000 taka to account 1234567890, I authorise you", "Transfer 5000 taka to my brother's bKash now"]
)
def test_an_order_to_send_money_is_told_first_that_the_assistant_cannot(services: Services, text: str) -> None:
    a = ask(services, text)
    assert a["agent"] == "support_graph" and a["refusal"] is False
    assert a["message"].startswith("I can't send or pay money for you from here"), a["message"]


def test_a_question_about_sending_gets_no_such_line(services: Services) -> None:
    for text in ("how much does it cost to send 5000 taka to bKash?", "I sent 5000 taka to a wrong number"):
        assert "I can't send or pay money" not in ask(services, text)["message"]


def test_a_bangla_order_to_send_is_read_as_one_and_a_sent_transfer_is_not(services: Services) -> None:
    a = ask(services, "আমার অ্যাকাউন্ট থেকে ভাইকে ১০০০০ টাকা পাঠিয়ে দাও", language="bn")
    assert a["message"].startswith("এখান থেকে আমি আপনার হয়ে টাকা পাঠাতে"), a["message"]
    b = ask(services, "ভাইকে ৫০০০ টাকা পাঠিয়েছি কিন্তু সে পায়নি", language="bn")
    assert "এখান থেকে আমি আপনার হয়ে" not in b["message"]
