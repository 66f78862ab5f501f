"""onboarding_graph: step-by-step guides from knowledge/onboarding, tailored to the product.

The staff guide (registration, staging, approval) is read through the platform tool
`customer_onboarding_guide` (seed 000), like every staff tool: run as the caller, logged, and heard by
the staff console and webhooks as a tool execution.
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from bank_router.knowledge.loader import Doc, name, pick
from bank_router.knowledge.schema import OnboardingGuide, Product
from bank_router.language.parsing import fold
from bank_router.services import Services
from bank_router.tools.executor import execute
from bank_router.tools.onboarding import GUIDE_ID, OnboardingGuideResult
from bank_router.tools.spec import ToolError
from bank_router.turn.context import Context
from bank_router.turn.state import Entities, RouterState
from graphs.common import answer, answer_confidence, steps, turn_products
from graphs.product_facts import other_facts
from nodes.entities import last_user_text

# "onboard a new customer", "register a customer": the speaker is staff, not the customer.
_STAFF_FLOW = re.compile(
    r"\b(onboard|register|enrol|enroll|approve|stage)\b.{0,20}\b(a |the |new )*(customer|client|applicant)s?\b"
    r"|(গ্রাহক|কাস্টমার).{0,20}(অনবোর্ড|নিবন্ধন|রেজিস্ট্রেশন)"
)


def choose_guide(svc: Services, ents: Entities, product: Doc[Product] | None, text: str) -> Doc[OnboardingGuide] | None:
    guides = svc.catalog.onboarding
    named = [guides[g] for g in ents.get("guides", []) if g in guides]
    # A term that is a guide's subject ("e-KYC") names that guide.
    named += [g for g in guides.values() for t in ents.get("terms", []) if g.meta.id.startswith(t)]
    if named:
        return named[0]
    audience = "staff" if _STAFF_FLOW.search(fold(text)) else "customer"

    def score(g: Doc[OnboardingGuide]) -> int:
        m = g.meta
        s = 0
        if m.audience != audience:
            return -100
        # With no domain named, the bank's conventional guides apply, as for products.
        domains = set(ents.get("domains", [])) | ({product.meta.domain} if product else set())
        if ents.get("residency") == "non_resident":
            domains.add("nrb")
        domains = domains or {"conventional"}
        if m.domains:
            # A guide for one domain beats a general one that also covers it.
            s += (4 - (len(m.domains) - 1)) if domains & set(m.domains) else -5
        if product is not None and product.meta.type in m.types:
            s += 5
        verticals = set(ents.get("verticals", [])) | ({product.meta.vertical} if product else set())
        s += 3 * len(set(ents.get("types", [])) & set(m.types)) + 2 * len(verticals & set(m.verticals))
        return s

    ranked = sorted(guides.values(), key=score, reverse=True)
    return ranked[0] if ranked and score(ranked[0]) > -100 else None


def _steps(svc: Services, lang: str, title: str, steps: list[tuple[str, str]], closing: str | None) -> str:
    """The intro, the numbered steps ("title: detail"), then what to bring, if anything."""
    lines = [svc.templates.t("onb_intro", lang, title=title)]
    lines += [f"{svc.templates.num(i, lang)}. {head}: {detail}" for i, (head, detail) in enumerate(steps, 1)]
    return "\n".join(lines + ([closing] if closing else []))


def steps_text(guide: Doc[OnboardingGuide], product: Doc[Product] | None, svc: Services, lang: str) -> str:
    tpl, g = svc.templates, guide.meta
    closing = None
    if product is not None and product.meta.documents:
        docs = "; ".join(pick(product.meta, "documents", lang))
        closing = tpl.t("onb_for_product", lang, product=name(product, lang), items=docs)
    elif g.documents:
        closing = tpl.t("onb_documents", lang, items="; ".join(pick(g, "documents", lang)))
    steps = [(pick(step, "title", lang), pick(step, "detail", lang)) for step in g.steps]
    return _steps(svc, lang, g.title_bn if lang == "bn" else g.title, steps, closing)


def guide_tool_text(result: OnboardingGuideResult, svc: Services, lang: str) -> str:
    """The staff guide as the tool returned it: numbered steps, then the documents to collect."""
    closing = svc.templates.t("onb_documents", lang, items="; ".join(result.documents)) if result.documents else None
    return _steps(svc, lang, result.title, [(s.title, s.detail) for s in result.steps], closing)


def _staff_guide(state: RouterState, runtime: Runtime[Context], guide: Doc[OnboardingGuide]) -> dict[str, Any] | None:
    svc, lang = runtime.context.services, state["language"]
    try:
        result = execute("customer_onboarding_guide", {"language": lang}, runtime.context.caller, svc.tools).result
    except ToolError:
        return None  # the same guide, read from the knowledge file
    assert isinstance(result, OnboardingGuideResult)
    tool = "tool:customer_onboarding_guide"
    domain = guide.meta.domains[0] if len(guide.meta.domains) == 1 else None
    out = answer(
        "onboarding_graph",
        guide_tool_text(result, svc, lang),
        [guide],
        answer_confidence(state),
        domain=domain,
        extra_sources=[tool],
    )
    out["answer"]["tools_used"] = ["customer_onboarding_guide"]
    return out


class OnboardingState(RouterState):
    guide: str | None  # the onboarding guide whose steps answer the turn
    product: str | None  # the product it is about, if one is named


def find_guide(state: OnboardingState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc = runtime.context.services
    products = turn_products(state, svc)
    product = products[0] if products else None
    guide = choose_guide(svc, state["entities"], product, last_user_text(state))
    return {"guide": guide.meta.id if guide else None, "product": product.meta.id if product else None}


# What the steps for a product already say; other asked aspects come from the product's facts.
STEPS_COVER = frozenset({"documents"})


def compose_steps(state: OnboardingState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    product = svc.catalog.products.get(state["product"] or "")
    guide = svc.catalog.onboarding.get(state["guide"] or "")
    if guide is None:
        return answer("clarification_agent", svc.templates.t("clar_generic", lang), [], 0.4)
    if guide.meta.id == GUIDE_ID and product is None and (staff := _staff_guide(state, runtime, guide)):
        return staff
    docs: list[Doc[Any]] = [guide] + ([product] if product else [])
    domain = product.meta.domain if product else (guide.meta.domains[0] if len(guide.meta.domains) == 1 else None)
    vertical = (
        product.meta.vertical if product else (guide.meta.verticals[0] if len(guide.meta.verticals) == 1 else None)
    )
    text = steps_text(guide, product, svc, lang)
    if product and (extra := other_facts(product, state["entities"].get("aspects", []), svc, lang, STEPS_COVER)):
        text = f"{text}\n{extra}"  # "what documents do I need, and how old must I be?"
    return answer(
        "onboarding_graph",
        text,
        docs,
        answer_confidence(state),
        domain=domain,
        vertical=vertical,
    )


onboarding_graph = steps(
    "onboarding_graph", OnboardingState, ("find_guide", find_guide), ("compose_steps", compose_steps)
)
