"""product_info_graph: what a product or term is, from front matter, or from retrieved prose."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from bank_router.knowledge.loader import Doc, name, pick
from bank_router.knowledge.schema import Product
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer, answer_confidence, candidates, steps, turn_products
from graphs.other_parts import other_parts, with_other_parts
from graphs.product_facts import describe
from graphs.product_info_llm import from_chunks
from nodes.entities import last_user_text


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
    aspects = state["entities"].get("aspects", [])
    named = ents.get("products") or []
    defines = bool(ents.get("terms") or ents.get("policies"))
    # A named product, a follow-up about the last one, or a bare type asked about in detail; "and the Hasanah
    # DPS?" names a term (DPS), but after the Prime DPS asks for the product its domain cue implies.
    if (
        named
        or ents.get("refers")
        or (not defines and (ents.get("follow_up") or ents.get("implied")))
        or (ents.get("implied") and (aspects or ents.get("follow_up")))
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
    aspects = state["entities"].get("aspects", [])
    conf = answer_confidence(state)
    docs: list[Doc[Any]] = [d for p in state["docs"] if (d := svc.catalog.doc(p)) is not None]
    kind = state["kind"]
    if kind == "products":
        tenure = state["entities"].get("tenure_months")
        text = "\n".join(describe(d, aspects, svc, lang, tenure=tenure) for d in docs)
        one = docs[0] if len(docs) == 1 else None
        parts = other_parts(last_user_text(state), state["entities"], svc, lang, one)
        return with_other_parts(answer("product_info_graph", text, docs, conf), *parts)
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
            text = describe(doc, aspects, svc, lang, tenure=state["entities"].get("tenure_months"))
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
