"""What the classifiers learn from, and how much each row counts; and the routes that read several scores."""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from bank_router.knowledge.catalog import SMALL_TALK_AREA
from bank_router.language.classifier import balanced_weights
from bank_router.language.training import (
    OTHER_SMALL_TALK,
    PUBLIC_TRAIN,
    TOPIC_PER_INTENT,
    router_examples,
    topic_examples,
    topic_of_intent,
)
from bank_router.services import Services
from tests.helpers import ask


def test_balanced_weights_are_sklearns_when_every_row_weighs_one() -> None:
    labels = ["a"] * 5 + ["b"] * 2 + ["c"]
    classes = np.array(sorted(set(labels)))
    per_class = dict(zip(classes, compute_class_weight("balanced", classes=classes, y=np.array(labels)), strict=True))
    assert np.allclose(balanced_weights(labels), [per_class[x] for x in labels])


def test_balanced_weights_give_every_class_the_same_total() -> None:
    labels = ["a", "a", "a", "b", "b", "c"]
    w = balanced_weights(labels, [0.2, 0.2, 0.2, 1.0, 0.5, 3.0])
    totals: dict[str, float] = defaultdict(float)
    for label, x in zip(labels, w, strict=True):
        totals[label] += float(x)
    assert len({round(t, 9) for t in totals.values()}) == 1
    assert w[0] == w[1] == w[2] and w[3] == 2 * w[4]  # within a class the given proportions are kept
    assert sum(w) == pytest.approx(sum([0.2, 0.2, 0.2, 1.0, 0.5, 3.0]))


def test_every_public_row_is_learnt_and_an_intent_weighs_its_budget(services: Services) -> None:
    catalog = services.catalog
    s = services.settings
    rows = topic_examples(catalog, s.public_dir, s.phrasings_dir, TOPIC_PER_INTENT)
    mapping = topic_of_intent(catalog)
    public = [json.loads(x) for n in PUBLIC_TRAIN for x in (s.public_dir / n).read_text("utf-8").splitlines() if x]
    served = [r for r in public if r["intent"] in mapping]
    # The public rows come first, every one of them, in their files' order.
    assert [(e.text, e.label) for e in rows[: len(served)]] == [(r["text"], mapping[r["intent"]]) for r in served]
    weight: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for r, e in zip(served, rows, strict=False):
        if catalog.support[e.label].meta.area != SMALL_TALK_AREA:
            weight[r["intent"]] += e.weight
            count[r["intent"]] += 1
    assert weight and all(w == pytest.approx(min(count[i], TOPIC_PER_INTENT)) for i, w in weight.items())
    # Our own phrasings and each topic's cues count in full.
    cues = {t for d in catalog.support.values() for t in d.meta.cues_bn}
    assert all(e.weight == 1.0 for e in rows if e.text in cues)


def test_small_talk_is_learnt_by_topic_on_both_sides(services: Services) -> None:
    """The router's classes where everyday chat meets off-topic chat: each general topic (a greeting, thanks, the
    assistant itself) on its own, and each off-topic small-talk intent (jokes, pets) on its own; areas elsewhere."""
    catalog, s = services.catalog, services.settings
    labels = {e.label for e in router_examples(s.training_file, catalog, s.public_dir, s.phrasings_dir)}
    general = {t for t, d in catalog.support.items() if d.meta.area == SMALL_TALK_AREA}
    assert {f"support_graph:{t}" for t in general} <= labels
    assert "support_graph:cards" in labels and "support_graph:card_delivery" not in labels
    assert {"out_of_scope:tell_joke", "out_of_scope:do_you_have_pets"} <= labels
    assert f"out_of_scope:{OTHER_SMALL_TALK}" not in labels and "out_of_scope:travel" in labels


@pytest.mark.parametrize(
    "text",
    ["how do you say hello in japanese", "teach me to say goodbye in french", "what is hello in spanish"],
)
def test_a_small_talk_word_is_no_banking_word(services: Services, text: str) -> None:
    # "hello" is a greeting's cue, but the question is about another language: out of scope.
    a = ask(services, text)
    assert a["refusal"] is True and a["agent"] == "policy_guard"


@pytest.mark.parametrize("text", ["hello there", "thanks a lot, bye", "what's your name?"])
def test_small_talk_is_still_answered(services: Services, text: str) -> None:
    a = ask(services, text)
    assert a["refusal"] is False and a["sources"][0].startswith("knowledge/support/general/")


@pytest.mark.parametrize(
    "text",
    [
        "From what age can my father open the Prime Senior Savings Account, and what interest does it pay?",
        "What is the minimum age for Prime Youth Account and how much do I need to open it?",
        "How old must I be for the Prime Personal Loan, and what's the rate?",
    ],
)
def test_several_facts_of_one_product_are_its_fact_sheets(services: Services, text: str) -> None:
    a = ask(services, text)
    assert a["agent"] == "product_info_graph", a["message"]


def test_the_askers_own_figures_are_still_an_eligibility_check(services: Services) -> None:
    a = ask(services, "I'm 17, can I open the Prime Youth Account, and what's the minimum balance?")
    assert a["agent"] == "eligibility_graph", a["message"]


def test_the_documents_to_open_an_account_are_the_guides(services: Services) -> None:
    a = ask(services, "what documents do I need to open a Prime Savings Account?")
    assert a["agent"] == "onboarding_graph", a["message"]
