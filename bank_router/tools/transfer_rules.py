"""How a transfer goes: rail, fee, limits and arrival time, read from the bank's support knowledge.

Every figure comes from a support topic's facts (knowledge/support/...: transfer_speed_and_limits,
transfer_and_add_money_fees, add_beneficiary), so editing the knowledge changes what the tool does.
Times in the knowledge are Bangladesh time (UTC+6); working days are Sunday to Thursday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bank_router.knowledge.catalog import Catalog
from bank_router.tools.spec import ToolUnavailable, TransferRefused

SPEED = "transfer_speed_and_limits"
FEES = "transfer_and_add_money_fees"
PAYEES = "add_beneficiary"
LOCAL = timedelta(hours=6)  # Bangladesh Standard Time, no daylight saving
WORKING_DAYS = {6, 0, 1, 2, 3}  # Sunday..Thursday (Monday is 0)
CENT = Decimal("0.01")


def fact(catalog: Catalog, topic: str, key: str) -> float | str:
    doc = catalog.support.get(topic)
    value = next((f.value for f in doc.meta.facts if f.key == key), None) if doc is not None else None
    if value is None:
        raise ToolUnavailable("transfer_funds")
    return value


def amount_fact(catalog: Catalog, topic: str, key: str) -> Decimal:
    return Decimal(str(fact(catalog, topic, key)))


def clock_fact(catalog: Catalog, topic: str, key: str) -> time:
    """'1:30 pm' -> 13:30."""
    return datetime.strptime(str(fact(catalog, topic, key)).strip().upper(), "%I:%M %p").time()


@dataclass(frozen=True)
class Quote:
    rail: str
    fee: Decimal
    expected_arrival: str
    daily_limit: Decimal | None


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() not in WORKING_DAYS:
        day += timedelta(days=1)
    return day


def _beftn_arrival(catalog: Catalog, local: datetime) -> str:
    working = local.weekday() in WORKING_DAYS
    batch = local.date() if working and local.time() < clock_fact(catalog, SPEED, "beftn_cutoff") else None
    if batch is None:
        batch = _next_working_day(local.date())
    return f"By the end of {_next_working_day(batch).strftime('%A %d %B %Y')} (BEFTN batch of {batch:%d %B})"


def _rtgs_open(catalog: Catalog, local: datetime) -> bool:
    start, end = clock_fact(catalog, SPEED, "rtgs_start"), clock_fact(catalog, SPEED, "rtgs_end")
    return local.weekday() in WORKING_DAYS and start <= local.time() <= end


def choose_rail(catalog: Catalog, requested: str, internal: bool, amount: Decimal, now: datetime) -> str:
    """The rail for `amount`: internal for our own bank; else NPSB up to its per-transfer limit, RTGS from its
    minimum while its window is open, BEFTN otherwise. An explicit rail is checked against the same rules."""
    if internal:
        if requested not in ("auto", "internal"):
            raise TransferRefused("Transfers within Prime Bank always go internally", "rail_not_allowed")
        return "internal"
    if requested == "internal":
        raise TransferRefused("This payee is at another bank: choose NPSB, BEFTN or RTGS", "rail_not_allowed")
    local = now + LOCAL
    npsb_cap, rtgs_min = amount_fact(catalog, SPEED, "npsb_txn_limit"), amount_fact(catalog, SPEED, "rtgs_min")
    rail = requested
    if requested == "auto":
        if amount <= npsb_cap:
            rail = "NPSB"
        elif amount >= rtgs_min and _rtgs_open(catalog, local):
            rail = "RTGS"
        else:
            rail = "BEFTN"
    if rail == "NPSB" and amount > npsb_cap:
        raise TransferRefused(f"NPSB takes at most {npsb_cap:,.0f} BDT a time", "over_limit", limit=float(npsb_cap))
    if rail == "RTGS" and amount < rtgs_min:
        raise TransferRefused(f"RTGS starts at {rtgs_min:,.0f} BDT", "under_minimum", minimum=float(rtgs_min))
    if rail == "RTGS" and not _rtgs_open(catalog, local):
        start, end = fact(catalog, SPEED, "rtgs_start"), fact(catalog, SPEED, "rtgs_end")
        raise TransferRefused(f"RTGS runs on working days from {start} to {end} only", "rtgs_closed")
    return rail


def quote(catalog: Catalog, rail: str, now: datetime) -> Quote:
    """Fee (with VAT), arrival and daily limit of a transfer by `rail`."""
    if rail == "internal":
        return Quote(rail, Decimal(0), "Instantly", amount_fact(catalog, SPEED, "own_daily_limit"))
    base = amount_fact(catalog, FEES, f"{rail.lower()}_fee")
    vat = amount_fact(catalog, FEES, "vat")
    fee = (base * (1 + vat / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
    if rail == "NPSB":
        return Quote(rail, fee, "Within seconds", amount_fact(catalog, SPEED, "npsb_daily_limit"))
    if rail == "RTGS":
        return Quote(rail, fee, "Within minutes", None)
    return Quote(rail, fee, _beftn_arrival(catalog, now + LOCAL), amount_fact(catalog, SPEED, "beftn_daily_limit"))


def new_payee_cap(catalog: Catalog, added: datetime, now: datetime) -> Decimal | None:
    """The most a payee added within the cooling period may receive, or None once it is over."""
    hours = float(fact(catalog, PAYEES, "cooling_hours"))
    if now - added >= timedelta(hours=hours):
        return None
    return amount_fact(catalog, PAYEES, "cooling_limit")


def local_day_start(now: datetime) -> datetime:
    """Midnight of today in Bangladesh, as naive UTC: daily limits count from there."""
    local = now + LOCAL
    return datetime.combine(local.date(), time()) - LOCAL
