"""What a product's front matter says, as sentences: its rules checked against the applicant, and the facts a
question asks for (rates, terms, payout, rules, fees, limits, documents). Eligibility and product info share it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bank_router.knowledge.loader import Doc, name, pick
from bank_router.knowledge.schema import Amount, Product
from bank_router.language.parsing import to_bangla_digits
from bank_router.services import Services
from bank_router.turn.state import Entities

Status = Literal["met", "unmet", "unknown", "condition"]


@dataclass(frozen=True)
class RuleCheck:
    key: str
    status: Status
    text: str
    asks: str | None = None  # the applicant fact we need when status is unknown


def evaluate(p: Product, ents: Entities, svc: Services, lang: str) -> list[RuleCheck]:
    """One check per rule in the product's front matter; the verdict is code, never a model."""
    tpl, e = svc.templates, p.eligibility
    age, amount, income = ents.get("age"), ents.get("amount"), ents.get("income")
    checks: list[RuleCheck] = []

    def add(key: str, value: str, status: Status, asks: str | None = None) -> None:
        checks.append(RuleCheck(key, status, tpl.t(f"rule_{key}", lang, value=value), asks))

    if e.min_age is not None:
        add(
            "min_age",
            tpl.num(e.min_age, lang),
            "unknown" if age is None else "met" if age >= e.min_age else "unmet",
            "age",
        )
    if e.max_age is not None:
        add(
            "max_age",
            tpl.num(e.max_age, lang),
            "unknown" if age is None else "met" if age <= e.max_age else "unmet",
            "age",
        )
    for key in ("min_balance", "min_opening_deposit"):
        value = getattr(e, key)
        if value is not None:
            # A deposit is something the applicant brings; without a figure it is a condition.
            status: Status = "condition" if amount is None else "met" if amount >= value else "unmet"
            add(key, tpl.money(value, lang), status)
    if e.min_monthly_income is not None:
        add(
            "min_monthly_income",
            tpl.money(e.min_monthly_income, lang),
            "unknown" if income is None else "met" if income >= e.min_monthly_income else "unmet",
            "income",
        )
    if e.residency != "any":
        given = ents.get("residency")
        status = "condition" if given is None else "met" if given == e.residency else "unmet"
        checks.append(RuleCheck("residency", status, tpl.t(f"rule_residency_{e.residency}", lang)))
    if e.gender == "female":
        status = "met" if ents.get("gender") == "female" else "condition"
        checks.append(RuleCheck("gender", status, tpl.t("rule_gender_female", lang)))
    for other in e.other_bn if lang == "bn" and e.other_bn else e.other:
        checks.append(RuleCheck("other", "condition", other.rstrip(".।")))
    return checks


def _items(values: list[str]) -> str:
    return "; ".join(v.rstrip(".।") for v in values)


def rate_lines(p: Product, svc: Services, lang: str, headline: bool = True) -> list[str]:
    """The product's rates; without the headline rate when the answer opens with the asked term's own."""
    tpl, r = svc.templates, p.rates
    out = []
    if r.interest_rate is not None and headline:
        out.append(tpl.t("info_rate_interest", lang, value=tpl.pct(r.interest_rate, lang)))
    if r.profit_rate is not None and headline:
        out.append(tpl.t("info_rate_profit", lang, value=tpl.pct(r.profit_rate, lang)))
    if r.profit_sharing_ratio:
        out.append(
            tpl.t(
                "info_psr",
                lang,
                value=to_bangla_digits(r.profit_sharing_ratio) if lang == "bn" else r.profit_sharing_ratio,
            )
        )
    return out


# Which eligibility rules answer an aspect asked on its own ("what income do I need?").
RULES_OF_ASPECT = {
    "age": {"min_age", "max_age"},
    "income": {"min_monthly_income"},
    "balance": {"min_balance", "min_opening_deposit"},
}
# A feature that says how or when the return is paid ("Profit credited half-yearly", "Interest paid at maturity").
_PAID = re.compile(r"\b(paid|pays|credited|payout|distributed)\b", re.I)
_EARLY = re.compile(r"\b(early|premature|closing|encash)", re.I)  # what an early exit pays, not the payout
_PAYOUT = re.compile(r"\b(paid|pays|credited|payout|maturity|monthly|quarterly|half-yearly|yearly|annually)\b", re.I)
# A limit that is a figure of the return ("Monthly interest per ৳100,000 deposited"): it answers the rate.
_RETURN = re.compile(r"\b(interest|profit|income|return)\b", re.I)
_RATE_IN_NOTE = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def _is_tenure(a: Amount) -> bool:
    return a.unit in ("months", "years")


def _offered(a: Amount) -> bool:
    """One of the terms offered ("12 months"), not a bound ("Minimum tenure")."""
    return any(ch.isdigit() for ch in a.label)


def _term_rate(a: Amount) -> float | None:
    """The rate a term's note gives (rates live in the note per term)."""
    rate = _RATE_IN_NOTE.search(a.note or "")
    return float(rate[1]) if rate else None


def tenure_item(a: Amount, svc: Services, lang: str) -> str:
    """ "12 months at 8% a year": the term, and its own rate."""
    term = svc.templates.amount(a.amount, a.unit, lang)
    if not _offered(a):
        return f"{a.label_bn if lang == 'bn' else a.label[:1].lower() + a.label[1:]} {term}"
    rate = _term_rate(a)
    if rate is not None:
        return svc.templates.t("info_tenure_rate", lang, term=term, rate=svc.templates.pct(rate, lang))
    return term


def _amount_item(a: Amount, svc: Services, lang: str) -> str:
    label = a.label_bn if lang == "bn" else a.label[:1].lower() + a.label[1:]
    note = f" ({a.note[:1].lower() + a.note[1:]})" if a.note and lang == "en" else ""
    # A fee of ৳0 is said as a banker says it: free.
    value = (
        svc.templates.t("free", lang)
        if a.unit == "BDT" and a.amount == 0
        else svc.templates.amount(a.amount, a.unit, lang)
    )
    return f"{label} {value}{note}"


def _rules(p: Product, aspects: list[str], general: bool, svc: Services, lang: str) -> list[str]:
    rules = [c for c in evaluate(p, {}, svc, lang) if c.key != "other"]
    if general or "eligibility" in aspects:
        return [c.text for c in rules]
    keys = set().union(*(RULES_OF_ASPECT[a] for a in aspects if a in RULES_OF_ASPECT))
    return [c.text for c in rules if c.key in keys]


def _payout(doc: Doc[Product], lang: str) -> list[str]:
    """How the return is paid: a feature that says so ("Profit credited half-yearly"), else (in English) the
    body's sentence that does ("Interest is paid at maturity after source tax..."), else a feature about
    maturity or monthly payments."""
    p, shown = doc.meta, pick(doc.meta, "features", lang)

    def says_how(text: str) -> bool:
        return bool(_PAID.search(text) and _RETURN.search(text) and not _EARLY.search(text))

    if hits := [shown[i] for i, f in enumerate(p.features) if says_how(f) and i < len(shown)]:
        return hits
    if lang == "en":
        prose = " ".join(line for line in doc.body.splitlines() if line and not line.startswith(("#", "|")))
        if said := [x for x in re.split(r"(?<=[.!?])\s+", prose) if says_how(x)]:
            return said[:1]
    return [shown[i] for i, f in enumerate(p.features) if _PAYOUT.search(f) and i < len(shown)]


def _months(a: Amount) -> float:
    return a.amount * 12 if a.unit == "years" else a.amount


def asked_term(p: Product, tenure: int | None, svc: Services, lang: str, nm: str) -> str | None:
    """ "For 24 months, Prime Fixed Deposit pays 8.25% a year.": the rate of the term asked, when the product
    offers that term with a rate of its own."""
    if not tenure:
        return None
    for a in p.limits:
        rate = _term_rate(a)
        if _is_tenure(a) and _offered(a) and rate is not None and _months(a) == tenure:
            term = svc.templates.amount(a.amount, a.unit, lang)
            return svc.templates.t("info_asked_tenure", lang, term=term, name=nm, rate=svc.templates.pct(rate, lang))
    return None


def describe(
    doc: Doc[Product], aspects: list[str], svc: Services, lang: str, named: bool = True, tenure: int | None = None
) -> str:
    """The facts a question asks for, each asked aspect answered; a short overview when it asks for nothing
    specific. A term asked for ("for two years") is answered first, the other terms after."""
    tpl, p = svc.templates, doc.meta
    nm = name(doc, lang)
    parts: list[str] = []
    if first := asked_term(p, tenure, svc, lang, nm):
        parts.append(first)
    general = not aspects
    asked = set(aspects)
    if general:
        parts.append(tpl.t("info_summary", lang, name=nm, summary=pick(p, "summary", lang)))
    lines = rate_lines(p, svc, lang, headline=not first)  # the rate is the short useful line of every answer
    parts += lines or ([tpl.t("info_no_rate", lang, name=nm)] if "rates" in asked and not first else [])
    tenures = [a for a in p.limits if _is_tenure(a)]
    returns = [a for a in p.limits if not _is_tenure(a) and _RETURN.search(a.label)]
    limits = [a for a in p.limits if not _is_tenure(a) and a not in returns]
    if tenures and (general or asked & {"rates", "tenure", "limits"}):
        parts.append(tpl.t("info_tenures", lang, items=_items([tenure_item(a, svc, lang) for a in tenures])))
    if returns and (general or asked & {"rates", "payout", "limits"}):
        parts.append(tpl.t("info_returns", lang, items=_items([_amount_item(a, svc, lang) for a in returns])))
    if "payout" in asked and (payout := _payout(doc, lang)):
        parts.append(tpl.t("info_payout", lang, items=_items(payout)))
    rules = _rules(p, aspects, general, svc, lang)
    if rules:
        parts.append(tpl.t("info_eligibility", lang, items=_items(rules)))
    elif asked & set(RULES_OF_ASPECT) and (every := _rules(p, ["eligibility"], False, svc, lang)):
        # Asked about a rule the product does not set: say which rules it does set.
        parts.append(tpl.t("info_eligibility", lang, items=_items(every)))
    if "fees" in asked or (general and p.fees):
        fees = [_amount_item(f, svc, lang) for f in p.fees]
        parts.append(tpl.t("info_fees", lang, items=_items(fees)) if fees else tpl.t("info_no_fees", lang, name=nm))
    # "How much must I put in?" of a scheme without a balance rule: its instalment limits say it.
    no_balance_rule = "balance" in asked and not _rules(p, ["balance"], False, svc, lang)
    if limits and ("limits" in asked or general or no_balance_rule):
        parts.append(tpl.t("info_limits", lang, items=_items([_amount_item(a, svc, lang) for a in limits])))
    if "documents" in asked and p.documents:
        parts.append(tpl.t("info_documents", lang, items=_items(pick(p, "documents", lang))))
    if "features" in asked and p.features:
        parts.append(tpl.t("info_features", lang, items=_items(pick(p, "features", lang))))
    if not parts:
        parts.append(tpl.t("info_summary", lang, name=nm, summary=pick(p, "summary", lang)))
    if named and not general and not first and not parts[0].startswith(nm):
        parts.insert(0, f"{nm}:")
    return " ".join(parts)


ELIGIBILITY_ASPECTS = frozenset({*RULES_OF_ASPECT, "eligibility"})


def other_facts(
    doc: Doc[Product], aspects: list[str], svc: Services, lang: str, covered: frozenset[str] = ELIGIBILITY_ASPECTS
) -> str:
    """The asked aspects an agent's own answer does not cover ("can I get it, and what is the annual fee?"),
    from the product's facts; "" when it covers them all."""
    rest = [a for a in aspects if a not in covered]
    return describe(doc, rest, svc, lang, named=False) if rest else ""
