"""A customer's transfer: pick the payee (a saved beneficiary or their own account), then a one-time code.

`transfer_funds` without a code validates the transfer, prices it from the support knowledge and sends a
code to the customer's phone (never into the chat, the log or the state); the answer shows the fee and
when the money arrives. Only a later turn carrying the code moves money. A transfer over the review
threshold goes to a person instead.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from bank_router.language.parsing import fold
from bank_router.language.templates import Templates
from bank_router.tools import ToolError
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.customer_records import ASK, CONFIDENCE, handover, masked, reply, rows, run, waiting_for
from graphs.support_facts import topic_facts

if TYPE_CHECKING:
    from nodes.customer_rules import Request

CODE_TOPIC = "otp_not_received"  # how long a one-time code is valid (otp_minutes)


def _payees(runtime: Runtime[Context], lang: str) -> list[dict[str, Any]]:
    """Saved beneficiaries and the customer's own accounts, as choices a reply can name."""
    tpl = runtime.context.services.templates
    out: list[dict[str, Any]] = []
    for b in rows(run("list_beneficiaries", {}, runtime)):
        words = [fold(str(b.get(k) or "")) for k in ("relationship", "nickname", "name")]
        where = f"{b.get('bank_name') or ''} {masked(b.get('account_number'))}"
        label = f"{b.get('name')} ({b.get('relationship') or ''}, {where})"
        out.append({"id": b["beneficiary_id"], "words": [w for w in words if w], "label": label, "own": False})
    for a in rows(run("account_lookup", {}, runtime)):
        kind = fold(str(a.get("type") or ""))
        words = [kind, kind.rstrip("s"), fold(str(a.get("product") or ""))]
        label = tpl.t("customer_own_account", lang, product=a.get("product"), number=masked(a.get("account_number")))
        out.append({"id": a["account_id"], "words": [w for w in words if w], "label": label, "own": True, "acc": a})
    return out


def _names(word: str, said: str) -> bool:
    """Whether the customer's words name this payee word: "brother" in "my brothers account", "savings"."""
    return len(word) >= 3 and any(w.startswith(word) or word.startswith(w) for w in said.split() if len(w) >= 3)


def _source_account(payees: list[dict[str, Any]], to: str) -> str | None:
    own = [p["acc"] for p in payees if p["own"] and p["id"] != to and p["acc"].get("status") == "active"]
    main = next((a for a in own if a.get("is_primary")), own[0] if own else None)
    return None if main is None else str(main["account_id"])


def start_transfer(request: Request, state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    tpl, amount = svc.templates, float(request.details["amount"])
    if amount > svc.settings.transfer_review_above:
        return handover("large_transfer", {"amount": amount}, state, runtime)
    payees = _payees(runtime, lang)
    said = fold(str(request.details.get("payee") or ""))
    fits = [p for p in payees if said and any(_names(w, said) for w in p["words"])]
    action: dict[str, Any] = {"tool": "transfer_funds", "amount": amount, "key": uuid.uuid4().hex}
    tools = ["list_beneficiaries", "account_lookup"]
    if len(fits) != 1:
        action["choices"] = [{k: v for k, v in p.items() if k != "acc"} for p in payees]
        action["own"] = {p["id"]: _source_account(payees, p["id"]) for p in payees}
        listing = "\n".join(f"{tpl.num(i, lang)}. {p['label']}" for i, p in enumerate(payees, 1))
        money = tpl.money(amount, lang)
        return reply(
            tpl.t("customer_which_payee", lang, amount=money, payees=listing), tools, ASK, waiting_for("payee", action)
        )
    return challenge(
        {**action, "to": fits[0]["id"], "to_label": fits[0]["label"]},
        _source_account(payees, fits[0]["id"]),
        state,
        runtime,
    )


def _rail(data: dict[str, Any], tpl: Templates, lang: str) -> str:
    key = f"customer_rail_{data.get('rail')}"
    return tpl.t(key, lang) if key in tpl.table else str(data.get("rail") or "")


def _arrival(data: dict[str, Any], tpl: Templates, lang: str) -> str:
    """When the money arrives, as the rail's rule says; BEFTN's batch dates as the platform gives them."""
    key = f"customer_arrival_{data.get('rail')}"
    if key in tpl.table:
        return tpl.t(key, lang)
    text = str(data.get("expected_arrival") or "")
    return text[:1].lower() + text[1:]


def challenge(
    action: dict[str, Any], source: str | None, state: RouterState, runtime: Runtime[Context]
) -> dict[str, Any]:
    """Ask the platform for a one-time code: validates the transfer and shows what it will cost; moves nothing."""
    tpl, lang = runtime.context.services.templates, state["language"]
    if source is None:
        return reply(tpl.t("customer_no_source", lang), ["account_lookup"], 0.8, None)
    args = {
        "from_account": source,
        "to_account": action["to"],
        "amount": action["amount"],
        "idempotency_key": action["key"],
    }
    try:
        data = run("transfer_funds", args, runtime)
    except ToolError as exc:
        return reply(exc.message, ["transfer_funds"], 0.8, None, grounds=exc.message)
    facts, paths = topic_facts(runtime.context.services, CODE_TOPIC, lang)
    action = {
        "tool": "transfer_funds",
        "args": args,
        "challenge_id": data.get("challenge_id"),
        "to_label": action["to_label"],
    }
    message = tpl.t(
        "customer_transfer_code",
        lang,
        amount=tpl.money(float(data.get("amount") or args["amount"]), lang),
        to=action["to_label"],
        rail=_rail(data, tpl, lang),
        fee=tpl.money(float(data.get("fee") or 0), lang),
        arrival=_arrival(data, tpl, lang),
        minutes=facts.get("otp_minutes", ""),
    )
    out = reply(message, ["transfer_funds"], CONFIDENCE, waiting_for("code", action), grounds=[action, data])
    out["answer"]["sources"] = [*paths[:1], *out["answer"]["sources"]]
    return out


def finish_transfer(action: dict[str, Any], code: str, state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    tpl, lang = runtime.context.services.templates, state["language"]
    args = {**action["args"], "challenge_id": action["challenge_id"], "code": code}
    try:
        data = run("transfer_funds", args, runtime)
    except ToolError as exc:
        tries = (getattr(exc, "details", None) or {}).get("tries_left")
        if exc.code == "invalid_code" and tries:
            message = tpl.t("customer_wrong_code", lang, tries=tpl.num(int(tries), lang))
            return reply(message, ["transfer_funds"], ASK, waiting_for("code", action))
        stopped = tpl.t("customer_transfer_stopped", lang, reason=exc.message.rstrip("."))
        return reply(stopped, ["transfer_funds"], 0.8, None, grounds=exc.message)
    message = tpl.t(
        "customer_transfer_done",
        lang,
        amount=tpl.money(float(data.get("amount") or args["amount"]), lang),
        to=action["to_label"],
        reference=data.get("transfer_id") or data.get("reference") or "",
        arrival=_arrival(data, tpl, lang),
    )
    return reply(message, ["transfer_funds"], CONFIDENCE, None, grounds=[action, data])
