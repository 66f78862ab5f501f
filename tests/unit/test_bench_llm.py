"""The LLM benchmark's accounting, on a few cases with zero latency (evals.bench_llm)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from bank_router.llm import build_llm
from bank_router.services import Services
from bank_router.tools.catalog import TOOLS
from evals.baseline_agent import SYSTEM_PROMPT
from evals.bench_llm import Recorder, run_all, sample
from evals.bench_llm_report import Phase, render
from evals.fake_openai import FakeOpenAIServer, Latency
from evals.run import load_cases

CASE_IDS = ("svc-en-001",)  # a staff look-up; plus one case of each category below
CATEGORIES = ("refusal_staff_anonymous", "product_info", "eligibility")


def _cases() -> list[dict[str, Any]]:
    cases = load_cases("test")
    picked = [c for c in cases if c["id"] in CASE_IDS]
    for category in CATEGORIES:
        picked.append(next(c for c in cases if c.get("category") == category))
    return picked


@pytest.fixture(scope="module")
def bench(services: Services) -> Iterator[tuple[list[Phase], FakeOpenAIServer, Recorder, Services]]:
    recorder = Recorder()
    with FakeOpenAIServer(recorder, Latency()) as server:
        update = {"openai_api_key": SecretStr("k"), "openai_base_url": server.base_url, "openai_model": "gpt-4o-mini"}
        settings = services.settings.model_copy(update=update)
        llm_services = dataclasses.replace(services, settings=settings, llm=build_llm(settings))
        phases = asyncio.run(run_all(llm_services, recorder, _cases(), ["auto", "all"]))
        yield phases, server, recorder, llm_services


def test_calls_counted_per_turn_equal_the_requests_the_server_received(bench: Any) -> None:
    phases, server, recorder, _ = bench
    counted = sum(t.calls for p in phases for t in p.turns) + sum(p.warm_up_calls for p in phases)
    assert counted == len(server.requests) == len(recorder.calls)
    assert [p.label for p in phases] == ["baseline", "router auto", "router all"]
    assert all(len(p.turns) == len(phases[0].turns) == 4 for p in phases)


def test_the_baseline_sends_its_prompt_and_all_tool_schemas_on_every_call(bench: Any) -> None:
    phases, _, recorder, _ = bench
    baseline = phases[0]
    n = baseline.warm_up_calls + sum(t.calls for t in baseline.turns)
    for body, _ in recorder.calls[:n]:
        assert {t["function"]["name"] for t in body["tools"]} == set(TOOLS)
        assert len(body["tools"]) == 27
        assert body["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert all(t.calls >= 1 for t in baseline.turns)


def test_the_baseline_runs_its_tools_on_real_data_under_the_callers_permissions(bench: Any) -> None:
    phases, _, recorder, _ = bench
    n = phases[0].warm_up_calls + sum(t.calls for t in phases[0].turns)
    tool_results = [m["content"] for body, _ in recorder.calls[:n] for m in body["messages"] if m["role"] == "tool"]
    assert any('"kyc_status"' in r for r in tool_results)  # the staff look-up of customer 123
    assert phases[0].turns[0].calls == 2  # the tool call, then the answer


def test_the_router_makes_no_call_on_a_refusal_and_reports_its_own_usage_exactly(bench: Any) -> None:
    phases, _, _, _ = bench
    for router in phases[1:]:
        refusals = [t for t in router.turns if t.refusal]
        assert refusals and all(t.calls == 0 for t in refusals)
        for t in router.turns:
            assert t.tools_offered == [] or max(t.tools_offered) < len(TOOLS)
            if t.calls:
                assert t.usage is not None
                assert (t.usage["calls"], t.usage["input_tokens"]) == (t.calls, t.prompt_tokens)
            else:
                assert t.usage is None
        assert router.replaced == 0


def test_the_report_prints_every_side_and_the_ratios(bench: Any) -> None:
    phases, server, _, llm_services = bench
    text = render(phases, _cases(), 491, Latency(), llm_services, len(server.requests), 1.0)
    assert "MISMATCH" not in text
    assert "router (LLM_PHRASING=all) / baseline:" in text and "prompt tokens per turn" in text


def test_the_sample_is_stratified_and_keeps_staff_cases() -> None:
    cases = load_cases("test")
    picked = sample(cases, 120)
    assert len(picked) == 120
    assert {c["category"] for c in picked} == {c["category"] for c in cases}
    assert sum(1 for c in picked if c.get("caller")) >= 10
    assert sample(cases, 0) == cases
