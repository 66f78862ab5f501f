"""Which platform tools a staff request needs: a keyword rules table (English and Bangla), no model.

`plan(text, ents)` reads the rules in order. A rule fires when its keywords are in the folded message and
every argument it requires can be filled from the parsed ids, the row limit or a customer name; only the
first rule of each topic fires, so alternatives (a loan's cases, else a customer's) sit next to each other.
When no keyword rule fires, the first id in the message picks a record look-up (`BY_ID`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bank_router.language.parsing import fold
from bank_router.turn.state import Entities

MAX_CALLS = 3  # tools one turn may run
MAX_PAGE = 100  # the tools' page_size ceiling


@dataclass(frozen=True)
class Rule:
    topic: str
    tool: str
    keywords: str  # regex on folded text; "" matches any message
    # argument -> source: an id kind from parse_ids ("customer_id", "transaction_ref"...), "$limit" or "$name";
    # a trailing "?" on the argument makes it optional.
    args: tuple[tuple[str, str], ...] = ()
    alone: bool = False  # a broad listing: only when no other rule fired


# Keyword groups, folded (lowercase, punctuation as spaces); Bangla matches word stems.
_COLLECTION = r"\bcollections?\b|\brecovery\b|\bdefault cases?\b|কালেকশন|আদায়"
_SCORE = (
    r"\bscor(e|es|ing) (history|record|log)|\bscores\b|\bscore of\b"
    r"|স্কোরের ইতিহাস|স্কোর ইতিহাস|স্কোর হিস্ট্রি|স্কোরগুলো|(আগের|পূর্ববর্তী|পুরনো).{0,20}স্কোর"
)
_BLACKLIST = r"\bblack ?list(ed)?\b|\bban(ned)?\b|কালো তালিকা|ব্ল্যাকলিস্ট"
_REPAY = r"\brepay(ment|ments|ed)?\b|\brepaid\b|\bpaid back\b|\bpayments? (history|made)\b|\bpaid so far\b|পরিশোধ"
_INSTALL = r"\binstal(l)?ments?\b|\bschedule\b|\bemis?\b|কিস্তি"
_BALANCE = r"\bbalance\b|\boutstanding\b|\bowe[sd]?\b|\bremaining\b|\bleft to pay\b|\bdue\b|বাকি|ব্যালেন্স|বকেয়া"
_FAILED = r"\bfail(ed|ure|ures)?\b|\bdeclined\b|\bunsuccessful\b|ব্যর্থ"
_SUSPICIOUS = r"\bsuspicious\b|\bfraud(ulent)?\b|\bflagged\b|\brisk(y| score)\b|সন্দেহজনক"
_RECON = r"\breconcil(e|ed|iation)\b|রিকনসিলিয়েশন|মিলকরণ"
_TXN = r"\btransactions?\b|\btxns?\b|\btrx\b|\btransfers?\b|\bstatement\b|লেনদেন"
_KYC = r"\bkyc\b|\bknow your customer\b|\bprofile\b|\bverification status\b|কেওয়াইসি|প্রোফাইল"
_SEARCH = r"\b(named|called|search|find|look ?up|with (the )?name)\b|নামের|নামে|খুঁজ"
_CUSTOMERS = r"\b(customers|clients|borrowers)\b|গ্রাহকদের|গ্রাহক তালিকা"
_APPLICATIONS = r"\bapplications\b|আবেদনগুলো|আবেদনসমূহ"
_PRODUCTS = r"\bproducts\b|প্রোডাক্টগুলো|পণ্যসমূহ"
_AGENTS = r"\bagents\b|এজেন্টদের|এজেন্ট তালিকা"
_STORES = r"\b(stores|branches|outlets|shops)\b|স্টোরগুলো|স্টোর তালিকা|শাখাগুলো"
_OPERATORS = r"\boperators\b|অপারেটরদের|অপারেটর তালিকা"
_LOANS = r"\bloans\b|ঋণগুলো|লোনগুলো|ঋণসমূহ"

_PAGE = ("page_size?", "$limit")

RULES: tuple[Rule, ...] = (
    Rule("collection", "list_collection_cases", _COLLECTION, (("loan_id", "loan_id"), _PAGE)),
    Rule("collection", "list_collection_cases", _COLLECTION, (("customer_id", "customer_id"), _PAGE)),
    Rule("collection", "list_collection_cases", _COLLECTION, (_PAGE,)),
    Rule("score", "get_loan_score_history", _SCORE, (("customer_id", "customer_id"), _PAGE)),
    Rule("blacklist", "get_blacklist_status", _BLACKLIST, (("customer_id", "customer_id"),)),
    Rule("repayments", "get_loan_repayments", _REPAY, (("loan_id", "loan_id"), _PAGE)),
    Rule("installments", "get_loan_installments", _INSTALL, (("loan_id", "loan_id"), _PAGE)),
    Rule("balance", "get_loan_balance", _BALANCE, (("loan_id", "loan_id"),)),
    Rule("balance", "list_loans", _BALANCE, (("customer_id", "customer_id"), _PAGE)),
    Rule("transactions", "get_failed_transactions", _FAILED, (_PAGE,)),
    Rule("transactions", "get_suspicious_transactions", _SUSPICIOUS, (_PAGE,)),
    Rule("reconciliation", "get_reconciliation_reports", _RECON, (_PAGE,)),
    Rule("transactions", "get_transaction_by_id", "", (("reference_id", "transaction_ref"),)),
    Rule("transactions", "get_transaction_by_id", "", (("transaction_id", "transaction_id"),)),
    Rule("transactions", "get_transactions", _TXN, (("customer_id?", "customer_id"), _PAGE)),
    Rule("customer", "get_customer_kyc", _KYC, (("identity_id", "customer_id"),)),
    Rule("customer", "list_customers", _SEARCH, (("search_string", "$name"), _PAGE)),
    Rule("customer", "list_customers", _CUSTOMERS, (_PAGE,), alone=True),
    Rule("applications", "list_loan_applications", _APPLICATIONS, (("customer_id?", "customer_id"), _PAGE)),
    Rule("products", "list_loan_products", _PRODUCTS, (_PAGE,)),
    Rule("agents", "list_agents", _AGENTS, (("store_id?", "store_id"), _PAGE)),
    Rule("operators", "list_operators", _OPERATORS, (("store_id?", "store_id"), _PAGE)),
    Rule("stores", "list_stores", _STORES, (_PAGE,)),
    Rule(
        "loans",
        "list_loans",
        _LOANS,
        (("customer_id?", "customer_id"), ("product_id?", "product_id"), _PAGE),
        alone=True,
    ),
)

# With no keyword rule firing, the first id named picks the record ("customer 123" -> its KYC profile).
BY_ID: tuple[tuple[str, str, str], ...] = (
    ("application_id", "get_loan_application", "application_id"),
    ("product_id", "get_loan_product", "product_id"),
    ("agent_id", "get_agent_info", "agent_id"),
    ("store_id", "get_store_info", "store_id"),
    ("operator_id", "get_operator_info", "operator_id"),
    ("loan_id", "get_loan", "loan_id"),
    ("customer_id", "get_customer_kyc", "identity_id"),
)

# "customers named Mary", "search for customer Mary Rahman", "মেরি নামের গ্রাহক".
_NAME_PATTERNS = (
    re.compile(
        r"\b(?:named|called|name is|with (?:the )?name)\s+['\"]?([^\W\d_][\w .'-]{0,60}?)['\"]?\s*(?:[?.!,;]|$)"
    ),
    re.compile(
        r"\b(?:search|find|look ?up)\s+(?:for\s+)?(?:a\s+|the\s+)?(?:customers?|clients?)\s+"
        r"(?!named\b|called\b|with\b|by\b)([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})"
    ),
    re.compile(r"([\u0980-\u09FF]+(?:\s+[\u0980-\u09FF]+)?)\s+নাম(?:ের|ে)"),
)


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict[str, Any]


def customer_name(text: str) -> str | None:
    for pattern in _NAME_PATTERNS:
        if m := pattern.search(text.strip()):
            return m[1].strip() or None
    return None


def _value(source: str, text: str, ents: Entities) -> Any:
    if source == "$limit":
        limit = ents.get("limit")
        return None if limit is None else max(1, min(MAX_PAGE, limit))
    if source == "$name":
        return customer_name(text)
    raw = (ents.get("ids") or {}).get(source)
    if raw is None:
        return None
    return raw if source == "transaction_ref" else int(raw)


def _fill(rule: Rule, text: str, ents: Entities) -> dict[str, Any] | None:
    args: dict[str, Any] = {}
    for name, source in rule.args:
        optional = name.endswith("?")
        value = _value(source, text, ents)
        if value is None:
            if optional:
                continue
            return None
        args[name.rstrip("?")] = value
    return args


def asks_records(text: str, ents: Entities) -> bool:
    """A keyword rule fires: the message asks for platform records, not only mentions an id."""
    folded = fold(text)
    return any(r.keywords and re.search(r.keywords, folded) for r in RULES)


def plan(text: str, ents: Entities) -> list[Call]:
    """The tool calls a staff request needs, in rule order; empty when it names nothing we can look up."""
    folded = fold(text)
    calls: list[Call] = []
    done: set[str] = set()
    for rule in RULES:
        if rule.topic in done or (rule.alone and calls) or (rule.keywords and not re.search(rule.keywords, folded)):
            continue
        args = _fill(rule, text, ents)
        if args is None:
            continue
        done.add(rule.topic)
        calls.append(Call(rule.tool, args))
    if not calls:
        ids = ents.get("ids") or {}
        for kind, tool, arg in BY_ID:
            if kind in ids:
                calls.append(Call(tool, {arg: int(ids[kind])}))
                break
    return calls[:MAX_CALLS]
