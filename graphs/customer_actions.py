"""A signed-in customer's actions, each over two or more turns: block or unblock a card, send money.

`start_action` begins one (graphs/customer_cards.py, graphs/customer_transfer.py); `continue_action`
reads the reply to what it asked: a card or payee, a yes or no, or the one-time code. An action read with
low confidence is handed to a person instead (`human.intervention.requested`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from bank_router.turn.context import Context
from bank_router.turn.state import RouterState, Workflow
from graphs.customer_cards import ask_card, card_done, confirm_card
from graphs.customer_records import ASK, CONFIDENCE, handover, pick, reply
from graphs.customer_transfer import challenge, finish_transfer, start_transfer
from nodes.customer_rules import one_time_code, says_no, says_yes

if TYPE_CHECKING:
    from nodes.customer_rules import Request

ACTIONS = ("block_card", "unblock_card", "transfer_funds")
HANDOVER_BELOW = 0.5  # an action read with less confidence goes to a person


def start_action(request: Request, state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    if float(state["route"].get("confidence", 1.0)) < HANDOVER_BELOW:
        return handover(
            "unsure_action", {"action": request.kind, "confidence": state["route"].get("confidence")}, state, runtime
        )
    if request.kind == "transfer_funds":
        return start_transfer(request, state, runtime)
    return ask_card(request.kind, request.details, runtime, state["language"])


def continue_action(wf: Workflow, text: str, state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    """The reply to what a waiting action asked: a card or payee, a yes or no, or the one-time code."""
    tpl, lang = runtime.context.services.templates, state["language"]
    action, needs = dict(wf.get("action") or {}), wf.get("needs")
    if needs == "code":
        code = one_time_code(text)
        if code is None:
            return reply(tpl.t("customer_code_please", lang), [], ASK, wf)
        return finish_transfer(action, code, state, runtime)
    if needs == "confirm":
        if says_yes(text):
            return card_done(action, runtime, lang)
        if says_no(text):
            return reply(tpl.t("customer_cancelled", lang), [], CONFIDENCE, None)
        return reply(tpl.t("customer_yes_or_no", lang, card=action["card"]["label"]), [], ASK, wf)
    choice = pick(text, action.get("choices") or [])
    if choice is None:
        return reply(tpl.t("customer_pick_again", lang), [], ASK, wf)
    if needs == "card":
        return confirm_card(action, choice, runtime, lang)
    draft = {**action, "to": choice["id"], "to_label": choice["label"]}
    return challenge(draft, (action.get("own") or {}).get(choice["id"]), state, runtime)
