"""Scripted behaviours of the fake OpenAI server: request body in, `Reply` out.

Each script recognises what is asked from the request itself: a forced function (structured output),
the phrasing or retrieval prompts of bank_router.llm.prompts, a tool choice, or a reply after tool results.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Body = dict[str, Any]


@dataclass
class Reply:
    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {"name", "arguments": dict | raw str}
    status: int = 200
    hang: float = 0.0  # extra seconds before answering (a model that times out)
    raw: str | None = None  # a body sent as it is (malformed JSON)
    headers: dict[str, str] = field(default_factory=dict)


Script = Callable[[Body], Reply]
SCRIPTS: dict[str, Script] = {}

_DATA = r'<data label="{label}" id="(\w+)">\n(.*?)\n</data id="\1">'
_INT = re.compile(r"\b\d+\b")
_REF = re.compile(r"\b[A-Z]{2,}-\d+\b")


def register(name: str) -> Callable[[Script], Script]:
    def add(fn: Script) -> Script:
        SCRIPTS[name] = fn
        return fn

    return add


# -- reading a request ----------------------------------------------------------------------------------


def text_of(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def system_text(body: Body) -> str:
    return "\n".join(text_of(m) for m in body.get("messages", []) if m.get("role") in ("system", "developer"))


def last(body: Body) -> dict[str, Any]:
    messages = body.get("messages") or [{}]
    return dict(messages[-1])


def data_block(text: str, label: str) -> str | None:
    found = re.search(_DATA.format(label=re.escape(label)), text, re.DOTALL)
    return found.group(2) if found else None


def user_words(body: Body) -> str:
    """The user's request: inside its data block when the router sent one, else the last user message."""
    user = [text_of(m) for m in body.get("messages", []) if m.get("role") == "user"]
    text = user[-1] if user else ""
    for label in ("customer_message", "staff_request", "customer_question"):
        if (inner := data_block(text, label)) is not None:
            return inner
    return text


def forced_function(body: Body) -> str | None:
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return str((choice.get("function") or {}).get("name"))
    return None


def offered_tools(body: Body) -> dict[str, dict[str, Any]]:
    return {t["function"]["name"]: t["function"] for t in body.get("tools") or [] if t.get("type") == "function"}


def kind(body: Body) -> str:
    system = system_text(body)
    if forced_function(body):
        return "structured"
    if "Rewrite the draft answer" in system:
        return "phrase"
    if "numbered knowledge excerpts" in system:
        return "retrieval"
    if last(body).get("role") == "tool":
        return "after_tools"
    if body.get("tools"):
        return "tools"
    return "chat"


# -- a well-behaved model -------------------------------------------------------------------------------

_INTENT_CUES = (
    ("comparison_graph", r"\b(compare|difference|differ|vs|versus|better)\b"),
    ("onboarding_graph", r"\b(how (do|can) i open|steps|onboard|register|documents? (do i )?need)\b"),
    ("eligibility_graph", r"\b(eligible|qualify|can (i|a|my)|allowed to open)\b"),
    ("servicing_graph", r"\b(customer|loan|transaction|kyc|ref)\b.*\d"),
    ("product_info_graph", r"\b(what|rate|fee|interest|profit|limit|feature)\b"),
)


def pick_intent(body: Body) -> dict[str, Any]:
    text, offered = user_words(body).lower(), system_text(body)
    for agent, cue in _INTENT_CUES:
        if f"- {agent}:" in offered and re.search(cue, text):
            return {"agent": agent, "confidence": 0.8, "products": []}
    return {"agent": "clarification_agent", "confidence": 0.4, "products": []}


def fill_args(tool: dict[str, Any], text: str) -> dict[str, Any]:
    """Required arguments from the request: integers for integer fields, a reference or a name for strings."""
    schema = tool.get("parameters") or {}
    args: dict[str, Any] = {}
    ints = _INT.findall(text)
    for name in schema.get("required", []):
        prop = schema.get("properties", {}).get(name, {})
        kinds = {o.get("type") for o in prop.get("anyOf", [prop])}
        if "integer" in kinds and ints:
            args[name] = int(ints[0])
        elif (ref := _REF.search(text)) is not None:
            args[name] = ref.group(0)
        elif "integer" not in kinds:
            args[name] = text.split()[-1].strip("?.!")
    return args


def pick_tools(body: Body) -> list[dict[str, Any]]:
    """The offered tool whose name shares most words with the request."""
    text = user_words(body).lower()
    words = set(re.findall(r"[a-z]+", text.replace("transactions", "transaction")))
    scored = []
    for name, tool in offered_tools(body).items():
        parts = set(name.split("_")) - {"get", "list", "info", "status", "by", "id"}
        scored.append((len(parts & words), -len(parts), name, tool))
    scored.sort(reverse=True)
    if not scored or scored[0][0] == 0:
        return []
    _, _, name, tool = scored[0]
    return [{"name": name, "arguments": fill_args(tool, user_words(body))}]


def _excerpt(body: Body, n: int) -> str | None:
    return data_block(text_of(last(body)), f"[{n}] " + _path_of(body, n))


def _path_of(body: Body, n: int) -> str:
    found = re.search(rf'<data label="\[{n}\] ([^"]+)"', text_of(last(body)))
    return found.group(1) if found else ""


def grounded_reply(body: Body) -> Reply:
    what = kind(body)
    if what == "structured":
        name = forced_function(body) or ""
        args = pick_intent(body) if name == "IntentChoice" else {}
        return Reply(tool_calls=[{"name": name, "arguments": args}])
    if what == "phrase":
        return Reply(content=data_block(text_of(last(body)), "draft_answer") or "")
    if what == "retrieval":
        excerpt = _excerpt(body, 1)
        if not excerpt:
            return Reply(content="NO_ANSWER")
        first = re.split(r"(?<=[.।])\s", excerpt.split("\n", 1)[-1].strip(), maxsplit=1)[0]
        return Reply(content=f"{first} [1]")
    if what == "tools":
        calls = pick_tools(body)
        return Reply(tool_calls=calls) if calls else Reply(content="I could not find a tool for that.")
    if what == "after_tools":
        results = [text_of(m) for m in body.get("messages", []) if m.get("role") == "tool"]
        return Reply(content="Here is what the platform returned: " + " ".join(results)[:600])
    return Reply(content="Hello! How can I help with your banking today?")


register("grounded")(grounded_reply)


# -- faults ---------------------------------------------------------------------------------------------

INVENTED = " Good news: the rate is now 11.75% and a cashback of ৳2,500 applies until 2031."


@register("invent")
def invent(body: Body) -> Reply:
    """Well-formed replies that slip in figures no source has."""
    what, reply = kind(body), grounded_reply(body)
    if what in ("phrase", "chat", "after_tools") or (what == "retrieval" and reply.content != "NO_ANSWER"):
        return Reply(content=(reply.content or "") + INVENTED)
    if what == "structured" and reply.tool_calls:
        reply.tool_calls[0]["arguments"] = {**reply.tool_calls[0]["arguments"], "age": 45, "amount": 77777}
    if what == "tools":
        tools = offered_tools(body)
        name = "get_customer_kyc" if "get_customer_kyc" in tools else next(iter(tools), "get_customer_kyc")
        return Reply(tool_calls=[{"name": name, "arguments": {"identity_id": 98765}}])
    return reply


def _rng(body: Body) -> random.Random:
    digest = hashlib.sha256(user_words(body).encode()).hexdigest()
    return random.Random(int(digest[:12], 16))


_AGENTS = ("eligibility_graph", "comparison_graph", "product_info_graph", "onboarding_graph", "servicing_graph",
           "loan_scoring_graph", "policy_guard", "clarification_agent", "banana_graph")  # fmt: skip
_WORDS = ("purple", "quantum", "banana", "ledger", "moonlight", "vortex", "cactus", "nebula", "teapot", "zeppelin")


@register("nonsense")
def nonsense(body: Body) -> Reply:
    """Confident, well-formed garbage: random agents, invented products and figures, unknown tools."""
    rng, what = _rng(body), kind(body)
    if what == "structured":
        args = {"agent": rng.choice(_AGENTS), "confidence": 0.99, "products": ["Quantum Unicorn Saver"],
                "age": 200, "amount": 31337, "monthly_income": 9}  # fmt: skip
        return Reply(tool_calls=[{"name": forced_function(body), "arguments": args}])
    if what == "tools":
        return Reply(tool_calls=[
            {"name": "transfer_funds", "arguments": {"amount": 5000, "to": "attacker"}},
            {"name": "get_customer_kyc", "arguments": {"identity_id": 424242}},
        ])  # fmt: skip
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 20)))
    return Reply(content=f"{words.capitalize()} {rng.randint(10, 999)} [{rng.randint(1, 9)}] {rng.random():.2f}%.")


@register("down")
def down(body: Body) -> Reply:
    return Reply(status=500, content="scripted outage")


@register("rate_limited")
def rate_limited(body: Body) -> Reply:
    return Reply(status=429, content="slow down", headers={"retry-after": "0.05"})


@register("timeout")
def timeout(body: Body) -> Reply:
    """Answers, but only after 30 s: far beyond any client timeout."""
    reply = grounded_reply(body)
    reply.hang = 30.0
    return reply


@register("malformed")
def malformed(body: Body) -> Reply:
    if body.get("stream"):
        return Reply(raw='data: {"id": "x", "choices": [{"delta": \n\n')
    return Reply(raw='{"id": "chatcmpl-x", "object": "chat.completion", "choices": [{"message": ')


@register("unknown_tool")
def unknown_tool(body: Body) -> Reply:
    """Calls functions that were never offered."""
    if kind(body) in ("structured", "tools"):
        return Reply(tool_calls=[{"name": "delete_customer", "arguments": json.dumps({"identity_id": 123})}])
    return grounded_reply(body)


def flaky(failures: int, then: Script = grounded_reply, status: int = 500) -> Script:
    """Fails the first `failures` requests with `status`, then behaves like `then`."""
    seen = {"n": 0}

    def script(body: Body) -> Reply:
        seen["n"] += 1
        return Reply(status=status, content="scripted failure") if seen["n"] <= failures else then(body)

    return script
