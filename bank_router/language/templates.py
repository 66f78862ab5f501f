"""Bilingual answer templates and the number formats answers use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bank_router.language.parsing import to_bangla_digits

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "graphs" / "templates.yaml"


def group_thousands(value: float, lakh: bool = False) -> str:
    """1000 -> 1,000; 3.5 -> 3.5 (no trailing zeros). With `lakh`, the Bangladeshi grouping a Bangla
    reader expects: the last three digits, then twos (20000000 -> 2,00,00,000)."""
    whole, _, frac = f"{abs(value):.2f}".rstrip("0").rstrip(".").partition(".")
    if lakh and len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        pairs = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
        grouped = ",".join([*pairs, tail])
    else:
        grouped = f"{int(whole):,}"
    sign = "-" if value < 0 else ""
    return f"{sign}{grouped}.{frac}" if frac else f"{sign}{grouped}"


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
        if language == "bn":
            return to_bangla_digits(group_thousands(value, lakh=True))
        return group_thousands(value)

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
