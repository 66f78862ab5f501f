"""loan_scoring_graph: seed 000's loan scoring workflow, one step per turn.

Customer (exists, KYC verified, not blacklisted) -> product (listed when none is given) -> amount (within
the product's limits) -> score from the scorecard in knowledge/policies/loan_scoring_method.md, saved
to the score history. Each step runs `start_loan_scoring_workflow` with what is known so far; when it
needs more, the answer asks for it and the graph waits in `await_reply` (LangGraph `interrupt()`), so
the next turn of the session resumes the workflow. Everything given at once is scored in one turn.
The user can cancel, or change an answer ("product 2", "make it 80,000", "customer 456 instead").
A borderline score (band B: refer) raises a human-intervention event for a credit officer.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from bank_router.events.bus import DECISION_MADE, HUMAN_INTERVENTION
from bank_router.language.parsing import fold, normalize_digits, parse_amounts
from bank_router.language.templates import Templates
from bank_router.tools import RecordNotFound, ToolArgumentError, ToolError, ToolForbidden, execute
from bank_router.tools.records import CustomerSummary, LoanProductRecord
from bank_router.tools.scoring import FactorResult, ScoringWorkflowResult
from bank_router.turn.context import Context
from bank_router.turn.state import Entities, RouterState, Workflow
from graphs.common import answer, publish, steps
from nodes.entities import last_user_text
from nodes.workflow import cancels

AGENT = "loan_scoring_graph"
TOOL = "start_loan_scoring_workflow"
POLICY = "knowledge/policies/loan_scoring_method.md"
CONFIDENCE = 0.9
_BARE = re.compile(r"\s*(?:id|no\.?|number|#)?\s*(\d{1,9})\s*[.!]?\s*")
# "change the product to 5", "customer should be 456": the id parser wants the id right after the noun.
_CHANGE_TO = re.compile(r"\b(customer|product)\b[^\d]{0,20}?\b(?:to|is|be|as)\s+(?:id\s*|no\.?\s*|#\s*)?(\d{1,9})\b")
_NAMED = re.compile(r"\b(?:named|called|name is|name)\s+(.+)$|নাম\s*(.+)$")


def read_reply(text: str, ents: Entities, wf: Workflow) -> Workflow:
    """The workflow's inputs after this turn: ids and amounts stated now override earlier answers."""
    new: Workflow = {k: v for k, v in wf.items() if k in ("customer_id", "product_id", "amount", "choices")}  # type: ignore[assignment]
    ids, needs = dict(ents.get("ids") or {}), wf.get("needs")
    for noun, value in _CHANGE_TO.findall(normalize_digits(text).lower()):
        ids.setdefault(f"{noun}_id", value)
    if "customer_id" in ids and int(ids["customer_id"]) != new.get("customer_id"):
        new = {"customer_id": int(ids["customer_id"])}  # another customer: start again
    if "product_id" in ids:
        new["product_id"] = int(ids["product_id"])
    amounts = [ents["amount"]] if "amount" in ents else parse_amounts(text, cued=True)
    if amounts:
        new["amount"] = float(amounts[0])
    bare = _BARE.fullmatch(normalize_digits(text).lower())
    if bare and not ids and not amounts:
        key = {"customer": "customer_id", "product": "product_id"}.get(str(needs))
        if key:
            new[key] = int(bare[1])  # type: ignore[literal-required]
    if needs == "product" and "product_id" not in ids and not bare:
        named = named_product(text, wf.get("choices") or [])
        if named is not None:
            new["product_id"] = named
    return new


def named_product(text: str, choices: list[list[Any]]) -> int | None:
    """The id of the offered product whose name the text uses ("the Education Loan", "two-wheeler")."""
    folded = fold(text)
    for pid, pname in sorted(choices, key=lambda c: -len(str(c[1]))):
        name = fold(str(pname))
        if name in folded or name.removesuffix(" loan") in folded:
            return int(pid)
    return None


def _id(value: object, tpl: Templates, lang: str) -> str:
    """An id or count as written; in Bangla digits in Bangla."""
    return tpl.amount(str(value), "text", lang)


def _customer_table(rows: list[CustomerSummary], tpl: Templates, lang: str) -> str:
    head = f"| ID | {tpl.t('score_col_name', lang)} | KYC |\n|---|---|---|"
    return "\n".join([head, *(f"| {c.identity_id} | {c.full_name} | {c.kyc_status} |" for c in rows[:10])])


def _product_table(rows: list[LoanProductRecord], tpl: Templates, lang: str) -> str:
    cols = " | ".join(tpl.t(f"score_col_{c}", lang) for c in ("name", "range", "rate"))
    body = [
        f"| {p.id} | {p.name} | {tpl.money(float(p.min_amount), lang)} - {tpl.money(float(p.max_amount), lang)} "
        f"| {p.interest_rate:g}% |"
        for p in rows
    ]
    return "\n".join([f"| ID | {cols} |\n|---|---|---|---|", *body])


def _reason(factor: FactorResult, tpl: Templates, lang: str) -> str:
    """The factor's reason in `lang`; the tool's English text when there is no template for it."""
    key = f"score_reason_{factor.reason_key}"
    if not factor.reason_key or key not in tpl.table:
        return factor.reason
    return tpl.t(key, lang, **{k: tpl.amount(v, "text", lang) for k, v in factor.reason_args.items()})


def _factor_table(factors: list[FactorResult], tpl: Templates, lang: str) -> str:
    cols = " | ".join(tpl.t(f"score_col_{c}", lang) for c in ("factor", "points", "why"))
    rows = []
    for f in factors:
        key = f"score_factor_{f.name}"
        name = tpl.t(key, lang) if key in tpl.table else f.name
        points = f"{tpl.num(f.points, lang)}/{tpl.num(f.max_points, lang)}"
        rows.append(f"| {name} | {points} | {_reason(f, tpl, lang)} |")
    return "\n".join([f"| {cols} |\n|---|---|---|", *rows])


def _reply(
    message: str, tpl: Templates, lang: str, wf: Workflow | None, confidence: float = CONFIDENCE, **extra: Any
) -> dict[str, Any]:
    """An answer for this step; a waiting workflow says what it waits for (CONTRACT.md's optional extra)."""
    out: dict[str, Any] = answer(AGENT, message, [], confidence, domain=None, vertical="loan", **extra)
    out["answer"]["vertical"] = "loan"
    out["answer"]["tools_used"] = [TOOL]
    if wf and wf.get("needs"):
        out["answer"]["message"] = f"{message}\n\n{tpl.t('score_cancel_hint', lang)}"
        out["answer"]["fallback"] = out["answer"]["message"]
        awaiting = {k: v for k, v in wf.items() if k in ("needs", "customer_id", "product_id", "amount")}
        out["answer"]["awaiting"] = {"workflow": "loan_scoring", **awaiting}
    out["workflow"] = wf
    return out


def _find_customer(text: str, runtime: Runtime[Context], lang: str, wf: Workflow, reply: bool) -> dict[str, Any]:
    """No id given: search by name when the caller may, else ask for the id.

    A name is read from "named ..." anywhere, or from a short reply to the question for the customer.
    """
    tpl = runtime.context.services.templates
    named = _NAMED.search(text.strip())
    query = next((g for g in named.groups() if g), "") if named else ""
    if not query and reply and len(text.split()) <= 4 and not re.search(r"\d", text):
        query = text
    query = query.strip(" .?!\"'")
    if len(query) < 2 or not runtime.context.caller.can("customer:read"):
        return _reply(tpl.t("score_ask_customer", lang), tpl, lang, {**wf, "needs": "customer"})
    try:
        found = execute(
            "list_customers",
            {"search_string": query, "page_size": 10},
            runtime.context.caller,
            runtime.context.services.tools,
        )
    except ToolError:
        return _reply(tpl.t("score_ask_customer", lang), tpl, lang, {**wf, "needs": "customer"})
    rows = list(found.result.items)  # type: ignore[attr-defined]
    if len(rows) == 1:
        return _step({**wf, "customer_id": rows[0].identity_id}, runtime, lang)
    if not rows:
        return _reply(tpl.t("score_no_match", lang), tpl, lang, {**wf, "needs": "customer"})
    table = _customer_table(rows, tpl, lang)
    out = _reply(f"{tpl.t('score_matches', lang)}\n\n{table}", tpl, lang, {**wf, "needs": "customer"})
    out["answer"]["evidence"] = [found.result.model_dump_json()]
    out["answer"]["tools_used"] = ["list_customers"]
    out["answer"]["sources"] = ["tool:list_customers"]
    return out


def _step(wf: Workflow, runtime: Runtime[Context], lang: str) -> dict[str, Any]:
    """Run the workflow tool with what is known, and say what comes next."""
    args: dict[str, Any] = {k: v for k, v in wf.items() if k in ("customer_id", "product_id", "amount")}
    caller, deps, tpl = runtime.context.caller, runtime.context.services.tools, runtime.context.services.templates
    try:
        run = execute(TOOL, args, caller, deps)
    except ToolForbidden as exc:
        policy = runtime.context.services.policy
        msg = policy.message("missing_permission", lang, permission=exc.permission)
        out: dict[str, Any] = answer("policy_guard", msg, [], policy.refusal_confidence, refusal=True)
        return {**out, "workflow": None}
    except RecordNotFound as exc:
        if exc.kind == "customer":
            msg = tpl.t("score_not_found", lang, customer=_id(args["customer_id"], tpl, lang))
            return _reply(msg, tpl, lang, None, 0.8)
        retry = _step({k: v for k, v in wf.items() if k != "product_id"}, runtime, lang)  # type: ignore[arg-type]
        head = tpl.t("score_bad_product", lang, product=_id(args.get("product_id"), tpl, lang))
        retry["answer"]["message"] = head + retry["answer"]["message"].split(":", 1)[-1]
        retry["answer"]["fallback"] = retry["answer"]["message"]
        return retry
    except ToolArgumentError:
        needs = "amount" if "amount" in args else "customer"
        hint = tpl.t("score_ask_customer" if needs == "customer" else "score_cancel_hint", lang)
        return _reply(tpl.t("score_invalid", lang, hint=hint), tpl, lang, {**wf, "needs": needs}, 0.6)
    except ToolError:
        return _reply(tpl.t("score_failed", lang), tpl, lang, {**wf, "needs": wf.get("needs") or "customer"}, 0.3)
    result: ScoringWorkflowResult = run.result  # type: ignore[assignment]
    out = _compose(result, wf, runtime, lang)
    out["answer"]["evidence"] = [result.model_dump_json()]
    out["answer"]["sources"] = [f"tool:{TOOL}", *([POLICY] if result.status == "scored" else [])]
    return out


def _compose(r: ScoringWorkflowResult, wf: Workflow, runtime: Runtime[Context], lang: str) -> dict[str, Any]:
    c, tpl = r.customer, runtime.context.services.templates
    customer = _id(c.identity_id, tpl, lang)
    if r.status == "ineligible":
        msg = tpl.t("score_ineligible", lang, customer=customer, name=c.full_name, reasons="; ".join(r.reasons))
        return _reply(msg, tpl, lang, None)
    if r.status == "needs_input" and r.needs == "product":
        choices = [[p.id, p.name] for p in r.products]
        text = tpl.t("score_ask_product", lang, customer=customer, name=c.full_name)
        msg = f"{text}\n\n{_product_table(r.products, tpl, lang)}"
        return _reply(msg, tpl, lang, {**wf, "customer_id": c.identity_id, "needs": "product", "choices": choices})
    if r.status == "needs_input":
        p = r.product
        assert p is not None
        kw = {
            "product": p.name,
            "id": _id(p.id, tpl, lang),
            "low": tpl.money(float(p.min_amount), lang),
            "high": tpl.money(float(p.max_amount), lang),
        }
        if r.amount is None:
            msg = tpl.t("score_ask_amount", lang, **kw)
        else:
            msg = tpl.t("score_bad_amount", lang, amount=tpl.money(r.amount, lang), **kw)
        nxt: Workflow = {**wf, "customer_id": c.identity_id, "product_id": p.id, "needs": "amount"}
        nxt.pop("amount", None)
        return _reply(msg, tpl, lang, nxt)
    assert r.product is not None and r.score is not None and r.amount is not None
    head = tpl.t(
        "score_scored",
        lang,
        customer=customer,
        name=c.full_name,
        product=r.product.name,
        amount=tpl.money(r.amount, lang),
        score=tpl.num(r.score, lang),
        band=r.band,
        decision=tpl.t(f"score_decision_{r.decision}", lang),
    )
    parts = [head, _factor_table(r.factors, tpl, lang)]
    extra = [x for x in r.reasons if not any(x.startswith(f.reason) for f in r.factors)]
    parts += [f"- {x}" for x in extra]
    decision = {
        "workflow": "loan_scoring",
        "customer_id": c.identity_id,
        "product_id": r.product.id,
        "amount": r.amount,
        "score": r.score,
        "band": r.band,
        "decision": r.decision,
        "score_id": r.score_id,
    }
    publish(runtime, DECISION_MADE, decision)
    if r.decision == "refer":
        parts.append(tpl.t("score_review", lang))
        publish(runtime, HUMAN_INTERVENTION, {**decision, "reason": "borderline score: refer for human review"})
    parts.append(tpl.t("score_saved", lang))
    out = _reply("\n\n".join(parts), tpl, lang, None)
    out["answer"]["decision"] = {k: decision[k] for k in ("score", "band", "decision", "score_id")}
    return out


class ScoringState(RouterState):
    draft: Workflow  # the workflow's inputs after this turn's reply
    cancelled: bool
    replying: bool  # the turn answers a question about which customer


def read_turn(state: ScoringState, runtime: Runtime[Context]) -> dict[str, Any]:
    """What this turn adds to the workflow: a cancel, or ids, a product and an amount read from the reply."""
    text = last_user_text(state)
    wf: Workflow = dict(state.get("workflow") or {})  # type: ignore[assignment]
    if wf.get("needs") and cancels(text):
        return {"cancelled": True, "replying": False, "draft": wf}
    draft = read_reply(text, state["entities"], wf if wf.get("needs") else {})
    return {"cancelled": False, "replying": wf.get("needs") == "customer", "draft": draft}


def advance(state: ScoringState, runtime: Runtime[Context]) -> dict[str, Any]:
    """The next step: find the customer, offer products, ask the amount, or score and save."""
    lang, text, wf = state["language"], last_user_text(state), state["draft"]
    tpl = runtime.context.services.templates
    if state["cancelled"]:
        return _reply(tpl.t("score_cancelled", lang), tpl, lang, None)
    if "customer_id" not in wf:
        return _find_customer(text, runtime, lang, wf, state["replying"])
    out = _step(wf, runtime, lang)
    nxt: Workflow = dict(out.get("workflow") or {})  # type: ignore[assignment]
    if nxt.get("needs") == "product" and (pid := named_product(text, nxt.get("choices") or [])) is not None:
        # The product was named in words before the list was shown: "... with the Two-Wheeler Loan".
        nxt["product_id"] = pid
        out = _step(nxt, runtime, lang)
    return out


loan_scoring_graph = steps(AGENT, ScoringState, ("read_turn", read_turn), ("advance", advance))


def await_reply(state: RouterState) -> dict[str, Any]:
    """Pause the thread until the user answers the workflow's question; the answer is the next turn."""
    wf = state.get("workflow") or {}
    name = "loan_scoring" if wf.get("agent", AGENT) == AGENT else str((wf.get("action") or {}).get("tool", ""))
    reply = interrupt({"workflow": name, "needs": wf.get("needs"), "question": state["answer"]["message"]})
    if isinstance(reply, dict):
        text, lang = str(reply.get("text", "")), reply.get("language") or state["language"]
    else:
        text, lang = str(reply), state["language"]
    return {"messages": [HumanMessage(content=text)], "language": lang}
