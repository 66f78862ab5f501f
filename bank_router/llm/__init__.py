"""The optional model engine: an OpenAI-compatible chat model used only where it adds something."""

from __future__ import annotations

from bank_router.llm.breaker import CircuitBreaker
from bank_router.llm.client import LLM
from bank_router.llm.factory import build_llm

__all__ = ["LLM", "CircuitBreaker", "build_llm"]
