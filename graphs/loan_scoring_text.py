"""What the loan scoring workflow says at each step, in English and Bangla."""

from __future__ import annotations

from typing import Any

from bank_router.parsing import to_bangla_digits
from bank_router.templates import group_thousands
from bank_router.tools.records import CustomerSummary, LoanProductRecord

_TEXT: dict[str, tuple[str, str]] = {
    "ask_customer": (
        "Which customer should I score? Give the customer id (or their name and I'll search).",
        "কোন গ্রাহকের স্কোর করব? গ্রাহকের আইডি দিন (অথবা নাম বললে খুঁজে দেখব)।",
    ),
    "matches": (
        "Several customers match; which one should I score? Reply with the id.",
        "একাধিক গ্রাহক মিলেছে; কার স্কোর করব? আইডি লিখে জানান।",
    ),
    "no_match": (
        "No customer matches that name in your organisation. Give the customer id instead.",
        "আপনার প্রতিষ্ঠানে এই নামে কোনো গ্রাহক পাওয়া যায়নি। গ্রাহকের আইডি দিন।",
    ),
    "ask_product": (
        "Customer {customer} ({name}) is KYC-verified and not blacklisted. Which loan product should I score? "
        "Reply with its id or name:",
        "গ্রাহক {customer} ({name}) কেওয়াইসি-যাচাইকৃত এবং কালো তালিকায় নেই। কোন ঋণ পণ্যের জন্য স্কোর করব? পণ্যের আইডি বা নাম লিখুন:",
    ),
    "bad_product": (
        "There is no loan product {product} in your organisation. Choose one of these:",
        "আপনার প্রতিষ্ঠানে {product} নম্বর ঋণ পণ্য নেই। এগুলোর একটি বেছে নিন:",
    ),
    "ask_amount": (
        "What amount should I score for {product} (product {id})? It lends {low} to {high}.",
        "{product} (পণ্য {id})-এর জন্য কত টাকার স্কোর করব? এই পণ্যে {low} থেকে {high} পর্যন্ত ঋণ দেওয়া হয়।",
    ),
    "bad_amount": (
        "{amount} is outside {product}'s limits of {low} to {high}. What amount should I score?",
        "{amount} {product}-এর সীমা {low} থেকে {high}-এর বাইরে। কত টাকার স্কোর করব?",
    ),
    "ineligible": (
        "Customer {customer} ({name}) cannot be scored: {reasons}.",
        "গ্রাহক {customer} ({name})-এর স্কোর করা যাবে না: {reasons}।",
    ),
    "scored": (
        "Loan score for customer {customer} ({name}), {product}, {amount}: **{score}/100, band {band}: {decision}**.",
        "গ্রাহক {customer} ({name}), {product}, {amount}-এর ঋণ স্কোর: **{score}/১০০, গ্রেড {band}: {decision}**।",
    ),
    "review": (
        "Borderline: sent to a credit officer for human review.",
        "সীমান্তবর্তী: ঋণ কর্মকর্তার মানবিক পর্যালোচনার জন্য পাঠানো হয়েছে।",
    ),
    "saved": ("Saved to the customer's score history.", "গ্রাহকের স্কোর ইতিহাসে সংরক্ষিত হয়েছে।"),
    "cancelled": ("Loan scoring cancelled; nothing was saved.", "ঋণ স্কোরিং বাতিল করা হয়েছে; কিছু সংরক্ষণ করা হয়নি।"),
    "not_found": (
        "No customer {customer} was found in your organisation's records.",
        "আপনার প্রতিষ্ঠানের রেকর্ডে গ্রাহক {customer} পাওয়া যায়নি।",
    ),
    "invalid": (
        "That does not look like a valid answer. {hint}",
        "উত্তরটি সঠিক মনে হচ্ছে না। {hint}",
    ),
    "failed": (
        "The platform could not score just now; please try again shortly.",
        "প্ল্যাটফর্ম এই মুহূর্তে স্কোর করতে পারছে না; একটু পরে আবার চেষ্টা করুন।",
    ),
    "cancel_hint": ('(Say "cancel" to stop.)', '(থামাতে "বাতিল" লিখুন।)'),
    "approve": ("approve", "অনুমোদন"),
    "refer": ("refer for review", "পর্যালোচনার জন্য পাঠান"),
    "decline": ("decline", "প্রত্যাখ্যান"),
    "factor": ("Factor", "বিষয়"),
    "points": ("Points", "পয়েন্ট"),
    "why": ("Why", "কারণ"),
    "name": ("Name", "নাম"),
    "range": ("Amount", "পরিমাণ"),
    "rate": ("Rate", "হার"),
}

FACTORS: dict[str, tuple[str, str]] = {
    "repayment_history": ("Repayment history", "পরিশোধের ইতিহাস"),
    "outstanding_to_income": ("Outstanding vs income", "আয়ের তুলনায় বকেয়া"),
    "past_scores": ("Past scores", "পূর্ববর্তী স্কোর"),
    "kyc": ("KYC", "কেওয়াইসি"),
    "monthly_income": ("Monthly income", "মাসিক আয়"),
}


def t(key: str, lang: str, **kw: Any) -> str:
    en, bn = _TEXT[key]
    if lang == "bn":  # ids and counts read in Bangla digits too
        kw = {k: to_bangla_digits(str(v)) if isinstance(v, int) else v for k, v in kw.items()}
    return (bn if lang == "bn" else en).format(**kw)


def num(value: float, lang: str) -> str:
    text = group_thousands(value)
    return to_bangla_digits(text) if lang == "bn" else text


def money(value: float, lang: str) -> str:
    return f"৳{num(value, lang)}"


def customer_table(rows: list[CustomerSummary], lang: str) -> str:
    head = f"| ID | {t('name', lang)} | KYC |\n|---|---|---|"
    return "\n".join([head, *(f"| {c.identity_id} | {c.full_name} | {c.kyc_status} |" for c in rows[:10])])


def product_table(rows: list[LoanProductRecord], lang: str) -> str:
    head = f"| ID | {t('name', lang)} | {t('range', lang)} | {t('rate', lang)} |\n|---|---|---|---|"
    body = [
        f"| {p.id} | {p.name} | {money(float(p.min_amount), lang)} - {money(float(p.max_amount), lang)} "
        f"| {p.interest_rate:g}% |"
        for p in rows
    ]
    return "\n".join([head, *body])


# The scorecard's reasons (bank_router/tools/scorecard.py REASONS) in Bangla; figures keep their digits.
REASONS_BN: dict[str, str] = {
    "repayment_default": "পরিশোধের ইতিহাস: একটি ঋণ খেলাপি",
    "repayment_late_many": "পরিশোধের ইতিহাস: গত ১২ মাসে {late}টি দেরিতে পরিশোধ",
    "repayment_late_some": "পরিশোধের ইতিহাস: গত ১২ মাসে {late}টি দেরিতে পরিশোধ",
    "repayment_clean": "পরিশোধের ইতিহাস: গত ১২ মাসে কোনো দেরি নেই",
    "outstanding_none": "বকেয়া: নেই",
    "outstanding_no_income": "বকেয়া আছে, মাসিক আয় নেই",
    "outstanding_ratio": "বকেয়া মাসিক আয়ের {ratio} গুণ",
    "past_scores_none": "পূর্ববর্তী স্কোর: নেই",
    "past_scores_average": "পূর্ববর্তী স্কোর: {count}টি স্কোরের গড় {average}",
    "kyc_verified": "কেওয়াইসি যাচাই করা",
    "kyc_unverified": "কেওয়াইসি যাচাই হয়নি",
    "income": "মাসিক আয় ৳{income}",
}


def reason(factor: Any, lang: str) -> str:
    """The factor's reason in `lang`; the tool's English text when there is no template for it."""
    template = REASONS_BN.get(getattr(factor, "reason_key", "")) if lang == "bn" else None
    if template is None:
        return str(factor.reason)
    return to_bangla_digits(template.format(**factor.reason_args))


def factor_table(factors: list[Any], lang: str) -> str:
    head = f"| {t('factor', lang)} | {t('points', lang)} | {t('why', lang)} |\n|---|---|---|"
    col = 1 if lang == "bn" else 0
    names = [FACTORS.get(f.name, (f.name, f.name))[col] for f in factors]
    body = [
        f"| {n} | {num(f.points, lang)}/{num(f.max_points, lang)} | {reason(f, lang)} |"
        for n, f in zip(names, factors, strict=True)
    ]
    return "\n".join([head, *body])
