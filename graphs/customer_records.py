"""What the customer steps share: running a customer tool as the caller, reading its result, and the
answer of an action step (with what it waits for), its choices and a hand-over to a person."""

from __future__ import annotations

import json
import re
from typing import Any

from langgraph.runtime import Runtime

from bank_router.language.parsing import fold, normalize_digits
from bank_router.tools import ToolForbidden, execute
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState, Workflow
from graphs.common import answer
from graphs.handover import hand_over

AGENT = "servicing_graph"
CONFIDENCE = 0.9
ASK = 0.45  # a question back reports under 0.5 (CONTRACT.md)
_ORDINALS = {"first": 0, "1st": 0, "one": 0, "second": 1, "2nd": 1, "two": 1, "third": 2, "3rd": 2, "three": 2}


def run(tool: str, args: dict[str, Any], runtime: Runtime[Context]) -> dict[str, Any]:
    """One customer tool as the caller; its result as JSON-ready data (ToolError propagates)."""
    if not runtime.context.options.allows(tool):
        raise ToolForbidden(tool)  # outside the role's tool set (seed 001)
    result = execute(tool, args, runtime.context.caller, runtime.context.services.tools)
    data: dict[str, Any] = result.result.model_dump(mode="json")
    return data


def rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of a listing result, whatever the list is called."""
    for key in ("items", "accounts", "cards", "beneficiaries", "transactions"):
        value = data.get(key)
        if isinstance(value, list):
            return [v for v in value if isinstance(v, dict)]
    return []


def masked(value: Any) -> str:
    """A masked number for display: asterisks would turn into emphasis wherever markdown is rendered."""
    return str(value or "").replace("*", "•")


def reply(
    message: str, tools: list[str], confidence: float, wf: Workflow | None, *, grounds: Any = None, **extra: Any
) -> dict[str, Any]:
    """An answer of the action; its figures are grounded in `grounds` (the tool data it quotes) and in the
    waiting action's draft (the choices and labels built from tool results)."""
    out: dict[str, Any] = answer(AGENT, message, [], confidence, extra_sources=[f"tool:{t}" for t in tools])
    out["answer"]["vertical"] = None
    out["answer"]["tools_used"] = list(dict.fromkeys(tools))
    held = [g for g in (grounds, (wf or {}).get("action")) if g]
    out["answer"]["evidence"] = [g if isinstance(g, str) else json.dumps(g, ensure_ascii=False) for g in held]
    if wf and wf.get("needs"):
        out["answer"]["awaiting"] = {"workflow": wf["action"]["tool"], "needs": wf["needs"]}
    out["answer"].update(extra)
    out["workflow"] = wf
    return out


def waiting_for(needs: str, action: dict[str, Any]) -> Workflow:
    return {"agent": AGENT, "needs": needs, "action": action}


def pick(text: str, choices: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The choice a reply names: last four digits, a name or word it contains, or "the first one"."""
    folded, digits = fold(text), normalize_digits(text)
    number = re.fullmatch(r"\D{0,12}?(\d{1,2})\D{0,12}", digits.strip())
    if number and 1 <= int(number[1]) <= len(choices):
        return choices[int(number[1]) - 1]  # "2", "number 2", "the 2nd"
    for c in choices:
        if c.get("last_four") and c["last_four"] in digits:
            return c
    for word, index in _ORDINALS.items():
        if f" {word} " in f" {folded} " and index < len(choices):
            return choices[index]
    for c in choices:
        if any(w and w in folded for w in c.get("words", [])):
            return c
    return None


def handover(reason: str, context: dict[str, Any], state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Hand the conversation to a person instead of acting; the customer is told what happens next."""
    message, paths = hand_over(runtime, state["language"], reason, context)
    out = reply(message, [], 0.8, None)
    out["answer"]["sources"] = paths
    out["answer"]["handover"] = {"reason": reason}
    return out
