"""Shared generation state for one tenant, and the small value helpers every generator uses."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bank_router.platform.models import Base
from bank_router.platform.seed.scale import Scale
from bank_router.platform.seed.vocab import FEMALE_NAMES, MALE_NAMES, PHONE_PREFIXES, SURNAMES

CENT = Decimal("0.01")

Row = dict[str, Any]


def money(value: float | int | Decimal) -> Decimal:
    """`value` as taka and paisa, rounded half up."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), capped at the 28th."""
    month = day.month - 1 + months
    # Day 28 exists in every month, so schedules never skip or double up.
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def moment_on(day: date, rng: random.Random) -> datetime:
    """A random office-hours instant on `day`."""
    return datetime.combine(day, time(rng.randint(9, 19), rng.randint(0, 59), rng.randint(0, 59)))


def instant_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A random whole-second instant from `start` to `end`."""
    return start + timedelta(seconds=rng.randint(0, max(0, int((end - start).total_seconds()))))


@dataclass
class Context:
    """One tenant's rng, scale, id counters and the rows generated so far, parents before children."""

    tenant: str
    scale: Scale
    rng: random.Random = field(init=False)
    tables: dict[type[Base], list[Row]] = field(default_factory=lambda: defaultdict(list))
    counters: dict[type[Base], int] = field(default_factory=lambda: defaultdict(int))
    phones: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"bank-router:{self.tenant}:{self.scale.seed}")  # noqa: S311 - demo data, not secrets

    def next_id(self, model: type[Base]) -> int:
        """The next id of `model` in this tenant, offset by the tenant's id base."""
        self.counters[model] += 1
        return self.scale.id_base + self.counters[model]

    def add(self, model: type[Base], **values: Any) -> Row:
        """Append a row of `model` with the next id and this tenant, and return it."""
        row = {"id": self.next_id(model), "tenant": self.tenant, **values}
        self.tables[model].append(row)
        return row

    def phone(self) -> str:
        """A Bangladeshi mobile number not yet used in this tenant."""
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def person(self) -> tuple[str, str, str]:
        """A gender, first name and full name."""
        gender = self.rng.choice(("male", "female"))
        first = self.rng.choice(MALE_NAMES if gender == "male" else FEMALE_NAMES)
        surname = self.rng.choice(SURNAMES)
        if gender == "female" and self.rng.random() < 0.3:
            surname = self.rng.choice(("Akter", "Begum", "Khatun"))
        return gender, first, f"{first} {surname}"
