"""onboarding_graph: step-by-step guides from knowledge/onboarding, tailored to the product."""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from bank_router.knowledge.loader import Doc
from bank_router.knowledge.schema import OnboardingGuide, Product
from bank_router.parsing import fold
from bank_router.services import Services
from graphs.common import answer, answer_confidence, name, pick, turn_products
from graphs.context import Context
from graphs.state import Entities, RouterState
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


def steps_text(guide: Doc[OnboardingGuide], product: Doc[Product] | None, svc: Services, lang: str) -> str:
    tpl, g = svc.templates, guide.meta
    title = g.title_bn if lang == "bn" else g.title
    lines = [tpl.t("onb_intro", lang, title=title)]
    for i, step in enumerate(g.steps, 1):
        n = svc.templates.num(i, lang)
        lines.append(f"{n}. {pick(step, 'title', lang)}: {pick(step, 'detail', lang)}")
    if product is not None and product.meta.documents:
        docs = "; ".join(pick(product.meta, "documents", lang))
        lines.append(tpl.t("onb_for_product", lang, product=name(product, lang), items=docs))
    elif g.documents:
        lines.append(tpl.t("onb_documents", lang, items="; ".join(pick(g, "documents", lang))))
    return "\n".join(lines)


def onboarding_graph(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    products = turn_products(state, svc)
    product = products[0] if products else None
    guide = choose_guide(svc, state["entities"], product, last_user_text(state))
    if guide is None:
        return answer("clarification_agent", svc.templates.t("clar_generic", lang), [], 0.4)
    docs: list[Doc[Any]] = [guide] + ([product] if product else [])
    domain = product.meta.domain if product else (guide.meta.domains[0] if len(guide.meta.domains) == 1 else None)
    vertical = (
        product.meta.vertical if product else (guide.meta.verticals[0] if len(guide.meta.verticals) == 1 else None)
    )
    return answer(
        "onboarding_graph",
        steps_text(guide, product, svc, lang),
        docs,
        answer_confidence(state),
        domain=domain,
        vertical=vertical,
    )
