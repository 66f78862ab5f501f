"""product_info_graph: what a product or term is, from front matter, or from retrieved prose."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from bank_router.classifier import classifier_views
from bank_router.knowledge.loader import Doc, name, pick
from bank_router.knowledge.schema import Product
from bank_router.parsing import fold, to_bangla_digits
from bank_router.services import Services
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer, answer_confidence, candidates, turn_products
from graphs.eligibility import evaluate
from graphs.product_info_llm import from_chunks
from nodes.entities import last_user_text

MIN_RETRIEVAL_SCORE = 0.3


def _items(values: list[str]) -> str:
    return "; ".join(v.rstrip(".।") for v in values)


def rate_lines(p: Product, svc: Services, lang: str) -> list[str]:
    tpl, r = svc.templates, p.rates
    out = []
    if r.interest_rate is not None:
        out.append(tpl.t("info_rate_interest", lang, value=tpl.pct(r.interest_rate, lang)))
    if r.profit_rate is not None:
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


def describe(doc: Doc[Product], aspects: list[str], svc: Services, lang: str) -> str:
    """The facts a question asks for; a short overview when it asks for nothing specific."""
    tpl, p = svc.templates, doc.meta
    nm = name(doc, lang)
    parts: list[str] = []
    general = not aspects
    if general:
        parts.append(tpl.t("info_summary", lang, name=nm, summary=pick(p, "summary", lang)))
    lines = rate_lines(p, svc, lang)
    parts += lines or ([tpl.t("info_no_rate", lang, name=nm)] if "rates" in aspects else [])
    if "eligibility" in aspects or general:
        rules = [c.text for c in evaluate(p, {}, svc, lang) if c.key != "other"]
        if rules:
            parts.append(tpl.t("info_eligibility", lang, items=_items(rules)))
    if "fees" in aspects or (general and p.fees):
        fees = [f"{(f.label_bn if lang == 'bn' else f.label)} {tpl.amount(f.amount, f.unit, lang)}" for f in p.fees]
        parts.append(tpl.t("info_fees", lang, items=_items(fees)) if fees else tpl.t("info_no_fees", lang, name=nm))
    if ("limits" in aspects or general or "rates" in aspects) and p.limits:
        limits = [
            f"{(a.label_bn if lang == 'bn' else a.label)} {tpl.amount(a.amount, a.unit, lang)}"
            + (f" ({a.note})" if a.note and lang == "en" else "")
            for a in p.limits
        ]
        parts.append(tpl.t("info_limits", lang, items=_items(limits)))
    if "documents" in aspects and p.documents:
        parts.append(tpl.t("info_documents", lang, items=_items(pick(p, "documents", lang))))
    if "features" in aspects and p.features:
        parts.append(tpl.t("info_features", lang, items=_items(pick(p, "features", lang))))
    if not parts:
        parts.append(tpl.t("info_summary", lang, name=nm, summary=pick(p, "summary", lang)))
    if not general and not parts[0].startswith(nm):
        parts.insert(0, f"{nm}:")
    return " ".join(parts)


def _definition(doc: Doc[Any], lang: str) -> str:
    m = doc.meta
    text = pick(m, "definition", lang) if hasattr(m, "definition") else pick(m, "summary", lang)
    return f"{name(doc, lang)}: {text}"


def _retrieve(state: RouterState, svc: Services, lang: str) -> dict[str, Any] | None:
    _, semantic = classifier_views(last_user_text(state), svc.catalog)
    hits = svc.index.search(svc.embedder.encode([semantic])[0], k=3)
    if not hits or hits[0].score < MIN_RETRIEVAL_SCORE:
        return None
    doc = svc.catalog.doc(hits[0].path)
    if doc is None:
        return None
    if isinstance(doc.meta, Product):
        aspects = svc.catalog.aspect_matcher.values(fold(last_user_text(state)))
        text = describe(doc, aspects, svc, lang)
    elif hasattr(doc.meta, "definition") or hasattr(doc.meta, "summary"):
        text = _definition(doc, lang)
    else:
        text = hits[0].text.split("\n", 1)[-1].strip()
    conf = answer_confidence(state) * min(1.0, 0.5 + hits[0].score)
    return answer("product_info_graph", text, [doc], conf)


def product_info_graph(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    ents = state["entities"]
    aspects = svc.catalog.aspect_matcher.values(fold(last_user_text(state)))
    conf = answer_confidence(state)
    named = ents.get("products") or []
    defines = bool(ents.get("terms") or ents.get("policies"))
    # A named product, a follow-up about the last one, or a bare type asked about in detail.
    if (
        named
        or ents.get("refers")
        or (not defines and (ents.get("follow_up") or ents.get("implied")))
        or (ents.get("implied") and aspects)
    ):
        docs = turn_products(state, svc)[: max(1, min(len(named), 3))]
        if docs:
            text = "\n".join(describe(d, aspects, svc, lang) for d in docs)
            return answer("product_info_graph", text, docs, conf)
    glossary = [svc.catalog.glossary[t] for t in ents.get("terms", [])][:2]
    policies = [svc.catalog.policies[p] for p in ents.get("policies", [])][:1]
    if glossary or policies:
        defs: list[Doc[Any]] = [*glossary, *policies]
        text = "\n".join(_definition(d, lang) for d in defs)
        return answer("product_info_graph", text, defs, conf)
    if ents.get("types") or ents.get("verticals"):
        pool = candidates(svc, ents)[:8]
        if pool:
            vertical = pool[0].meta.vertical
            what = svc.templates.t(f"what_{vertical}", lang)
            items = "; ".join(f"{name(d, lang)} ({pick(d.meta, 'summary', lang).rstrip('.।')})" for d in pool)
            text = svc.templates.t("info_products_list", lang, what=what, items=items)
            return answer("product_info_graph", text, pool, conf)
    found = _retrieve(state, svc, lang) or answer("clarification_agent", svc.templates.t("info_nothing", lang), [], 0.4)
    # The templates cannot answer this one: the model may, from the retrieved chunks, with citations.
    return from_chunks(state, runtime, found) or found
