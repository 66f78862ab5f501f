"""Bilingual answer templates and the number formats answers use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bank_router.language.parsing import to_bangla_digits

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "graphs" / "templates.yaml"


def group_thousands(value: float) -> str:
    """1000 -> 1,000; 3.5 -> 3.5 (no trailing zeros)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Templates:
    table: dict[str, Any]

    @classmethod
    def load(cls, path: Path = DEFAULT_FILE) -> Templates:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def t(self, key: str, language: str, **kw: object) -> str:
        entry = self.table[key]
        text = entry.get(language) or entry["en"]
        return str(text.format(**kw) if kw else text)

    def num(self, value: float, language: str) -> str:
        s = group_thousands(value)
        return to_bangla_digits(s) if language == "bn" else s

    def money(self, value: float, language: str, unit: str = "BDT") -> str:
        if unit == "USD":
            return f"${self.num(value, language)}" if language == "en" else f"{self.num(value, language)} মার্কিন ডলার"
        return f"৳{self.num(value, language)}"

    def pct(self, value: float, language: str) -> str:
        return f"{self.num(value, language)}%"

    def amount(self, value: float | str, unit: str, language: str) -> str:
        """A figure with its unit as a person would read it."""
        if unit == "text" or isinstance(value, str):
            return to_bangla_digits(str(value)) if language == "bn" else str(value)
        if unit in ("BDT", "USD"):
            return self.money(value, language, unit)
        if unit == "percent":
            return self.pct(value, language)
        en, bn = _UNIT_WORDS[unit]
        word = bn if language == "bn" else (en[:-1] if value == 1 and en.endswith("s") else en)
        return f"{self.num(value, language)} {word}".strip()


_UNIT_WORDS = {
    "months": ("months", "মাস"),
    "years": ("years", "বছর"),
    "count": ("", ""),
    "hours": ("hours", "ঘণ্টা"),
    "minutes": ("minutes", "মিনিট"),
    "days": ("days", "দিন"),
    "working_days": ("working days", "কার্যদিবস"),
}
