"""Tolerant reading: misspelt banking words read as the catalogue's, and nothing else changes."""

from __future__ import annotations

import pytest

from bank_router.knowledge.catalog import Catalog
from bank_router.language.spelling import Speller, distance
from bank_router.services import Services
from bank_router.settings import ROOT
from tests.helpers import ask


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(ROOT / "knowledge")


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("wat is the intrest rate on fixd deposit", "wat is the interest rate on fixed deposit"),
        ("my acount balence", "my account balance"),  # a left-out letter beats "amount"
        ("mastercrd platinum anual fee", "mastercard platinum annual fee"),
        ("hasana gold card", "hasanah gold card"),
        ("my card was stolne", "my card was stolen"),  # two letters swapped
    ],
)
def test_misspelt_banking_words_read_as_the_catalogues(catalog: Catalog, written: str, read: str) -> None:
    assert catalog.read(written) == read


@pytest.mark.parametrize(
    "text",
    [
        "late payment fee",  # English: "late" is not "rate"
        "amar dps er meyad shesh hole taka kivabe pabo",  # Banglish the knowledge uses
        "my zebra ate the remote",  # nothing near a banking word
        "my crd",  # three letters: too short to tell
    ],
)
def test_english_banglish_and_unrelated_words_stay_as_written(catalog: Catalog, text: str) -> None:
    assert catalog.read(text) == text


def test_a_tie_between_equally_likely_words_is_left_alone() -> None:
    assert Speller(targets=["lender", "lander"], known=[]).word("lnder") == "lnder"
    assert distance("recieve", "receive") == 1 and distance("fixd", "fixed") == 1


def test_a_misspelt_product_question_is_answered_from_that_product(services: Services) -> None:
    a = ask(services, "wat is the intrest rate on fixd deposit for 1 yer")
    assert a["agent"] == "product_info_graph"
    assert a["sources"] == ["knowledge/products/conventional/save/term_deposits/prime_fixed_deposit.md"]
    assert "12 months at 8% a year" in a["message"]


@pytest.mark.parametrize(
    ("written", "product"),
    [
        ("প্রাইম মাস্টারকার্ড প্লাটিনাম ক্রেডিট কার্ডের ফি কত?", "prime_mastercard_platinum_credit_card"),  # no ya-phala
        ("প্রাইম ইউথ অ্যাকাউন্ট খুলতে বয়স কত?", "prime_youth_account"),  # ইউ for ইয়ু
        ("প্রাইম ইয়ুথ একাউন্ট", "prime_youth_account"),  # এ for অ্যা
    ],
)
def test_common_bangla_spellings_name_the_product(catalog: Catalog, written: str, product: str) -> None:
    assert catalog.product_matcher.values(catalog.read(written)) == [product]


def test_an_islami_womens_account_asked_in_bangla_is_answered_not_refused(services: Services) -> None:
    # "মহিলা সঞ্চয়ী হিসাব" alone is the conventional women's account: with "মুদারাবা" it is the Islami one, and
    # the question names one domain, so the cross-domain rule has nothing to refuse.
    a = ask(services, "মুদারাবা মহিলা সঞ্চয়ী হিসাবের মুনাফার হার ও ন্যূনতম বয়স কত?", "bn")
    assert not a["refusal"] and a["domain"] == "islami"
    assert a["sources"] == ["knowledge/products/islami/save/deposit_accounts/islami_mudaraba_women_savings_account.md"]
