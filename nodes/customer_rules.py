"""What a signed-in customer asks of their own records: a look-up, or an action (block, unblock, transfer).

`read_request(text, ents)` reads the folded message (English, Bangla, Banglish) with keyword rules, no
model. A look-up names the customer tools to run; an action names the tool and what the message says
about it (which card, why, how much, to whom), which `graphs.servicing_customer` turns into a question,
a confirmation or a one-time-code step. Nothing here runs a tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from bank_router.language.parsing import fold, normalize_digits, parse_amounts
from bank_router.turn.state import Entities

Kind = Literal["lookup", "block_card", "unblock_card", "transfer_funds"]

_MINE = r"\b(my|mine|our|i|me|amar|amader)\b|আমার|আমাদের|আমি"
_MY = r"\b(my|mine|our|amar|amader)\b|আমার|আমাদের"  # owning words: "my account", not just "I"
_CARD = r"\bcards?\b|কার্ড"
_BLOCK = (
    r"\b(block|blok|freeze|lock|deactivate|disable|hotlist|stop|cancel)\b.{0,30}(\bcards?\b|কার্ড)"
    r"|(\bcards?\b|কার্ড).{0,60}(\b(block|blok|freeze|lock|bondho|bandho|deactivate)\b|ব্লক|বন্ধ)"
)
_UNBLOCK = r"\b(unblock|unfreeze|unlock|reactivate|re activate|turn back on)\b|আনব্লক|(ব্লক|বন্ধ).{0,10}খুল"
_TRANSFER = (
    r"\b(send|transfer|pay|move|remit|pathao|pathan|pathai|pathabo|pathate chai|patha)\b"
    r"|পাঠা|পাঠিয়ে (দাও|দিন|দেন|দিতে)|ট্রান্সফার|স্থানান্তর"
)
# A how-much or how-long question about sending is a question about fees, not an order to send.
_ABOUT_SENDING = r"\b(how (much|long|many)|fee|fees|charge|charges|cost|limit|cut ?off|koto)\b|কত|চার্জ|ফি\b"
_BALANCE = (
    r"\bbalance\b|\bhow much (money |cash )?(do i have|have i got|is (there )?in|is left|i have|ive got|left)\b"
    r"|\bwhat s left\b|\bwhats left\b|\benough money\b|\bmoney (is )?(left|in my)\b"
    r"|\bhow much (money )?can i (spend|use|withdraw|take out|send|transfer)\b|\bkoto ache\b"
    r"|ব্যালেন্স|কত টাকা আছে|টাকা কত আছে|\b(koto|kot) taka\b|\btaka koto\b|\bbalance koto\b"
)
_ACCOUNTS = r"\b(accounts|account (number|numbers|details|info|list))\b|অ্যাকাউন্টগুলো|হিসাবগুলো|অ্যাকাউন্ট নম্বর"
_TRANSACTIONS = (
    r"\b(transactions?|txns?|statement|history|spending|spend|spent|purchases|payments|deposits|withdrawals"
    r"|credited|debited|came in|come in|came into|come into|went out|came out|come out|gone out|taken out|arrived"
    r"|arrive|received|deducted|salary|salery|beton|khoroch|khorach|lenden|was i charged|charged me|any charges?)\b"
    r"|লেনদেন|বেতন|স্টেটমেন্ট|জমা হয়েছে|কেটেছে|খরচ"
)
_CARDS = (
    r"\b(my|amar) (\w+ ){0,2}cards\b|\bcards? (status|limits?|details|expiry|expire|expires)\b"
    r"|\b(my|amar) (\w+ ){0,2}card (is |still )?(active|blocked|working|valid|limits?|status)\b"
    r"|\blimits? (on|of) my (\w+ ){0,2}card\b|\bdo i have (a|an|any) (\w+ ){0,2}cards?\b"
    r"|\bwhich cards\b|\bwhen does my card expire\b|আমার কার্ডগুলো|কার্ডের (অবস্থা|লিমিট|মেয়াদ)"
)
_BENEFICIARIES = r"\b(beneficiar(y|ies)|payees?|saved (accounts|recipients|people))\b|বেনিফিশিয়ারি|প্রাপক"
_SALARY = r"\b(salary|salery|beton|wage|wages|pay ?check)\b|বেতন"
_CREDIT = r"\b(deposits?|credited|came in|come in|arrived|received|incoming)\b|জমা"
_DEBIT = r"\b(withdrawals?|withdrew|atm|cash out)\b|উত্তোলন"
_DEBIT_CARD = r"\bdebit\b|ডেবিট"
_CREDIT_CARD = r"\bcredit card\b|ক্রেডিট"
_REASONS: tuple[tuple[str, str], ...] = (
    ("stolen", r"\b(stolen|stole|theft|snatched|robbed|churi)\b|চুরি|ছিনতাই"),
    ("lost", r"\b(lost|lose|missing|misplaced|cant find|cannot find|harai|hariye)\b|হারি"),
    ("suspected_fraud", r"\b(fraud|scam|someone (else )?used|not me|didnt make|unauthori[sz]ed)\b|প্রতারণা"),
    ("damaged", r"\b(damaged|broken|bent|not working|scratched)\b|নষ্ট|ভেঙে"),
)
# "to my brother", "to my own savings account", "ammur account e", "ভাইয়ের অ্যাকাউন্টে".
_TO_WHOM = re.compile(r"\bto ((?:[a-z]+ ?){1,4})")
_BN_RELATIONS = {
    "ভাই": "brother",
    "বোন": "sister",
    "মা": "mother",
    "আম্মু": "mother",
    "বাবা": "father",
    "আব্বু": "father",
    "স্ত্রী": "wife",
    "বউ": "wife",
    "স্বামী": "husband",
    "ছেলে": "son",
    "মেয়ে": "daughter",
    "bhai": "brother",
    "bon": "sister",
    "ammu": "mother",
    "abbu": "father",
    "baba": "father",
    "bou": "wife",
}
_LAST_FOUR = re.compile(r"(?:ending|ends|last (?:four|4)|\*+|x+|•+)\D{0,12}(\d{4})\b|\b(\d{4})\b")
MAX_ROWS = 10


@dataclass(frozen=True)
class Lookup:
    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """What the customer asked: look-ups to run, or one action with what the message says about it."""

    kind: Kind
    lookups: tuple[Lookup, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


def _has(pattern: str, folded: str) -> bool:
    return bool(re.search(pattern, folded))


def card_details(folded: str, raw: str) -> dict[str, Any]:
    """Which card (debit or credit, last four digits) and why, as far as the message says."""
    details: dict[str, Any] = {}
    if _has(_CREDIT_CARD, folded):
        details["kind"] = "credit"
    elif _has(_DEBIT_CARD, folded):
        details["kind"] = "debit"
    digits = _LAST_FOUR.search(normalize_digits(raw))
    if digits:
        details["last_four"] = digits[1] or digits[2]
    for reason, pattern in _REASONS:
        if _has(pattern, folded):
            details["reason"] = reason
            break
    return details


def payee_words(folded: str, raw: str) -> str | None:
    """Who the money goes to, in the customer's words: what follows "to" ("my brothers account"), and a
    relation named in Bangla or Banglish ("ভাইয়ের" -> brother)."""
    words: list[str] = []
    for word, relation in _BN_RELATIONS.items():
        if re.search(rf"(?<!\w){word}(?:য়ের|ের|কে|র)?(?!\w)", raw.lower()):
            words.append(relation)
    m = _TO_WHOM.search(folded)
    if m:
        words.append(m[1])
    return " ".join(words) or None


def _transactions(folded: str, ents: Entities, today: date) -> Lookup:
    args: dict[str, Any] = {"page_size": max(1, min(MAX_ROWS, int(ents.get("limit") or 5)))}
    if _has(_SALARY, folded):
        args["search"] = "salary"
        args["type"] = "deposit"
    elif _has(_CREDIT, folded):
        args["type"] = "deposit"
    elif _has(_DEBIT, folded):
        args["type"] = "withdrawal"
    if _has(r"\byesterday\b|গতকাল", folded):
        args["date_from"] = args["date_to"] = (today - timedelta(days=1)).isoformat()
    elif _has(r"\b(this|last|past) week\b|এই সপ্তাহ|গত সপ্তাহ", folded):
        args["date_from"] = (today - timedelta(days=7)).isoformat()
    elif _has(r"\bthis month\b|এই মাস", folded):
        args["date_from"] = today.replace(day=1).isoformat()
    elif _has(r"\blast month\b|গত মাস", folded):
        args["date_from"] = (today.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()
        args["date_to"] = (today.replace(day=1) - timedelta(days=1)).isoformat()
    return Lookup("list_my_transactions", args)


def read_request(text: str, ents: Entities, today: date | None = None) -> Request | None:
    """The customer's request, or None when the message asks nothing of their own records."""
    folded = fold(text)
    today = today or date.today()
    product_talk = bool(ents.get("products") or ents.get("implied") or ents.get("types"))
    if _has(_UNBLOCK, folded) and _has(_CARD, folded):
        return Request("unblock_card", details=card_details(folded, text))
    if _has(_BLOCK, folded):
        return Request("block_card", details=card_details(folded, text))
    amounts = [ents["amount"]] if ents.get("amount") else parse_amounts(text, cued=True) or parse_amounts(text)
    if _has(_TRANSFER, folded) and amounts and not _has(_ABOUT_SENDING, folded):
        return Request("transfer_funds", details={"amount": float(amounts[0]), "payee": payee_words(folded, text)})
    mine = _has(_MINE, folded)
    if product_talk and not _has(_MY, folded):
        return None  # "what is the minimum balance of Prime Savings?" is about the product
    lookups: list[Lookup] = []
    if _has(_BALANCE, folded):
        lookups.append(Lookup("account_lookup"))
        lookups.append(Lookup("check_balance"))
    elif _has(_ACCOUNTS, folded) and mine:
        lookups.append(Lookup("account_lookup"))
    if _has(_TRANSACTIONS, folded) and (mine or ents.get("limit")):
        lookups.append(_transactions(folded, ents, today))
    if _has(_CARDS, folded):
        lookups.append(Lookup("list_my_cards"))
    if _has(_BENEFICIARIES, folded) and mine:
        lookups.append(Lookup("list_beneficiaries"))
    return Request("lookup", lookups=tuple(lookups)) if lookups else None


_YES = re.compile(
    r"^\s*(yes|yeah|yep|yup|y|ok|okay|sure|confirm|confirmed|go ahead|do it|please do|proceed|ha|haa|hya|ji|jee"
    r"|হ্যাঁ|হ্যা|জি|ঠিক আছে|করুন|নিশ্চিত)\b"
)
_NO = re.compile(r"^\s*(no|nope|n|dont|do not|not now|na|nah|না|দরকার নেই)\b")
_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def says_yes(text: str) -> bool:
    return bool(_YES.search(fold(text)))


def says_no(text: str) -> bool:
    return bool(_NO.search(fold(text)))


def one_time_code(text: str) -> str | None:
    """A six-digit code in the reply (Bangla digits read as Latin)."""
    m = _CODE.search(normalize_digits(text))
    return m[1] if m else None
