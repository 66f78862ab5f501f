"""The model client: breaker, retries, per-turn budget, structured output, usage and cost."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from bank_router.llm import CircuitBreaker, build_llm
from bank_router.llm.pricing import PriceTable
from bank_router.settings import Settings
from tests.fake_models import ScriptedChatModel, StatusError, make_llm, tool_call


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Choice(BaseModel):
    agent: str
    confidence: float


def test_breaker_opens_after_consecutive_failures_then_probes_once() -> None:
    clock = Clock()
    b = CircuitBreaker(failures=3, cooldown=10, clock=clock)
    for _ in range(2):
        b.failure()
    assert b.allow() and str(b.state) == "closed"
    b.failure()
    assert not b.allow()
    assert str(b.state) == "open"
    clock.now = 10.5
    assert str(b.state) == "half_open"
    assert b.allow()  # the probe
    assert not b.allow()  # only one at a time
    b.failure()
    assert str(b.state) == "open"
    clock.now = 21
    assert b.allow()
    b.success()
    assert str(b.state) == "closed" and b.allow()


def test_breaker_success_resets_the_count() -> None:
    b = CircuitBreaker(failures=2, cooldown=10)
    b.failure()
    b.success()
    b.failure()
    assert str(b.state) == "closed"


def test_price_table_costs_per_million_tokens_and_matches_dated_models() -> None:
    prices = PriceTable.load()
    assert prices.cost("gpt-4o-mini", 1_000_000, 1_000_000) == 0.75
    assert prices.cost("gpt-4o-mini-2024-07-18", 1000, 0) == 0.00015
    assert prices.cost("some-local-model", 5000, 5000) == 0.0


def test_retries_5xx_with_backoff_then_succeeds() -> None:
    sleeps: list[float] = []
    model = ScriptedChatModel(responses=[StatusError(500), StatusError(503), "fine"])
    llm = make_llm(model, sleep=sleeps.append, backoff=0.25)
    assert llm.text("t1", "phrase", []) == "fine"
    assert len(model.received) == 3
    assert sleeps == [0.25, 0.5]
    _, usage = llm.finish("t1")
    assert usage is not None and usage["calls"] == 3 and usage["input_tokens"] == 100


def test_at_most_two_retries_and_no_retry_on_4xx() -> None:
    model = ScriptedChatModel(responses=[StatusError(500)])
    llm = make_llm(model, breaker=CircuitBreaker(failures=10))
    assert llm.text("t1", "phrase", []) is None
    assert len(model.received) == 3
    model400 = ScriptedChatModel(responses=[StatusError(400)])
    assert make_llm(model400).text("t2", "phrase", []) is None
    assert len(model400.received) == 1


def test_open_breaker_skips_the_model() -> None:
    model = ScriptedChatModel(responses=[StatusError(500)])
    llm = make_llm(model, breaker=CircuitBreaker(failures=3, cooldown=60))
    llm.text("t1", "phrase", [])  # three failed attempts open the breaker
    assert llm.breaker.state == "open"
    calls = len(model.received)
    assert llm.text("t2", "phrase", []) is None
    assert len(model.received) == calls
    assert llm.status()["breaker"] == "open"


def test_turn_budget_stops_calls_once_spent() -> None:
    clock = Clock()

    def slow(messages: object) -> str:
        clock.now += 2.0
        raise TimeoutError("read timeout")

    model = ScriptedChatModel(reply=slow)
    llm = make_llm(model, timeout=2.0, clock=clock, breaker=CircuitBreaker(failures=10))
    assert llm.text("t1", "intent", []) is None
    assert llm.text("t1", "phrase", []) is None  # same turn: no budget left, no call
    assert len(model.received) == 1
    assert llm.text("t2", "phrase", []) is None  # a new turn has its own budget
    assert len(model.received) == 2


def test_structured_output_is_validated() -> None:
    good = ScriptedChatModel(responses=[tool_call("Choice", agent="comparison_graph", confidence=0.9)])
    choice = make_llm(good).structured("t", "intent", Choice, [])
    assert choice == Choice(agent="comparison_graph", confidence=0.9)
    assert good.bound and good.bound[0] == [Choice]
    bad = ScriptedChatModel(responses=[tool_call("Choice", agent="x", confidence="very")])
    llm = make_llm(bad, breaker=CircuitBreaker(failures=1))
    assert llm.structured("t", "intent", Choice, []) is None
    assert llm.breaker.state == "open"  # garbage counts as a failure


def test_usage_and_mode_per_turn() -> None:
    llm = make_llm(ScriptedChatModel(responses=["a", "b"]))
    llm.text("t", "intent", [])
    llm.text("t", "phrase", [])
    llm.accept("t", "text")
    shaped, usage = llm.finish("t")
    assert shaped and usage is not None
    assert usage == {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "input_tokens": 200,
        "output_tokens": 40,
        "estimated_cost": 0.000054,
        "latency_ms": usage["latency_ms"],
        "calls": 2,
    }
    assert llm.finish("t") == (False, None)


def test_no_key_means_no_model_and_the_key_stays_secret() -> None:
    assert build_llm(Settings(openai_api_key=None)) is None
    assert build_llm(Settings(openai_api_key=SecretStr("  "))) is None
    settings = Settings(openai_api_key=SecretStr("sk-test-secret-123"), openai_base_url="http://127.0.0.1:9/v1")
    llm = build_llm(settings)
    assert llm is not None and llm.timeout == 15.0 and llm.max_retries == 2
    assert llm.model.max_retries == 0  # type: ignore[attr-defined]
    assert "sk-test-secret-123" not in repr(settings) and "sk-test-secret-123" not in str(llm.status())
