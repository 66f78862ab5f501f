"""eligibility_graph: evaluate a product's rules (from front matter) against the applicant's facts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from langgraph.runtime import Runtime

from bank_router.knowledge.loader import Doc, name
from bank_router.knowledge.schema import Product
from bank_router.services import Services
from bank_router.turn.context import Context
from bank_router.turn.state import Entities, RouterState
from graphs.common import answer, answer_confidence, candidates, steps, turn_entities, turn_products
from graphs.other_parts import other_parts, with_other_parts
from graphs.product_facts import RuleCheck, evaluate, other_facts
from nodes.entities import last_user_text


def _who(ents: Entities, svc: Services, lang: str, vertical: str | None = None, named: bool = False) -> str:
    """Who is asking: "a 16-year-old with ৳5,000" (what they have); for a loan the amount is what they borrow,
    said of the loan when one is named ("a Prime Personal Loan of ৳500,000"), else of the applicant."""
    tpl = svc.templates
    if "age" in ents and "amount" in ents and vertical == "loan":
        if named:
            return tpl.t("who_age", lang, age=tpl.num(ents["age"], lang))
        return tpl.t("who_age_loan", lang, age=tpl.num(ents["age"], lang), amount=tpl.money(ents["amount"], lang))
    if "age" in ents and "amount" in ents:
        return tpl.t("who_age_amount", lang, age=tpl.num(ents["age"], lang), amount=tpl.money(ents["amount"], lang))
    if "age" in ents:
        return tpl.t("who_age", lang, age=tpl.num(ents["age"], lang))
    return tpl.t("who_you", lang)


def _cap(text: str, lang: str) -> str:
    return text[:1].upper() + text[1:] if lang == "en" else text


def _join(svc: Services, lang: str, items: list[str]) -> str:
    if lang == "en":
        # "A parent or guardian..." continues a sentence; "NID required" keeps its capitals.
        items = [i[:1].lower() + i[1:] if i[1:2].islower() or i[1:2] == " " else i for i in items]
    return svc.templates.t("list_sep", lang).join(items)


def verdict_text(
    doc: Doc[Product], checks: list[RuleCheck], ents: Entities, svc: Services, lang: str
) -> tuple[str, str | None]:
    """The answer for one product: verdict, each rule and whether it is met, and what to ask next."""
    tpl, p = svc.templates, doc.meta
    verb = tpl.table["verb"][p.vertical]
    product = name(doc, lang)
    if p.vertical == "loan" and "amount" in ents:
        product = tpl.t("product_loan_amount", lang, product=product, amount=tpl.money(ents["amount"], lang))
    kw = {"who": _who(ents, svc, lang, p.vertical, named=True), "product": product, "verb": verb.get(lang, verb["en"])}
    rules = [c for c in checks if c.status != "condition"]
    conditions = [c.text for c in checks if c.status == "condition"]
    unmet = [c for c in rules if c.status == "unmet"]
    unknown = [c for c in rules if c.status == "unknown"]
    if unknown:
        text = _join(svc, lang, [c.text for c in checks])
        ask = unknown[0].asks
        parts = [
            tpl.t("elig_depends", lang, product=kw["product"]),
            tpl.t("sentence", lang, text=_cap(text, lang)),
            tpl.t("elig_ask_age" if ask == "age" else "elig_ask_income", lang),
        ]
        return " ".join(parts), ask
    stated = _join(svc, lang, [f"{c.text} {tpl.t('status_' + c.status, lang)}" for c in rules])
    parts = [tpl.t("elig_no" if unmet else "elig_yes", lang, **kw)]
    if stated:
        parts.append(tpl.t("sentence", lang, text=_cap(stated, lang)))
    if conditions:
        parts.append(tpl.t("elig_also", lang, items=_join(svc, lang, conditions)))
    elif rules and not unmet:
        parts.append(tpl.t("elig_all_met", lang))
    return " ".join(parts), None


def _across_candidates(state: RouterState, svc: Services, ents: Entities, lang: str) -> dict[str, Any]:
    """No product named: say which products of the asked-for kind the applicant fits."""
    tpl = svc.templates
    pool = candidates(svc, ents)
    cued: list[str | None] = [*ents.get("verticals", [])] or [pool[0].meta.vertical if pool else None]
    vertical = cued[0]
    what = tpl.t(f"what_{vertical}" if vertical else "what_products", lang)
    who = _who(ents, svc, lang, vertical)
    fits = [d for d in pool if not any(c.status == "unmet" for c in evaluate(d.meta, ents, svc, lang))][:5]
    if not fits:
        msg = tpl.t("elig_no_candidates", lang, what=what, who=who)
        return answer("eligibility_graph", msg, pool[:5], answer_confidence(state))
    lines = [tpl.t("elig_candidates", lang, what=what, who=who)]
    for d in fits:
        rules = tpl.t("list_sep", lang).join(c.text for c in evaluate(d.meta, ents, svc, lang) if c.key != "other")
        lines.append(f"- {name(d, lang)}" + (f" ({rules})" if rules else ""))
    return answer("eligibility_graph", "\n".join(lines), fits, answer_confidence(state))


class EligibilityState(RouterState):
    product: str | None  # the product the applicant asks about
    checks: list[dict[str, Any]]  # one RuleCheck per rule of its front matter


def resolve_product(state: EligibilityState, runtime: Runtime[Context]) -> dict[str, Any]:
    docs = turn_products(state, runtime.context.services)
    return {"product": docs[0].meta.id if docs else None}


def evaluate_rules(state: EligibilityState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, pid = runtime.context.services, state["product"]
    if pid is None:
        return {"checks": []}
    checks = evaluate(svc.catalog.products[pid].meta, turn_entities(state), svc, state["language"])
    return {"checks": [asdict(c) for c in checks]}


def compose(state: EligibilityState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    ents = turn_entities(state)
    text = last_user_text(state)
    aspects = ents.get("aspects", [])  # read once, with the turn's entities
    if state["product"] is None:
        if ents.get("types") or ents.get("verticals") or ents.get("domains"):
            # "...and how do I open one from abroad, and send money home?": those parts from their own files.
            return with_other_parts(_across_candidates(state, svc, ents, lang), *other_parts(text, ents, svc, lang))
        msg = svc.templates.t("clar_generic", lang)
        return answer("clarification_agent", msg, [], 0.4)
    doc = svc.catalog.products[state["product"]]
    checks = [RuleCheck(**c) for c in state["checks"]]
    message, asks = verdict_text(doc, checks, ents, svc, lang)
    # Every part of the question gets its answer: "can I get it, and what is the fee?"
    if extra := other_facts(doc, aspects, svc, lang):
        message = f"{message} {extra}"
    out = answer("eligibility_graph", message, [doc], answer_confidence(state))
    if asks:
        out["answer"]["confidence"] = min(out["answer"]["confidence"], 0.8)
    out["answer"]["pending"] = asks
    return with_other_parts(out, *other_parts(text, ents, svc, lang, doc))


eligibility_graph = steps(
    "eligibility_graph",
    EligibilityState,
    ("resolve_product", resolve_product),
    ("evaluate_rules", evaluate_rules),
    ("compose", compose),
)
