"""Estimated cost of model calls from a per-model price table (USD per one million tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_FILE = Path(__file__).resolve().parent / "prices.yaml"


@dataclass(frozen=True)
class Price:
    input: float
    output: float


@dataclass(frozen=True)
class PriceTable:
    prices: dict[str, Price]

    @classmethod
    def load(cls, path: Path | None = None) -> PriceTable:
        raw = yaml.safe_load((path or DEFAULT_FILE).read_text("utf-8")) or {}
        return cls({str(k): Price(float(v.get("input", 0)), float(v.get("output", 0))) for k, v in raw.items()})

    def price(self, model: str) -> Price:
        if model in self.prices:
            return self.prices[model]
        # "gpt-4o-mini-2024-07-18" is priced as "gpt-4o-mini": the longest listed prefix wins.
        prefixes = [k for k in self.prices if model.startswith(k)]
        if prefixes:
            return self.prices[max(prefixes, key=len)]
        return self.prices.get("default", Price(0.0, 0.0))

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float:
        p = self.price(model)
        return round((input_tokens * p.input + output_tokens * p.output) / 1_000_000, 8)
