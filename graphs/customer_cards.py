"""A customer's card actions: pick the card (ask when several fit), wait for a yes, then block or unblock.

Only the yes runs the tool with `confirm: true`; after a block, the answer says how to get a replacement
(the fee and delivery time of the support topic that says so). A card reported stolen, lost or misused
leads with how to stop it now.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from bank_router.tools import ToolError
from bank_router.turn.context import Context
from graphs.customer_records import ASK, CONFIDENCE, reply, rows, run, waiting_for
from graphs.support_facts import CONTACT, topic_facts

REPLACEMENT_TOPIC = "lost_or_stolen_card"  # its steps say how to get a new card, with the fee and time


def _card_choice(card: dict[str, Any], runtime: Runtime[Context], lang: str) -> dict[str, Any]:
    tpl = runtime.context.services.templates
    number = str(card.get("number") or "")
    label = tpl.t(
        "customer_card_label",
        lang,
        network=str(card.get("network") or "").title(),
        kind=tpl.t(f"customer_kind_{card.get('kind') or 'debit'}", lang),
        number=number.replace("*", "•"),
    )
    return {"id": card["card_id"], "last_four": number[-4:], "label": label, "status": card.get("status")}


URGENT_REASONS = ("stolen", "lost", "suspected_fraud")


def ask_card(tool: str, details: dict[str, Any], runtime: Runtime[Context], lang: str) -> dict[str, Any]:
    out = _card_step(tool, details, runtime, lang)
    if tool == "block_card" and details.get("reason") in URGENT_REASONS:
        # Money may be at risk: the first sentence says how to stop it now, even if the chat is left here.
        values, paths = topic_facts(runtime.context.services, CONTACT, lang)
        lead = runtime.context.services.templates.t("customer_urgent_block_lead", lang, **values)
        ans = out["answer"]
        ans["message"] = ans["fallback"] = f"{lead}\n\n{ans['message']}"
        ans["sources"] = [*paths, *ans["sources"]]
    return out


def _card_step(tool: str, details: dict[str, Any], runtime: Runtime[Context], lang: str) -> dict[str, Any]:
    tpl = runtime.context.services.templates
    data = run("list_my_cards", {}, runtime)
    cards = rows(data)
    wanted = "active" if tool == "block_card" else "blocked"
    fits = [c for c in cards if c.get("status") == wanted]
    if details.get("kind"):
        fits = [c for c in fits if c.get("kind") == details["kind"]]
    if details.get("last_four"):
        fits = [c for c in fits if str(c.get("number") or "").endswith(details["last_four"])]
    choices = [_card_choice(c, runtime, lang) for c in fits]
    action = {"tool": tool, "reason": details.get("reason") or "other", "choices": choices}
    if not choices:
        key = "customer_no_active_card" if tool == "block_card" else "customer_no_blocked_card"
        return reply(tpl.t(key, lang), ["list_my_cards"], 0.8, None)
    if len(choices) > 1:
        listing = "\n".join(f"{tpl.num(i, lang)}. {c['label']}" for i, c in enumerate(choices, 1))
        return reply(
            tpl.t("customer_which_card", lang, cards=listing), ["list_my_cards"], ASK, waiting_for("card", action)
        )
    return confirm_card(action, choices[0], runtime, lang)


def confirm_card(action: dict[str, Any], card: dict[str, Any], runtime: Runtime[Context], lang: str) -> dict[str, Any]:
    tpl = runtime.context.services.templates
    action = {**action, "card": card}
    key = "customer_confirm_block" if action["tool"] == "block_card" else "customer_confirm_unblock"
    return reply(tpl.t(key, lang, card=card["label"]), ["list_my_cards"], CONFIDENCE, waiting_for("confirm", action))


def _replacement(runtime: Runtime[Context], lang: str) -> tuple[str, list[str]]:
    """How to get a new card, from the support topic that says so (its fee and delivery time)."""
    svc = runtime.context.services
    doc = svc.catalog.support.get(REPLACEMENT_TOPIC)
    values, paths = topic_facts(svc, REPLACEMENT_TOPIC, lang)
    for step in doc.meta.steps if doc is not None else []:
        if "{replacement_fee}" in step.en:
            return (step.bn if lang == "bn" else step.en).format(**values), paths[:1]
    return "", []


def card_done(action: dict[str, Any], runtime: Runtime[Context], lang: str) -> dict[str, Any]:
    tpl, tool, card = runtime.context.services.templates, action["tool"], action["card"]
    args: dict[str, Any] = {"card_id": card["id"], "confirm": True}
    if tool == "block_card":
        args["reason"] = action.get("reason") or "other"
    try:
        run(tool, args, runtime)
    except ToolError as exc:
        return reply(exc.message, [tool], 0.8, None, grounds=exc.message)
    if tool == "unblock_card":
        return reply(tpl.t("customer_unblocked", lang, card=card["label"]), [tool], CONFIDENCE, None, grounds=action)
    message = tpl.t("customer_blocked", lang, card=card["label"])
    replacement, docs = _replacement(runtime, lang)
    out = reply(f"{message}\n\n{replacement}".strip(), [tool], CONFIDENCE, None, grounds=action)
    out["answer"]["sources"] = [*docs, *out["answer"]["sources"]]
    return out
