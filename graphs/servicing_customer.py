"""servicing_graph for a signed-in customer: their own balances, statements, cards and payees, and actions.

Look-ups run the customer tools at once, as the caller (the executor keeps them to the caller's own rows).
Actions never complete in the turn that asks: blocking or unblocking a card waits for a yes, a transfer
waits for a one-time code (graphs/customer_actions.py). While one waits, the thread pauses in
`await_reply` and the customer's next message comes back here.
"""

from __future__ import annotations

import json
from typing import Any

from langgraph.runtime import Runtime

from bank_router.language.templates import Templates
from bank_router.tools import ToolError
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState, Workflow
from graphs.common import answer
from graphs.customer_actions import ACTIONS, continue_action, start_action
from graphs.customer_records import masked, rows, run
from nodes.customer_rules import Request, read_request
from nodes.entities import last_user_text
from nodes.workflow import cancels

AGENT = "servicing_graph"
CONFIDENCE = 0.9
ASK_CONFIDENCE = 0.45  # a question back reports under 0.5 (CONTRACT.md)
MAX_ROWS = 10


def _account_line(acc: dict[str, Any], tpl: Templates, lang: str) -> str:
    unit = acc.get("currency") or "BDT"
    return tpl.t(
        "customer_balance_line",
        lang,
        product=acc.get("product") or acc.get("type") or "",
        number=masked(acc.get("account_number")),
        balance=tpl.money(float(acc.get("balance") or 0), lang, unit),
        available=tpl.money(float(acc.get("available") or 0), lang, unit),
    )


def _balances(accounts: list[dict[str, Any]], runtime: Runtime[Context], lang: str) -> tuple[list[str], list[str]]:
    """A line per open account, each from check_balance; and the results as evidence."""
    tpl, lines, evidence = runtime.context.services.templates, [], []
    for acc in [a for a in accounts if a.get("status") != "closed"][:MAX_ROWS]:
        data = run("check_balance", {"account_id": acc["account_id"]}, runtime)
        evidence.append(json.dumps(data))
        lines.append(_account_line({**acc, **data}, tpl, lang))
    return lines, evidence


def _transactions(data: dict[str, Any], tpl: Templates, lang: str, args: dict[str, Any]) -> str:
    items = rows(data)
    if not items:
        key = "customer_no_salary" if args.get("search") == "salary" else "customer_no_transactions"
        return tpl.t(key, lang)
    head = tpl.t("customer_transactions_head", lang, shown=tpl.num(len(items[:MAX_ROWS]), lang))
    table = [tpl.t("customer_transactions_columns", lang), "|---|---|---|---|"]
    for r in items[:MAX_ROWS]:
        when = str(r.get("created_at") or "")[:10]
        sign = "+" if r.get("direction") == "credit" else "−"
        amount = sign + tpl.money(float(r.get("amount") or 0), lang, r.get("currency") or "BDT")
        what = str(r.get("description") or r.get("type") or "").replace("|", "/")
        table.append(f"| {when} | {what} | {amount} | {r.get('status') or ''} |")
    return head + "\n\n" + "\n".join(table)


def _cards(data: dict[str, Any], tpl: Templates, lang: str) -> str:
    items = rows(data)
    if not items:
        return tpl.t("customer_no_cards", lang)
    lines = [
        tpl.t(
            "customer_card_line",
            lang,
            network=str(c.get("network") or "").title(),
            kind=tpl.t(f"customer_kind_{c.get('kind') or 'debit'}", lang),
            number=masked(c.get("number")),
            status=tpl.t(f"customer_status_{c.get('status') or 'active'}", lang),
            expires=str(c.get("expires") or "")[:7],
        )
        for c in items[:MAX_ROWS]
    ]
    return tpl.t("customer_cards_head", lang) + "\n" + "\n".join(f"- {line}" for line in lines)


def _payees(data: dict[str, Any], tpl: Templates, lang: str) -> str:
    items = rows(data)
    if not items:
        return tpl.t("customer_no_payees", lang)
    lines = [
        f"- {b.get('name')} ({b.get('relationship') or b.get('nickname') or ''}), {b.get('bank_name') or ''} "
        f"{masked(b.get('account_number'))}"
        for b in items[:MAX_ROWS]
    ]
    return tpl.t("customer_payees_head", lang) + "\n" + "\n".join(lines)


def _context(accounts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Seed 002's answer context: the (primary) account the answer is about, and when it was last updated."""
    if not accounts:
        return None
    main = next((a for a in accounts if a.get("is_primary")), accounts[0])
    return {"account_number": main.get("account_number"), "last_updated": main.get("last_updated")}


def lookups(request: Request, state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Run the look-ups the customer asked for and answer from their records."""
    tpl, lang = runtime.context.services.templates, state["language"]
    sections: list[str] = []
    evidence: list[str] = []
    used: list[str] = []
    accounts: list[dict[str, Any]] = []
    try:
        for look in request.lookups:
            if look.tool == "check_balance":
                lines, ev = _balances(accounts, runtime, lang)
                sections.append(tpl.t("customer_balance_head", lang) + "\n" + "\n".join(f"- {x}" for x in lines))
                evidence.extend(ev)
                used.append(look.tool)
                continue
            data = run(look.tool, look.args, runtime)
            evidence.append(json.dumps(data))
            used.append(look.tool)
            if look.tool == "account_lookup":
                accounts = rows(data) or [data]
                if not any(x.tool == "check_balance" for x in request.lookups):
                    lines = [_account_line(a, tpl, lang) for a in accounts[:MAX_ROWS]]
                    sections.append(tpl.t("customer_accounts_head", lang) + "\n" + "\n".join(f"- {x}" for x in lines))
            elif look.tool == "list_my_transactions":
                sections.append(_transactions(data, tpl, lang, look.args))
            elif look.tool == "list_my_cards":
                sections.append(_cards(data, tpl, lang))
            elif look.tool == "list_beneficiaries":
                sections.append(_payees(data, tpl, lang))
    except ToolError:
        return answer(AGENT, tpl.t("servicing_failed", lang), [], 0.3)
    out = answer(AGENT, "\n\n".join(sections), [], CONFIDENCE, extra_sources=[f"tool:{t}" for t in used])
    out["answer"]["vertical"] = None
    out["answer"]["tools_used"] = list(dict.fromkeys(used))
    out["answer"]["evidence"] = evidence
    if (ctx := _context(accounts)) is not None:
        out["answer"]["context"] = ctx
    return out


def serve_customer(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    """The customer's turn: the reply a waiting action asked for, a new action, or look-ups."""
    text, lang = last_user_text(state), state["language"]
    tpl = runtime.context.services.templates
    wf: Workflow = dict(state.get("workflow") or {})  # type: ignore[assignment]
    replying = state["route"].get("reason") == "workflow reply"
    if wf.get("needs") and wf.get("agent") == AGENT and replying:
        if cancels(text):
            return {**answer(AGENT, tpl.t("customer_cancelled", lang), [], CONFIDENCE), "workflow": None}
        return continue_action(wf, text, state, runtime)
    request = read_request(text, state["entities"], runtime.context.services.tools.clock().date())
    if request is None:
        return answer(AGENT, tpl.t("customer_clarify", lang), [], ASK_CONFIDENCE)
    if request.kind in ACTIONS:
        return start_action(request, state, runtime)
    out: dict[str, Any] = lookups(request, state, runtime)
    if wf.get("needs") and wf.get("agent") == AGENT:
        out["workflow"] = None  # a new request drops a waiting action: a later "yes" must not act on it
    return out
