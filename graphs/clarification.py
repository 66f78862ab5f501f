"""clarification_agent: a targeted question back when the turn is too vague to route."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from bank_router.knowledge.loader import lower_title, name, pick
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer, candidates, turn_products

MAX_CONFIDENCE = 0.45  # a clarification always reports under 0.5 (CONTRACT.md)


def clarification_agent(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    tpl, ents = svc.templates, state["entities"]
    conf = min(MAX_CONFIDENCE, float(state["route"].get("confidence", 0.35)))
    named = turn_products(state, svc) if ents.get("products") else []
    options = [svc.catalog.support[t] for t in state["route"].get("options", []) if t in svc.catalog.support]
    if options:
        titles = tpl.t("support_or", lang).join(lower_title(pick(d.meta, "title", lang)) for d in options)
        msg = tpl.t("support_clarify", lang, options=titles)
    elif named:
        msg = tpl.t("clar_product", lang, product=name(named[0], lang))
    elif ents.get("types") or ents.get("verticals"):
        pool = candidates(svc, ents)[:5]
        vertical = (ents.get("verticals") or [pool[0].meta.vertical if pool else "save"])[0]
        items = ", ".join(name(d, lang) for d in pool)
        msg = tpl.t("clar_vertical", lang, what=tpl.t(f"what_{vertical}", lang), items=items)
    elif ents.get("domains"):
        msg = tpl.t("clar_domain", lang, what=tpl.t(f"what_{ents['domains'][0]}", lang))
    else:
        msg = tpl.t("clar_generic", lang)
    out = answer("clarification_agent", msg, [], conf)
    # The contract: a clarification names no domain or vertical.
    out["answer"]["domain"] = None
    out["answer"]["vertical"] = None
    return out
