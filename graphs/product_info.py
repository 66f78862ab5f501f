"""product_info_graph: what a product or term is, from front matter, or from retrieved prose."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from bank_router.knowledge.loader import Doc, name, pick
from bank_router.knowledge.schema import Product
from bank_router.language.parsing import fold, to_bangla_digits
from bank_router.services import Services
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer, answer_confidence, candidates, steps, turn_products
from graphs.eligibility import evaluate
from graphs.product_info_llm import from_chunks
from nodes.entities import last_user_text


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


class InfoState(RouterState):
    kind: str  # what answers it: products, definitions, a list of a kind, or retrieval
    docs: list[str]  # the knowledge files it answers from (retrieval fills them in)
    score: float  # the best chunk's score, when retrieval found the document
    excerpt: str  # and that chunk's text


def resolve(state: InfoState, runtime: Runtime[Context]) -> dict[str, Any]:
    """The documents a question names: products, terms or policies, or a kind of product."""
    svc, ents = runtime.context.services, state["entities"]
    aspects = svc.catalog.aspect_matcher.values(fold(last_user_text(state)))
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
            return {"kind": "products", "docs": [d.path for d in docs]}
    glossary = [svc.catalog.glossary[t] for t in ents.get("terms", [])][:2]
    policies = [svc.catalog.policies[p] for p in ents.get("policies", [])][:1]
    if glossary or policies:
        return {"kind": "definitions", "docs": [d.path for d in glossary] + [d.path for d in policies]}
    if ents.get("types") or ents.get("verticals"):
        pool = candidates(svc, ents)[:8]
        if pool:
            return {"kind": "list", "docs": [d.path for d in pool]}
    return {"kind": "retrieval", "docs": []}


def retrieve(state: InfoState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Nothing named: the document whose prose is nearest the question."""
    if state["kind"] != "retrieval":
        return {}
    svc = runtime.context.services
    # Seed 001's include_rag: false answers from the catalogue's facts alone, without the knowledge search.
    hits = svc.retriever.search(last_user_text(state), "describe") if runtime.context.options.include_rag else []
    if not hits or svc.catalog.doc(hits[0].path) is None:
        return {"docs": [], "score": 0.0, "excerpt": ""}
    return {"docs": [hits[0].path], "score": hits[0].score, "excerpt": hits[0].text.split("\n", 1)[-1].strip()}


def compose(state: InfoState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    aspects = svc.catalog.aspect_matcher.values(fold(last_user_text(state)))
    conf = answer_confidence(state)
    docs: list[Doc[Any]] = [d for p in state["docs"] if (d := svc.catalog.doc(p)) is not None]
    kind = state["kind"]
    if kind == "products":
        text = "\n".join(describe(d, aspects, svc, lang) for d in docs)
        return answer("product_info_graph", text, docs, conf)
    if kind == "definitions":
        return answer("product_info_graph", "\n".join(_definition(d, lang) for d in docs), docs, conf)
    if kind == "list":
        what = svc.templates.t(f"what_{docs[0].meta.vertical}", lang)
        items = "; ".join(f"{name(d, lang)} ({pick(d.meta, 'summary', lang).rstrip('.।')})" for d in docs)
        return answer(
            "product_info_graph", svc.templates.t("info_products_list", lang, what=what, items=items), docs, conf
        )
    if docs:
        doc = docs[0]
        if isinstance(doc.meta, Product):
            text = describe(doc, aspects, svc, lang)
        elif hasattr(doc.meta, "definition") or hasattr(doc.meta, "summary"):
            text = _definition(doc, lang)
        else:
            text = state["excerpt"]
        found = answer("product_info_graph", text, [doc], conf * min(1.0, 0.5 + state["score"]))
    else:
        found = answer("clarification_agent", svc.templates.t("info_nothing", lang), [], 0.4)
    # The templates cannot answer this one: the model may, from the retrieved chunks, with citations.
    return from_chunks(state, runtime, found) or found


product_info_graph = steps(
    "product_info_graph", InfoState, ("resolve", resolve), ("retrieve", retrieve), ("compose", compose)
)
