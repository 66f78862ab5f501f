"""Handing a customer to a person: the `human.intervention.requested` event, and what the customer is told.

Raised for a transfer over the review threshold, an action read with low confidence (servicing), and,
for a signed-in customer, a dispute or a card blocked abroad (support). The event is kept by the
hand-over desk (bank_router/events/handovers.py) until a member of staff takes it.
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from bank_router.events.bus import HUMAN_INTERVENTION
from bank_router.knowledge.loader import Doc
from bank_router.knowledge.schema import SupportTopic
from bank_router.language.parsing import fold
from bank_router.turn.context import Context
from graphs.common import publish
from graphs.support_facts import topic_facts

# The support topic whose facts each hand-over message quotes.
TOPICS = {"dispute": "complaint", "card_abroad": "contact_us"}
_DISPUTE = re.compile(
    r"\b(dispute|chargeback|charge back|refund|claim|complain|complaint|didnt make|did not make|not me"
    r"|unauthori[sz]ed|never (made|authori[sz]ed))\b|আপত্তি|অভিযোগ|আমি করিনি"
)
_ABROAD = re.compile(r"\b(abroad|overseas|travell?ing|foreign|outside (bangladesh|the country)|bidesh)\b|বিদেশ")
_STUCK = re.compile(r"\b(blocked|block|declined|not working|stopped working|rejected)\b|ব্লক|কাজ করছে না")


def support_reason(doc: Doc[SupportTopic], text: str) -> str | None:
    """Whether a signed-in customer's support question needs a person: a dispute, or a card stuck abroad."""
    folded, area = fold(text), doc.meta.area
    if area in ("charges_disputes", "security") and _DISPUTE.search(folded):
        return "dispute"
    if area == "cards" and _ABROAD.search(folded) and _STUCK.search(folded):
        return "card_abroad"
    return None


def hand_over(runtime: Runtime[Context], lang: str, reason: str, context: dict[str, Any]) -> tuple[str, list[str]]:
    """Raise the hand-over event; return what to tell the customer and the files its figures come from."""
    svc = runtime.context.services
    publish(runtime, HUMAN_INTERVENTION, {"reason": reason, "context": context, "source": "customer"})
    values, paths = topic_facts(svc, TOPICS[reason], lang) if reason in TOPICS else ({}, [])
    return svc.templates.t(f"customer_handover_{reason}", lang, **values), paths
