"""Benchmark: the router in LLM mode against seed 000's single agent, on one local scripted model.

    python -m evals.bench_llm [--cases 120] [--per-call 0.05] [--per-token 0.002]

Both sides talk to the same OpenAI-compatible server on loopback (evals.fake_openai), playing the same
script (`grounded`: picks a tool by keyword when tools are offered, answers from tool results, echoes a
draft it is asked to phrase) with the same fixed latency per call and per completion token. Calls and
tokens are counted from what the server received (its own usage formula), the same way for both sides.
The baseline (evals.baseline_agent) sends its system prompt and all 27 tool schemas on every call; the
router sends a model only what a turn needs, and most turns need no call.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_openai import ChatOpenAI
from langgraph.checkpoint.memory import InMemorySaver
from prometheus_client import REGISTRY
from pydantic import SecretStr

from bank_router.logging import configure_logging
from bank_router.services import Services, build_services
from bank_router.settings import Settings, get_settings
from bank_router.turn.context import Caller, Context
from evals import baseline_agent
from evals.bench_llm_report import Phase, TurnStat, render
from evals.fake_openai import FakeOpenAI, FakeOpenAIServer, Latency
from evals.fake_scripts import SCRIPTS, Body, Reply
from evals.run import load_cases
from graphs.router import build_graph, turn_input

GUARD_COUNTER = "bank_router_output_guard_replaced_total"
WARM_UP = "What is Mudaraba?"


@dataclass
class Recorder:
    """The scripted model, wrapped to keep each reply next to its request (the server keeps the requests)."""

    script: str = "grounded"
    calls: list[tuple[Body, Reply]] = field(default_factory=list)

    def __call__(self, body: Body) -> Reply:
        reply = SCRIPTS[self.script](body)
        self.calls.append((body, reply))
        return reply

    def since(self, start: int) -> TurnStat:
        """Calls and tokens of the requests received after `start`, by the server's own usage formula."""
        calls = self.calls[start:]
        usage = [FakeOpenAI._usage(body, reply) for body, reply in calls]
        return TurnStat(
            calls=len(calls),
            prompt_tokens=sum(u["prompt_tokens"] for u in usage),
            output_tokens=sum(u["completion_tokens"] for u in usage),
            tools_offered=[len(body.get("tools") or []) for body, _ in calls],
        )


def guard_replaced() -> float:
    return REGISTRY.get_sample_value(GUARD_COUNTER) or 0.0


def caller_of(spec: dict[str, Any] | None) -> Caller:
    if not spec:
        return Caller()
    return Caller(sub=spec.get("sub", "eval-staff"), tenant=spec.get("tenant", "demo"),
                  permissions=frozenset(spec.get("permissions", [])))  # fmt: skip


def sample(cases: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """`n` cases stratified by category (every category kept, evenly spaced picks); n <= 0 or more: all."""
    if n <= 0 or n >= len(cases):
        return list(cases)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in cases:
        groups[str(case.get("category", ""))].append(case)
    share = {k: len(v) * n / len(cases) for k, v in groups.items()}
    quota = {k: max(1, int(s)) for k, s in share.items()}
    for k in sorted(share, key=lambda k: share[k] - int(share[k]), reverse=True):
        if sum(quota.values()) >= n:
            break
        quota[k] += 1
    picked = {id(g[int((i + 0.5) * len(g) / quota[k])]) for k, g in groups.items() for i in range(quota[k])}
    return [c for c in cases if id(c) in picked]


# -- the two sides ----------------------------------------------------------------------------------------


async def run_baseline(services: Services, recorder: Recorder, cases: list[dict[str, Any]]) -> Phase:
    settings = services.settings
    assert settings.openai_api_key is not None
    model = ChatOpenAI(
        model=settings.openai_model,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout,
        max_retries=0,
        temperature=settings.openai_temperature,
    )
    agent = baseline_agent.build_agent(model)
    warm = len(recorder.calls)
    await baseline_agent.chat(agent, [], WARM_UP, baseline_agent.AgentContext(Caller(), services.tools))
    phase = Phase("baseline (seed 000 single agent)", warm_up_calls=len(recorder.calls) - warm)
    for case in cases:
        ctx = baseline_agent.AgentContext(caller_of(case.get("caller")), services.tools)
        history: list[Any] = []
        for turn in case["turns"]:
            start, t0 = len(recorder.calls), time.perf_counter()
            await baseline_agent.chat(agent, history, turn["message"], ctx)
            stat = recorder.since(start)
            stat.ms = (time.perf_counter() - t0) * 1000
            phase.turns.append(stat)
    return phase


async def run_router(services: Services, recorder: Recorder, cases: list[dict[str, Any]], phrasing: str) -> Phase:
    settings = services.settings.model_copy(update={"llm_phrasing": phrasing})
    services = dataclasses.replace(services, settings=settings)
    graph = build_graph(checkpointer=InMemorySaver())

    async def turn(thread: str, caller: Caller, text: str, language: str) -> dict[str, Any]:
        config = {"configurable": {"thread_id": f"{phrasing}-{thread}"}}
        ctx = Context(caller=caller, services=services)
        out = await graph.ainvoke(turn_input(graph, config, text, language), config=config, context=ctx)
        return dict(out["answer"])

    warm = len(recorder.calls)
    await turn("warm-up", Caller(), WARM_UP, "en")
    phase = Phase(f"router (LLM_PHRASING={phrasing})", warm_up_calls=len(recorder.calls) - warm)
    replaced = guard_replaced()
    for case in cases:
        caller = caller_of(case.get("caller"))
        for t in case["turns"]:
            start, t0 = len(recorder.calls), time.perf_counter()
            answer = await turn(case["id"], caller, t["message"], t.get("language", "en"))
            stat = recorder.since(start)
            stat.ms = (time.perf_counter() - t0) * 1000
            stat.refusal = bool(answer.get("refusal"))
            stat.usage = answer.get("usage")
            phase.turns.append(stat)
    phase.replaced = int(guard_replaced() - replaced)
    return phase


# -- running ----------------------------------------------------------------------------------------------


@contextmanager
def scripted_services(latency: Latency, model: str, data_dir: Path | None = None) -> Iterator[tuple[Services, Any]]:
    """Services in LLM mode pointing at a fresh scripted server, on a throw-away demo platform."""
    recorder = Recorder()
    with FakeOpenAIServer(recorder, latency) as server, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=data_dir or Path(tmp),
            model_cache=get_settings().model_cache_dir,
            openai_api_key=SecretStr("bench-key"),
            openai_base_url=server.base_url,
            openai_model=model,
            llm_phrasing="auto",
        )
        yield build_services(settings), (server, recorder)


async def run_all(services: Services, recorder: Recorder, cases: list[dict[str, Any]], modes: list[str]) -> list[Phase]:
    phases = [await run_baseline(services, recorder, cases)]
    for mode in modes:
        phases.append(await run_router(services, recorder, cases, mode))
    return phases


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=120, help="test cases, stratified; >= 1 per category (0: all)")
    ap.add_argument("--per-call", type=float, default=0.05, help="seconds before each model reply")
    ap.add_argument("--per-token", type=float, default=0.002, help="seconds per completion token")
    ap.add_argument("--model", default="gpt-4o-mini", help="model name sent and priced (bank_router/llm/prices.yaml)")
    ap.add_argument("--phrasing", nargs="+", default=["auto", "all"], choices=("auto", "all", "off"))
    ap.add_argument("--data-dir", type=Path, help="platform and index directory (default: a temporary one)")
    args = ap.parse_args(argv)
    configure_logging("ERROR")
    everything = load_cases("test")
    cases = sample(everything, args.cases)
    latency = Latency(per_call=args.per_call, per_token=args.per_token)
    t0 = time.perf_counter()
    with scripted_services(latency, args.model, args.data_dir) as (services, (server, recorder)):
        phases = asyncio.run(run_all(services, recorder, cases, args.phrasing))
        received = len(server.requests)
    print(render(phases, cases, len(everything), latency, services, received, time.perf_counter() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
