"""Run the evals with a model configured: the local fake OpenAI server playing a scripted behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import REGISTRY
from pydantic import SecretStr

from bank_router.settings import Settings, get_settings
from evals.fake_openai import FakeOpenAIServer, Latency


@contextmanager
def llm_settings(script: str | None, phrasing: str, timeout: float) -> Iterator[tuple[Settings, Any]]:
    """Settings pointing at a fake server running `script` (None: the settings as configured, no server)."""
    if script is None:
        yield get_settings(), None
        return
    with FakeOpenAIServer(script, Latency()) as server:
        settings = get_settings().model_copy(
            update={
                "openai_api_key": SecretStr("fake-key-for-evals"),
                "openai_base_url": server.base_url,
                "openai_timeout": timeout,
                "llm_phrasing": phrasing,
            }
        )
        yield settings, server


def _sum(name: str, **labels: str) -> float:
    total = 0.0
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def llm_summary(server: Any, turns: list[Any]) -> str:
    """Model requests, rejections and usage over the run."""
    usage = [t.answer.get("usage") for t in turns if t.answer.get("usage")]
    modes = sum(1 for t in turns if t.answer.get("mode") == "llm")
    lines = [
        f"model requests received by the fake server: {len(server.requests) if server else 'n/a'}",
        f"turns with usage: {len(usage)}; turns the model shaped (mode=llm): {modes}",
        f"tokens in/out: {sum(u['input_tokens'] for u in usage)}/{sum(u['output_tokens'] for u in usage)}",
        "model calls ok/error/garbage/skipped(open)/skipped(budget): "
        + "/".join(
            str(int(_sum("bank_router_llm_calls_total", outcome=o)))
            for o in ("ok", "error", "garbage", "skipped_open", "skipped_budget")
        ),
        f"model answers rejected before the guard: {int(_sum('bank_router_llm_rejected_total'))}; "
        f"model tool calls refused: {int(_sum('bank_router_llm_tool_refused_total'))}",
    ]
    return "\n".join(lines)
