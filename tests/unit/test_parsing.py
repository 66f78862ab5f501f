"""Table-driven tests for bank_router.language.parsing in English, Bangla and mixed text."""

from __future__ import annotations

import unicodedata

import pytest

from bank_router.language.parsing import (
    canonical,
    fold,
    normalize_digits,
    numbers_in,
    parse_age,
    parse_amounts,
    parse_ids,
    parse_limit,
    parse_monthly_income,
    to_bangla_digits,
)

# --- digits -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("০১২৩৪৫৬৭৮৯", "0123456789"),
        ("৫,০০০ টাকা", "5,000 টাকা"),
        ("REF-০০১", "REF-001"),
        ("already 123", "already 123"),
        ("", ""),
    ],
)
def test_normalize_digits_converts_only_bangla_digits(text: str, expected: str) -> None:
    assert normalize_digits(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0123456789", "০১২৩৪৫৬৭৮৯"),
        ("Tk 5,000", "Tk ৫,০০০"),
        ("বাংলা", "বাংলা"),
    ],
)
def test_to_bangla_digits_converts_only_ascii_digits(text: str, expected: str) -> None:
    assert to_bangla_digits(text) == expected


def test_to_bangla_digits_round_trips_with_normalize_digits() -> None:
    assert normalize_digits(to_bangla_digits("Loan 456 at 9.5%")) == "Loan 456 at 9.5%"


# --- fold -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hello,   World! ", "hello world"),
        ("Savings\tAccount\n", "savings account"),
        ("I'm here", "im here"),
        ("I’m here", "im here"),
        ("What's my balance?", "whats my balance"),
        ("REF-001.", "ref-001"),
        ("Tk 1,000.50!", "tk 1,000.50"),
        ("rate 9.5%", "rate 9.5"),
        ("2026-01-31", "2026-01-31"),
        ("65:35", "65:35"),
        ("customer #123", "customer 123"),
        ("well-known", "well known"),
        ("আমার ব্যালেন্স কত?", "আমার ব্যালেন্স কত"),
        ("সঞ্চয়ী হিসাব।", "সঞ্চয়ী হিসাব"),
        ("গ্রাহক ১২৩", "গ্রাহক 123"),
        ("ছেলের বয়স ১৬ বছর", "ছেলের বয়স 16 বছর"),
    ],
)
def test_fold_cases(text: str, expected: str) -> None:
    assert fold(text) == unicodedata.normalize("NFC", expected)


def test_fold_keeps_bengali_vowel_signs_and_virama() -> None:
    word = "ক্রেডিট কার্ড"
    assert fold(word) == unicodedata.normalize("NFC", word)


def test_fold_is_nfc_for_decomposed_input() -> None:
    decomposed = "\u09b8\u099e\u09cd\u099a\u09af\u09bc"
    precomposed = "\u09b8\u099e\u09cd\u099a\u09df"
    assert fold(decomposed) == fold(precomposed)


def test_fold_is_idempotent() -> None:
    text = "  Tk. 5,000 — আমার   সঞ্চয়ী হিসাব! "
    assert fold(fold(text)) == fold(text)


# --- parse_amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5,000 taka", [5000.0]),
        ("5000 tk", [5000.0]),
        ("5000tk", [5000.0]),
        ("tk 5000", [5000.0]),
        ("Tk.5,000", [5000.0]),
        ("Tk. 5,000/-", [5000.0]),
        ("5000/-", [5000.0]),
        ("৳5,000", [5000.0]),
        ("৳ 1,000", [1000.0]),
        ("BDT 5000", [5000.0]),
        ("5000 BDT", [5000.0]),
        ("5k", [5000.0]),
        ("5K taka", [5000.0]),
        ("2.5k", [2500.0]),
        ("1 lakh", [100000.0]),
        ("1.5 lakh", [150000.0]),
        ("1.1 lakh", [110000.0]),
        ("2 lac", [200000.0]),
        ("3 lakhs", [300000.0]),
        ("tk 5 lakh", [500000.0]),
        ("1 crore", [10000000.0]),
        ("2 crores", [20000000.0]),
        ("10 thousand", [10000.0]),
        ("5 hajar taka", [5000.0]),
        ("1,00,000 taka", [100000.0]),
        ("12,34,567 tk", [1234567.0]),
        ("100,000 taka", [100000.0]),
        ("5,000.50 taka", [5000.5]),
        ("50 taka", [50.0]),
    ],
)
def test_parse_amounts_english_forms(text: str, expected: list[float]) -> None:
    assert parse_amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("৫০০০ টাকা", [5000.0]),
        ("৫,০০০ টাকা", [5000.0]),
        ("৫০০০টাকা", [5000.0]),
        ("১,০০,০০০ টাকা", [100000.0]),
        ("১ লাখ", [100000.0]),
        ("১.৫ লাখ টাকা", [150000.0]),
        ("২ লক্ষ", [200000.0]),
        ("২ কোটি", [20000000.0]),
        ("৫ হাজার", [5000.0]),
        ("৫ হাজারের বেশি", [5000.0]),
        ("১,১০,০০০ টাকার লোন", [110000.0]),
        ("৫০০ টাকায় কী হবে", [500.0]),
        ("৳৫০০", [500.0]),
    ],
)
def test_parse_amounts_bangla_forms(text: str, expected: list[float]) -> None:
    assert parse_amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want to deposit 50000", [50000.0]),
        ("my balance is 1,00,000", [100000.0]),
        ("amount: 7500", [7500.0]),
        ("amount:7500", [7500.0]),
        ("monthly income 60000", [60000.0]),
        ("salary 45000", [45000.0]),
        ("I earn 35000", [35000.0]),
        ("I can save 3000 every month", [3000.0]),
        ("raise my limit to 200000", [200000.0]),
        ("need a loan of 500000", [500000.0]),
        ("withdraw 2500", [2500.0]),
        ("50000 জমা দিতে চাই", [50000.0]),
        ("ব্যালেন্স ২৫০০০", [25000.0]),
        ("আমার আয় ৪০০০০", [40000.0]),
        ("বেতন ৩৫০০০", [35000.0]),
        ("deposit 2000", [2000.0]),
        ("deposit of 2000", [2000.0]),
        ("২০০০ জমা দেব", [2000.0]),
        ("deposit 1,995", [1995.0]),
        ("2024 taka", [2024.0]),
        ("loan 50,000", [50000.0]),
        ("loan 5,00,000.00", [500000.0]),
        ("balance 2,00,000.00", [200000.0]),
        ("balance 1,00,00,000", [10000000.0]),
        ("Is 500 the minimum balance?", [500.0]),
        ("FDR of 1 lac for 3 years", [100000.0]),
        ("৫০ হাজার টাকার ডিপিএস", [50000.0]),
    ],
)
def test_parse_amounts_bare_number_in_money_context(text: str, expected: list[float]) -> None:
    assert parse_amounts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deposit 5,000 taka and 10 thousand more", [5000.0, 10000.0]),
        ("৳500 then tk 1,200 then 3k", [500.0, 1200.0, 3000.0]),
        ("customer 123 wants to deposit 5000", [5000.0]),
        ("loan 456 has balance 20000", [20000.0]),
        ("a 16-year-old wants to deposit 5000", [5000.0]),
        ("REF-001 for 2500 taka", [2500.0]),
        ("send 500 tk to 01712345678", [500.0]),
        ("deposit 12% of 10000 taka", [10000.0]),
        ("in 2024 my balance was 30000", [30000.0]),
        ("১৬ বছর বয়সী, ৫০০০ টাকা জমা", [5000.0]),
    ],
)
def test_parse_amounts_mixed_keeps_order_and_skips_non_money(text: str, expected: list[float]) -> None:
    assert parse_amounts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # ids
        "customer 123 balance",
        "customer #12345 deposit",
        "customer id 4567 balance",
        "loan 456 balance",
        "loan #789 amount",
        "product 5 deposit",
        "product 500 deposit",
        "transaction 98765 amount",
        "REF-001 amount",
        "TXN-88812 balance",
        "account 1234567890 balance",
        "my NID is 1234567890123, balance?",
        "transfer to 9876543210123",
        "balance of account no 123456",
        "গ্রাহক ১২৩ ব্যালেন্স",
        "ঋণ ৪৫৬ ব্যালেন্স",
        # ages
        "a 16-year-old wants to deposit",
        "deposit for my 150 year old",
        "aged 105 deposit",
        "বয়স ১০৫ জমা",
        # percentages
        "deposit rate 12%",
        "save 150 percent more",
        "৫০০ শতাংশ জমা",
        # years
        "deposit in 2024",
        "balance since 1995",
        "salary in 2030",
        "2024-01-31 balance",
        # tenure and counts
        "loan for 120 months",
        "save for 240 months",
        "deposit 300 days",
        "১২০ মাস ঋণ",
        "last 200 transactions amount",
        "100 customers with balance",
        "২০০ টি লেনদেন জমা",
        # no money context
        "I have 50000",
        "call me at 5000",
        "room 404",
        # numbers that are too small, or phone numbers
        "deposit 50",
        "send money to 01712345678",
        "ratio 65:35 deposit",
    ],
)
def test_parse_amounts_negatives(text: str) -> None:
    assert parse_amounts(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deposit 5000-10000", [5000.0, 10000.0]),
        ("a loan between 50,000 - 1,00,000 taka", [50000.0, 100000.0]),
        ("on 2026-01-31 I deposited 5000", [5000.0]),
        ("31/01/2026 deposit 2500", [2500.0]),
        ("৩১-০১-২০২৬ তারিখে ৫০০০ টাকা জমা", [5000.0]),
    ],
)
def test_parse_amounts_ranges_and_dates(text: str, expected: list[float]) -> None:
    assert parse_amounts(text) == expected


def test_parse_amounts_empty_text() -> None:
    assert parse_amounts("") == []


# --- parse_age --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16-year-old", 16),
        ("my 16-year-old son", 16),
        ("16 year old", 16),
        ("16 years old", 16),
        ("16 yr old", 16),
        ("16 yrs", 16),
        ("16yo", 16),
        ("16 yo", 16),
        ("16 y/o", 16),
        ("aged 16", 16),
        ("age 16", 16),
        ("age: 16", 16),
        ("my age is 16", 16),
        ("I am 16", 16),
        ("I'm 16", 16),
        ("I’m 16", 16),
        ("im 16", 16),
        ("I am 16 years", 16),
        ("I am 16 and want an account", 16),
        ("my son is 16", 16),
        ("my daughter is 9", 9),
        ("she is 70", 70),
        ("I just turned 18", 18),
        ("a 65 year old", 65),
        ("account for a 65 year old pensioner", 65),
    ],
)
def test_parse_age_english_forms(text: str, expected: int) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("১৬ বছর", 16),
        ("১৬ বছরের", 16),
        ("১৬ বছরের ছেলে", 16),
        ("১৬ বছর বয়সী", 16),
        ("বয়স ১৬", 16),
        ("আমার বয়স ২০", 20),
        ("আমার বয়স: ২০", 20),
        ("আমার ছেলের বয়স ১২", 12),
        ("16 bochor", 16),
        ("amar boyosh 25", 25),
        ("আমার বয়স ৩০, ৫০০০ টাকা জমা", 30),
    ],
)
def test_parse_age_bangla_forms(text: str, expected: int) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I want to open an account",
        "I am 5000 taka short",
        "I'm 20 minutes away",
        "im 5k short",
        "I am 30% sure",
        "age 150",
        "I am 130",
        "loan for 5 yrs",
        "5 years tenure",
        "save for 10 years",
        "৫ বছরের জন্য ঋণ",
        "৫ বছর মেয়াদী",
        "মেয়াদ ৩ বছর",
        "৫ বছরে দ্বিগুণ",
        "agent 12",
        "my page 5",
        "customer 16",
        "16.5 years old",
        "deposit 16000",
    ],
)
def test_parse_age_negatives(text: str) -> None:
    assert parse_age(text) is None


@pytest.mark.parametrize(
    "text",
    ["\u09ac\u09df\u09b8 \u09e7\u09ec", "\u09ac\u09af\u09bc\u09b8 \u09e7\u09ec"],
    ids=["precomposed-yya", "decomposed-yya"],
)
def test_parse_age_either_spelling_of_yya(text: str) -> None:
    assert parse_age(text) == 16


def test_parse_age_skips_impossible_then_takes_next() -> None:
    assert parse_age("I am 130 years old, no wait, aged 30") == 30


def test_parse_age_returns_first_by_position() -> None:
    assert parse_age("my son is 16 and I am 45") == 16


# --- parse_monthly_income ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I earn 40,000 a month", 40000.0),
        ("I earn 40000 per month", 40000.0),
        ("salary 50k", 50000.0),
        ("my salary is 35000", 35000.0),
        ("monthly income BDT 60000", 60000.0),
        ("income of 8 lakh per year", 66666.67),
        ("annual salary 12 lakh", 100000.0),
        ("yearly income tk 6,00,000", 50000.0),
        ("I make 40k a month", 40000.0),
        ("I earn 40,000 a month, saving 5 lakh a year", 40000.0),
        ("I'm 30 and my salary is 55,000 taka", 55000.0),
        ("মাসিক আয় ৫০,০০০ টাকা", 50000.0),
        ("বেতন ৩০ হাজার", 30000.0),
        ("আমার বেতন ৩৫০০০", 35000.0),
        ("আমি মাসে ৫০ হাজার টাকা আয় করি", 50000.0),
        ("আমি বছরে ৬ লাখ টাকা আয় করি", 50000.0),
        ("বার্ষিক আয় ১২ লাখ", 100000.0),
        ("I earn 5 lakh yearly", 41666.67),
        ("ami mashe 30 hajar taka income kori", 30000.0),
    ],
)
def test_parse_monthly_income_forms(text: str, expected: float) -> None:
    assert parse_monthly_income(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I want to deposit 5000",
        "salary increased 10%",
        "I make a deposit of 5000",
        "what is the minimum income?",
        "income since 2020",
        "my salary account number 12345",
    ],
)
def test_parse_monthly_income_negatives(text: str) -> None:
    assert parse_monthly_income(text) is None


# --- parse_ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("customer 123", {"customer_id": "123"}),
        ("customer #123", {"customer_id": "123"}),
        ("Customer ID 123", {"customer_id": "123"}),
        ("customer id: 123", {"customer_id": "123"}),
        ("customer no. 123", {"customer_id": "123"}),
        ("cust 123", {"customer_id": "123"}),
        ("client 123", {"customer_id": "123"}),
        ("গ্রাহক ১২৩", {"customer_id": "123"}),
        ("গ্রাহকের আইডি ১২৩", {"customer_id": "123"}),
        ("loan 456", {"loan_id": "456"}),
        ("loan #789", {"loan_id": "789"}),
        ("loan id 456", {"loan_id": "456"}),
        ("ঋণ ৪৫৬", {"loan_id": "456"}),
        ("লোন ৪৫৬", {"loan_id": "456"}),
        ("REF-001", {"transaction_ref": "REF-001"}),
        ("ref-001", {"transaction_ref": "REF-001"}),
        ("reference REF-001", {"transaction_ref": "REF-001"}),
        ("TXN-88812", {"transaction_ref": "TXN-88812"}),
        ("REF-2024-001", {"transaction_ref": "REF-2024-001"}),
        ("reference number 12345", {"transaction_ref": "12345"}),
        ("transaction 98765", {"transaction_id": "98765"}),
        ("txn id 98765", {"transaction_id": "98765"}),
        ("লেনদেন ৯৮৭৬৫", {"transaction_id": "98765"}),
        ("product 5", {"product_id": "5"}),
        ("product id 5", {"product_id": "5"}),
        ("product #5", {"product_id": "5"}),
        ("loan product 5", {"product_id": "5"}),
        ("application 77", {"application_id": "77"}),
        ("loan application 77", {"application_id": "77"}),
        ("আবেদন ৭৭", {"application_id": "77"}),
        ("agent 12", {"agent_id": "12"}),
        ("store 7", {"store_id": "7"}),
        ("operator 3", {"operator_id": "3"}),
        ("customer 007", {"customer_id": "007"}),
    ],
)
def test_parse_ids_single(text: str, expected: dict[str, str]) -> None:
    assert parse_ids(text) == expected


def test_parse_ids_several_in_one_text() -> None:
    text = "customer 42 asks about loan 7, agent 12 at store 9 saw REF-0042"
    assert parse_ids(text) == {
        "customer_id": "42",
        "loan_id": "7",
        "agent_id": "12",
        "store_id": "9",
        "transaction_ref": "REF-0042",
    }


def test_parse_ids_bangla_digits_normalised() -> None:
    assert parse_ids("গ্রাহক ১২৩ এর ঋণ ৪৫৬") == {"customer_id": "123", "loan_id": "456"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I want a loan",
        "loan of 50000",
        "loan 50000 taka",
        "loan 5 lakh",
        "customers 123",
        "customer service",
        "loan for 12 months",
        "restore 5",
        "16-year-old customer",
    ],
)
def test_parse_ids_negatives(text: str) -> None:
    assert parse_ids(text) == {}


def test_parse_ids_txn_code_is_ref_not_transaction_id() -> None:
    assert "transaction_id" not in parse_ids("TXN-88812")


def test_parse_ids_loan_product_has_no_loan_id() -> None:
    assert "loan_id" not in parse_ids("tell me about loan product 5")


# --- parse_limit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("last 10 transactions", 10),
        ("show my last 5 transactions", 5),
        ("top 5", 5),
        ("show 20", 20),
        ("show me the last 7", 7),
        ("latest 3", 3),
        ("first 4 entries", 4),
        ("10 most recent transactions", 10),
        ("শেষ ১০টি", 10),
        ("শেষ ১০টি লেনদেন", 10),
        ("সর্বশেষ ৫টি লেনদেন দেখাও", 5),
        ("গত ৩টি লেনদেন", 3),
        ("৫টি লেনদেন দেখাও", 5),
    ],
)
def test_parse_limit_forms(text: str, expected: int) -> None:
    assert parse_limit(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "show my transactions",
        "last 3 months",
        "last 30 days",
        "show 5000 taka",
        "গত ৩ মাসের লেনদেন",
        "শেষ ৭ দিনের লেনদেন",
    ],
)
def test_parse_limit_negatives(text: str) -> None:
    assert parse_limit(text) is None


# --- numbers_in -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000", {"5000"}),
        ("5,000 taka", {"5000"}),
        ("1,00,000", {"100000"}),
        ("৫,০০০ টাকা", {"5000"}),
        ("১,০০,০০০", {"100000"}),
        ("3.50", {"3.5"}),
        ("5.0", {"5"}),
        ("0.5", {"0.5"}),
        ("9.5%", {"9.5"}),
        ("12 percent", {"12"}),
        ("5k", {"5", "5000"}),
        ("2.5k", {"2.5", "2500"}),
        ("1 lakh", {"1", "100000"}),
        ("1.5 lakh", {"1.5", "150000"}),
        ("১ লাখ", {"1", "100000"}),
        ("1 crore", {"1", "10000000"}),
        ("10 thousand", {"10", "10000"}),
        ("১০ হাজার", {"10", "10000"}),
        ("REF-001", {"001", "1"}),
        ("65:35", {"65", "35"}),
        ("2026-01-31", {"2026", "01", "1", "31"}),
        ("age 16, loan 456", {"16", "456"}),
        ("5kg", {"5"}),
        ("no numbers here", set()),
    ],
)
def test_numbers_in_cases(text: str, expected: set[str]) -> None:
    assert numbers_in(text) == expected


def test_numbers_in_matches_across_languages() -> None:
    assert numbers_in("Tk 5,000 at 9.50%") == numbers_in("৫০০০ টাকা, ৯.৫ শতাংশ")


# --- whole sentences --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amounts", "age", "income", "ids"),
    [
        ("I'm 25 years old and earn 30k a month", [30000.0], 25, 30000.0, {}),
        ("I am 16, can I open a savings account with 500 tk?", [500.0], 16, None, {}),
        ("Customer 5 wants 5k", [5000.0], None, None, {"customer_id": "5"}),
        (
            "Send 2,500 taka to agent 12 at store 7",
            [2500.0],
            None,
            None,
            {"agent_id": "12", "store_id": "7"},
        ),
        ("What's the interest on 5 lakh for 5 years at 9.5%?", [500000.0], None, None, {}),
        ("মেয়াদ ৫ বছর, ১০ লাখ টাকা", [1000000.0], None, None, {}),
        (
            "গ্রাহক ১২৩, বয়স ৬৫, মাসিক আয় ২৫ হাজার টাকা",
            [25000.0],
            65,
            25000.0,
            {"customer_id": "123"},
        ),
    ],
)
def test_parse_all_whole_sentences(
    text: str, amounts: list[float], age: int | None, income: float | None, ids: dict[str, str]
) -> None:
    assert parse_amounts(text) == amounts
    assert parse_age(text) == age
    assert parse_monthly_income(text) == income
    assert parse_ids(text) == ids


@pytest.mark.parametrize(
    ("value", "en", "bn"),
    [
        (500, "৳500", "৳৫০০"),
        (100000, "৳100,000", "৳১,০০,০০০"),
        (20000000, "৳20,000,000", "৳২,০০,০০,০০০"),
        (1234567.5, "৳1,234,567.5", "৳১২,৩৪,৫৬৭.৫"),
    ],
)
def test_amounts_are_grouped_as_each_language_reads_them(value: float, en: str, bn: str) -> None:
    from bank_router.language.templates import Templates

    tpl = Templates.load()
    assert tpl.money(value, "en") == en and tpl.money(value, "bn") == bn
    # The output guard reads either grouping back as the same figure.
    assert numbers_in(en) & numbers_in(bn) == {canonical(value)}


@pytest.mark.parametrize(
    ("text", "income", "amounts"),
    [
        # The amount right before "income" is the income, though a loan amount follows it.
        ("Can a 30 year old with 40000 income get Prime Personal Loan of 3 lakh?", 40000.0, [40000.0, 300000.0]),
        ("৫০ হাজার টাকা আয় করি, ৩ লাখ টাকার লোন চাই", 50000.0, [50000.0, 300000.0]),
        # A multiplier makes an amount of what would otherwise read as an id ("loan 123").
        ("income 50000 taka, loan 5 lakh", 50000.0, [50000.0, 500000.0]),
    ],
)
def test_income_and_loan_amount_are_told_apart(text: str, income: float, amounts: list[float]) -> None:
    assert parse_monthly_income(text) == income
    assert parse_amounts(text) == amounts


def test_bangla_glosses_are_read_where_a_word_starts_and_longest_first() -> None:
    from bank_router.language.classifier import _glosses

    # Longest first, as the catalog orders its glosses.
    gloss = {"কেনাকাটা": "shopping", "কার্ড": "card", "ভারত": "india", "সীমা": "limit", "কেন": "why"}
    # A suffix may follow (কার্ডে, ভারতে); কেন (why) is not read inside কেনাকাটা (shopping), nor সীমা inside অসীম.
    assert _glosses("ডেবিট কার্ডে ভারতে কেনাকাটা করা যাবে", gloss) == ["card", "india", "shopping"]
    assert _glosses("অসীমা কার্ড কেন", gloss) == ["card", "why"]
