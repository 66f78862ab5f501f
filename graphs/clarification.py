"""clarification_agent: a targeted question back when the turn is too vague to route."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from bank_router.knowledge.loader import lower_title, name, pick
from bank_router.services import Services
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer, candidates, steps, turn_products

MAX_CONFIDENCE = 0.45  # a clarification always reports under 0.5 (CONTRACT.md)


def topics_question(svc: Services, topics: list[str], lang: str) -> str:
    """ "Is it about a lost or stolen card or card delivery?": the likeliest support topics, offered back."""
    titles = [lower_title(pick(svc.catalog.support[t].meta, "title", lang)) for t in topics]
    return svc.templates.t("support_clarify", lang, options=svc.templates.t("support_or", lang).join(titles))


class ClarificationState(RouterState):
    missing: str  # what the question leaves open: topics, product, vertical, domain or everything


def find_gap(state: ClarificationState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Decide what to ask about, from what the customer did say."""
    ents = state["entities"]
    if state["route"].get("options"):
        return {"missing": "topics"}
    for gap, present in (("product", ents.get("products")), ("vertical", ents.get("types") or ents.get("verticals"))):
        if present:
            return {"missing": gap}
    return {"missing": "domain" if ents.get("domains") else "everything"}


def ask(state: ClarificationState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    tpl, ents, gap = svc.templates, state["entities"], state["missing"]
    conf = min(MAX_CONFIDENCE, float(state["route"].get("confidence", 0.35)))
    named = turn_products(state, svc) if gap == "product" else []
    options = [t for t in state["route"].get("options", []) if t in svc.catalog.support]
    if options:
        msg = topics_question(svc, options, lang)
    elif named:
        msg = tpl.t("clar_product", lang, product=name(named[0], lang))
    elif gap in ("product", "vertical"):
        pool = candidates(svc, ents)[:5]
        vertical = (ents.get("verticals") or [pool[0].meta.vertical if pool else "save"])[0]
        items = ", ".join(name(d, lang) for d in pool)
        msg = tpl.t("clar_vertical", lang, what=tpl.t(f"what_{vertical}", lang), items=items)
    elif gap == "domain":
        msg = tpl.t("clar_domain", lang, what=tpl.t(f"what_{ents['domains'][0]}", lang))
    else:
        msg = tpl.t("clar_generic", lang)
    out = answer("clarification_agent", msg, [], conf)
    # The contract: a clarification names no domain or vertical.
    out["answer"]["domain"] = None
    out["answer"]["vertical"] = None
    return out


clarification_agent = steps("clarification_agent", ClarificationState, ("find_gap", find_gap), ("ask", ask))
