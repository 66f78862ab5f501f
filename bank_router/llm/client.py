"""The model client: one chat model per process, a per-turn time budget, retries, a circuit breaker, usage.

Every call returns None instead of raising: the caller then keeps its deterministic answer. The chat
model comes in from outside (ChatOpenAI from settings, or a scripted fake in tests).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from prometheus_client import Counter
from pydantic import BaseModel, ValidationError

from bank_router.llm.breaker import CircuitBreaker
from bank_router.llm.pricing import PriceTable

log = structlog.get_logger(__name__)

CALLS = Counter("bank_router_llm_calls_total", "Model calls by purpose and outcome", ["purpose", "outcome"])
MIN_CALL_SECONDS = 0.05  # less budget than this left: do not start a call
MAX_TURNS = 1024  # ledgers kept for turns still running
T = TypeVar("T", bound=BaseModel)


@dataclass
class Ledger:
    """What one turn spent on the model."""

    started: float
    calls: int = 0
    failures: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    accepted: set[str] = field(default_factory=set)  # model outputs that shaped the answer


def _status(exc: Exception) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    value = getattr(response, "headers", {}).get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def retryable(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)


class LLM:
    """Calls a chat model under a per-turn deadline; failures feed the breaker and never raise."""

    def __init__(
        self,
        model: BaseChatModel,
        *,
        model_name: str,
        provider: str = "openai",
        timeout: float = 15.0,
        max_retries: int = 2,
        backoff: float = 0.25,
        breaker: CircuitBreaker | None = None,
        prices: PriceTable | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.model_name = model_name
        self.provider = provider
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.breaker = breaker or CircuitBreaker()
        self.prices = prices or PriceTable.load()
        self.clock = clock
        self.sleep = sleep
        self._ledgers: OrderedDict[str, Ledger] = OrderedDict()
        self._lock = threading.Lock()

    def status(self) -> dict[str, str]:
        """For /healthz: which model, and whether the breaker lets calls through."""
        return {"provider": self.provider, "model": self.model_name, "breaker": self.breaker.state}

    # -- per-turn bookkeeping -------------------------------------------------------------------------

    def _ledger(self, turn: str) -> Ledger:
        with self._lock:
            ledger = self._ledgers.get(turn)
            if ledger is None:
                ledger = self._ledgers[turn] = Ledger(started=self.clock())
                while len(self._ledgers) > MAX_TURNS:
                    self._ledgers.popitem(last=False)
            return ledger

    def accept(self, turn: str, what: str) -> None:
        """A model output shaped this turn's answer (intent, entities, tools, text)."""
        self._ledger(turn).accepted.add(what)

    def retract(self, turn: str, what: str) -> None:
        self._ledger(turn).accepted.discard(what)

    def took_part(self, turn: str) -> bool:
        with self._lock:
            ledger = self._ledgers.get(turn)
        return bool(ledger and ledger.accepted)

    def finish(self, turn: str) -> tuple[bool, dict[str, Any] | None]:
        """End the turn: whether the model shaped its answer, and its usage (None: no call was made)."""
        with self._lock:
            ledger = self._ledgers.pop(turn, None)
        if ledger is None:
            return False, None
        usage = None
        if ledger.calls or ledger.failures:
            usage = {
                "provider": self.provider,
                "model": self.model_name,
                "input_tokens": ledger.input_tokens,
                "output_tokens": ledger.output_tokens,
                "estimated_cost": self.prices.cost(self.model_name, ledger.input_tokens, ledger.output_tokens),
                "latency_ms": round(ledger.seconds * 1000),
                "calls": ledger.calls + ledger.failures,
            }
        return bool(ledger.accepted), usage

    # -- calls ----------------------------------------------------------------------------------------

    def _call(self, turn: str, purpose: str, fn: Callable[[float], BaseMessage]) -> BaseMessage | None:
        ledger = self._ledger(turn)
        for attempt in range(self.max_retries + 1):
            remaining = ledger.started + self.timeout - self.clock()
            if remaining < MIN_CALL_SECONDS:
                CALLS.labels(purpose, "skipped_budget").inc()
                return None
            if not self.breaker.allow():
                CALLS.labels(purpose, "skipped_open").inc()
                return None
            t0 = self.clock()
            try:
                message = fn(remaining)
            except Exception as exc:
                ledger.seconds += self.clock() - t0
                ledger.failures += 1
                self.breaker.failure()
                status = _status(exc)
                CALLS.labels(purpose, "error").inc()
                log.warning(
                    "llm_call_failed", purpose=purpose, error=type(exc).__name__, status=status, attempt=attempt
                )
                left = ledger.started + self.timeout - self.clock()
                if not retryable(status) or attempt == self.max_retries or left < MIN_CALL_SECONDS:
                    return None
                delay = min(self.backoff * 2**attempt, _retry_after(exc) or math.inf)
                self.sleep(max(0.0, min(delay, left - MIN_CALL_SECONDS)))
                continue
            ledger.seconds += self.clock() - t0
            ledger.calls += 1
            usage = getattr(message, "usage_metadata", None) or {}
            ledger.input_tokens += int(usage.get("input_tokens", 0))
            ledger.output_tokens += int(usage.get("output_tokens", 0))
            self.breaker.success()
            CALLS.labels(purpose, "ok").inc()
            return message
        return None

    def garbage(self, purpose: str, why: str) -> None:
        """A reply that answered but is unusable (unparsable, wrong shape) counts as a failure."""
        self.breaker.failure()
        CALLS.labels(purpose, "garbage").inc()
        log.warning("llm_reply_unusable", purpose=purpose, why=why)

    def invoke(
        self,
        turn: str,
        purpose: str,
        messages: Sequence[BaseMessage],
        tools: Sequence[Any] | None = None,
        tool_choice: str | None = None,
    ) -> AIMessage | None:
        runnable: Any = self.model
        if tools:
            runnable = self.model.bind_tools(list(tools), tool_choice=tool_choice)
        message = self._call(turn, purpose, lambda remaining: runnable.invoke(list(messages), timeout=remaining))
        return message if isinstance(message, AIMessage) else None

    def structured(self, turn: str, purpose: str, schema: type[T], messages: Sequence[BaseMessage]) -> T | None:
        """One forced function call whose arguments are validated by `schema` (works on any tools-capable server)."""
        message = self.invoke(turn, purpose, messages, tools=[schema], tool_choice=schema.__name__)
        if message is None:
            return None
        calls = [c for c in message.tool_calls if c["name"] == schema.__name__]
        if not calls:
            self.garbage(purpose, "no structured reply")
            return None
        try:
            return schema.model_validate(calls[0]["args"])
        except ValidationError:
            self.garbage(purpose, "structured reply failed validation")
            return None

    def text(self, turn: str, purpose: str, messages: Sequence[BaseMessage]) -> str | None:
        """Streamed text (usage included in the stream); the turn's deadline also bounds the stream."""

        def run(remaining: float) -> BaseMessage:
            deadline = self.clock() + remaining
            acc: Any = None
            for chunk in self.model.stream(list(messages), timeout=remaining):
                acc = chunk if acc is None else acc + chunk
                if self.clock() > deadline:
                    raise TimeoutError("stream exceeded the turn's model budget")
            if acc is None:
                raise ValueError("empty stream")
            return AIMessage(content=acc.content, usage_metadata=getattr(acc, "usage_metadata", None))

        message = self._call(turn, purpose, run)
        if message is None:
            return None
        content = message.content if isinstance(message.content, str) else message.text
        if not content.strip():
            self.garbage(purpose, "empty text")
            return None
        return content
