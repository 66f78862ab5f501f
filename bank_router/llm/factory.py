"""Build the model client once from settings; no API key means no model (the deterministic engine)."""

from __future__ import annotations

from bank_router.llm.breaker import CircuitBreaker
from bank_router.llm.client import LLM
from bank_router.llm.pricing import PriceTable
from bank_router.settings import Settings


def build_llm(settings: Settings) -> LLM | None:
    key = settings.openai_api_key
    if key is None or not key.get_secret_value().strip():
        return None
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(
        model=settings.openai_model,
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout,
        # Retries are ours (bank_router.llm.client): they must fit in the turn's budget and feed the breaker.
        max_retries=0,
        stream_usage=True,
        temperature=settings.openai_temperature,
    )
    return LLM(
        model,
        model_name=settings.openai_model,
        provider=settings.llm_provider,
        timeout=settings.openai_timeout,
        max_retries=settings.openai_max_retries,
        breaker=CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_cooldown),
        prices=PriceTable.load(settings.llm_prices_file),
    )
