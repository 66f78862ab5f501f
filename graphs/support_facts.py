"""A support topic's facts as an answer quotes them: formatted per language, with the bank-wide ones."""

from __future__ import annotations

from bank_router.knowledge.loader import Doc
from bank_router.knowledge.schema import Fact, SupportTopic
from bank_router.services import Services

CONTACT = "contact_us"  # the topic that holds the bank-wide facts (hotline, hours, email)


def fact_values(doc: Doc[SupportTopic], contact: Doc[SupportTopic] | None, svc: Services, lang: str) -> dict[str, str]:
    facts: list[Fact] = [*(contact.meta.facts if contact else []), *doc.meta.facts]
    return {
        f.key: svc.templates.amount(f.value_bn if lang == "bn" and f.value_bn else f.value, f.unit, lang) for f in facts
    }


def topic_facts(svc: Services, topic: str, lang: str) -> tuple[dict[str, str], list[str]]:
    """A support topic's facts (with the bank-wide ones), formatted, and the files they come from."""
    doc, contact = svc.catalog.support.get(topic), svc.catalog.support.get(CONTACT)
    if doc is None:
        return {}, []
    paths = [doc.path] + ([contact.path] if contact is not None and contact is not doc else [])
    return fact_values(doc, contact, svc, lang), paths
