"""The parts of a product question outside the answering agent's job, answered from their own files.

"I work in Dubai. Can I open an NRB account from abroad and send money home?" is an eligibility question with
two more parts: how to open one from abroad (the onboarding guide of that kind of product) and sending money
home (the support topic whose cue phrases the message uses). Rather than drop them, the agent's answer ends
with a line for each, and cites the file it came from.
"""

from __future__ import annotations

import re
from typing import Any

from bank_router.knowledge.loader import Doc, pick
from bank_router.knowledge.schema import OnboardingGuide, Product
from bank_router.services import Services
from bank_router.turn.state import Entities
from graphs.support_facts import CONTACT, fact_values

_SENTENCE_END = re.compile(r"(?<=[.।!?])\s")


def guide_for(product: Doc[Product] | None, ents: Entities, svc: Services) -> Doc[OnboardingGuide] | None:
    """The customer onboarding guide of the product's kind (or of the kind the message names)."""
    domains: set[str]
    verticals: set[str]
    types: set[str]
    if product is not None:
        domains, verticals, types = {product.meta.domain}, {product.meta.vertical}, {product.meta.type}
    else:
        nrb = ents.get("residency") == "non_resident"
        domains = set(ents.get("domains", [])) | ({"nrb"} if nrb else set())
        verticals, types = set(ents.get("verticals", [])), set(ents.get("types", []))

    def fit(g: Doc[OnboardingGuide]) -> tuple[int, int, int]:
        m = g.meta
        return (len(domains & {*m.domains}), len(types & {*m.types}), len(verticals & {*m.verticals}))

    guides = [g for g in svc.catalog.onboarding.values() if g.meta.audience == "customer"]
    best = max(guides, key=fit, default=None)
    return best if best is not None and any(fit(best)[:2]) else None


def _topics_beyond_aspects(folded: str, svc: Services) -> list[str]:
    """Support topics whose cue phrase is not also a product aspect ("minimum age" is the product's own rule)."""
    spans = [(a, b) for _, a, b in svc.catalog.aspect_matcher.find(folded)]
    return [tid for tid, a, b in svc.catalog.support_matcher.find(folded) if not any(a < y and x < b for x, y in spans)]


def other_parts(
    text: str, ents: Entities, svc: Services, lang: str, product: Doc[Product] | None = None
) -> tuple[list[str], list[str]]:
    """Lines for how to apply (when asked) and for a non-urgent service topic the message names; their files."""
    tpl, lines, paths = svc.templates, [], []
    folded = svc.catalog.read(text)
    if "apply" in ents.get("aspects", []) and (guide := guide_for(product, ents, svc)) is not None:
        steps = [s.title_bn if lang == "bn" else s.title for s in guide.meta.steps]
        lines.append(tpl.t("info_apply", lang, title=pick(guide.meta, "title", lang), items="; ".join(steps)))
        paths.append(guide.path)
    contact = svc.catalog.support.get(CONTACT)
    for tid in _topics_beyond_aspects(folded, svc)[:1]:
        doc = svc.catalog.support.get(tid)
        if doc is None or doc.meta.urgent or tid == CONTACT:
            continue
        said = pick(doc.meta, "answer", lang).format(**fact_values(doc, contact, svc, lang))
        lines.append(_SENTENCE_END.split(said, maxsplit=1)[0])
        paths.append(doc.path)
    return lines, paths


def with_other_parts(out: dict[str, Any], lines: list[str], paths: list[str]) -> dict[str, Any]:
    """The agent's answer with those lines after it and their files among its sources."""
    if lines:
        ans = out["answer"]
        ans["message"] = "\n".join([ans["message"], *lines])
        ans["fallback"] = ans["message"]
        ans["sources"] = list(dict.fromkeys([*ans["sources"], *paths]))
    return out
