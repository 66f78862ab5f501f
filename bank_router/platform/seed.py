"""Deterministic demo data for the platform: same seed, same rows, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from bank_router.platform.models import (
    Agent,
    Base,
    Blacklist,
    CollectionAction,
    CollectionCase,
    Customer,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    LoanScoreHistory,
    Operator,
    ReconciliationReport,
    Repayment,
    Store,
    Transaction,
)
from bank_router.settings import ROOT

# Everything is dated relative to this clock, never to the wall clock, so two runs are identical.
REFERENCE = datetime(2026, 11, 1, 9, 0, 0)
REFERENCE_DATE = REFERENCE.date()
CENT = Decimal("0.01")

Row = dict[str, Any]


@dataclass(frozen=True)
class Scale:
    """How much one tenant gets, where its ids start, and whether seed 000's example ids are pinned in it."""

    customers: int
    transactions: int
    loans: int
    agents: int
    stores: int
    operators: int
    report_days: int = 90
    id_base: int = 0
    examples: bool = False
    seed: int = 0


# Other's ids start far above anything demo generates, so an id from one tenant never names a row in the other.
TENANTS: dict[str, Scale] = {
    "demo": Scale(customers=1_000, transactions=20_000, loans=1_000, agents=30, stores=12, operators=20, examples=True),
    "other": Scale(
        customers=60, transactions=1_500, loans=80, agents=5, stores=3, operators=4, id_base=1_000_000, seed=1
    ),
}

EXAMPLE_CUSTOMERS = (123, 456, 789)
EXAMPLE_PRODUCT = 5
EXAMPLE_REFERENCE = "REF-001"
# Loan id -> (customer id, status): seed 000's loans 456 and 789, and two loans of customer 123 (one in collection).
EXAMPLE_LOANS = {123: (123, "active"), 124: (123, "overdue"), 456: (456, "active"), 789: (789, "active")}

DIVISIONS: dict[str, tuple[str, ...]] = {
    "Dhaka": ("Dhaka", "Gazipur", "Narayanganj", "Tangail", "Narsingdi", "Faridpur", "Munshiganj"),
    "Chattogram": ("Chattogram", "Cox's Bazar", "Cumilla", "Feni", "Noakhali", "Brahmanbaria"),
    "Rajshahi": ("Rajshahi", "Bogura", "Pabna", "Naogaon", "Sirajganj"),
    "Khulna": ("Khulna", "Jashore", "Kushtia", "Satkhira", "Bagerhat"),
    "Barishal": ("Barishal", "Patuakhali", "Bhola"),
    "Sylhet": ("Sylhet", "Moulvibazar", "Habiganj", "Sunamganj"),
    "Rangpur": ("Rangpur", "Dinajpur", "Kurigram", "Gaibandha"),
    "Mymensingh": ("Mymensingh", "Jamalpur", "Netrokona", "Sherpur"),
}
DISTRICT_DIVISION = {d: div for div, districts in DIVISIONS.items() for d in districts}
DISTRICTS = tuple(DISTRICT_DIVISION)
# Dhaka-heavy, like the customer base of a Bangladeshi bank.
DISTRICT_WEIGHTS = tuple(
    12 if d == "Dhaka" else 4 if d in ("Chattogram", "Gazipur", "Narayanganj") else 1 for d in DISTRICTS
)
AREAS = (
    "Mirpur",
    "Dhanmondi",
    "Uttara",
    "Mohammadpur",
    "Banani",
    "Motijheel",
    "Sadar",
    "Station Road",
    "College Road",
    "Bazar Road",
    "Kazipara",
    "Agrabad",
    "Zindabazar",
    "Shaheb Bazar",
)

MALE_NAMES = (
    "Abdul",
    "Rahim",
    "Karim",
    "Tanvir",
    "Shafiqul",
    "Mizanur",
    "Habibur",
    "Arif",
    "Sakib",
    "Imran",
    "Rafiq",
    "Jahid",
    "Nazmul",
    "Mahmud",
    "Faisal",
    "Shahidul",
    "Anisur",
    "Kamrul",
    "Sohel",
    "Rubel",
    "Masud",
    "Tariq",
    "Fahim",
    "Rakib",
    "Ashraf",
    "Belal",
    "Golam",
    "Jamal",
)
FEMALE_NAMES = (
    "Fatema",
    "Ayesha",
    "Nusrat",
    "Sharmin",
    "Taslima",
    "Farzana",
    "Rokeya",
    "Shirin",
    "Nasrin",
    "Sadia",
    "Tahmina",
    "Rumana",
    "Mitu",
    "Jannatul",
    "Sumaiya",
    "Laila",
    "Marium",
    "Khadija",
    "Afroza",
    "Shathi",
    "Nargis",
    "Rehana",
    "Sabina",
    "Tania",
)
SURNAMES = (
    "Rahman",
    "Hossain",
    "Ahmed",
    "Islam",
    "Chowdhury",
    "Khan",
    "Uddin",
    "Akter",
    "Begum",
    "Sarkar",
    "Mia",
    "Talukder",
    "Bhuiyan",
    "Sheikh",
    "Haque",
    "Alam",
    "Kabir",
    "Siddique",
    "Mollah",
    "Das",
    "Roy",
    "Saha",
    "Barua",
    "Majumder",
)
PHONE_PREFIXES = ("013", "014", "015", "016", "017", "018", "019")
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com")
# Occupation -> monthly income range in BDT.
OCCUPATIONS: dict[str, tuple[int, int]] = {
    "Garments worker": (12_000, 22_000),
    "Farmer": (10_000, 30_000),
    "Shop owner": (25_000, 120_000),
    "Teacher": (25_000, 70_000),
    "Government officer": (40_000, 150_000),
    "Private service holder": (30_000, 200_000),
    "Software engineer": (60_000, 300_000),
    "Doctor": (80_000, 400_000),
    "Driver": (15_000, 35_000),
    "Small business owner": (30_000, 250_000),
    "Expatriate worker": (40_000, 150_000),
    "Freelancer": (20_000, 180_000),
}

# Products by position: the fifth is seed 000's product 5.
PRODUCTS: tuple[tuple[str, str, int, int, str, int, int, int], ...] = (
    # name, category, min amount, max amount, annual rate %, max tenure, min monthly income, weight
    ("Salary Advance Loan", "personal", 10_000, 200_000, "9.00", 12, 20_000, 15),
    ("Auto Loan", "auto", 300_000, 4_000_000, "10.50", 60, 60_000, 8),
    ("Home Loan", "home", 1_000_000, 12_000_000, "9.50", 240, 80_000, 5),
    ("SME Business Loan", "sme", 100_000, 5_000_000, "12.00", 48, 50_000, 15),
    ("Prime Personal Loan", "personal", 50_000, 2_000_000, "11.00", 60, 30_000, 35),
    ("Education Loan", "education", 50_000, 1_500_000, "8.00", 84, 15_000, 7),
    ("Krishi Agri Loan", "agriculture", 20_000, 500_000, "8.00", 24, 10_000, 10),
    ("Two-Wheeler Loan", "auto", 50_000, 300_000, "11.50", 36, 25_000, 5),
)
TENURES = (6, 12, 18, 24, 36, 48, 60, 84, 120)

TRANSACTION_SHAPES: dict[str, tuple[tuple[str, ...], int, int, int]] = {
    # type -> (channels, min amount, max amount, weight)
    "deposit": (("branch", "agent", "atm", "app"), 500, 200_000, 25),
    "withdrawal": (("atm", "branch", "agent"), 500, 50_000, 25),
    "transfer": (("app", "branch"), 100, 100_000, 25),
    "payment": (("app", "pos"), 50, 20_000, 18),
    "remittance": (("app", "branch", "agent"), 5_000, 300_000, 7),
}
FAILURE_REASONS = (
    "Insufficient balance",
    "Daily transaction limit exceeded",
    "Invalid PIN",
    "Network timeout at switch",
    "Account frozen by compliance",
    "Beneficiary account not found",
    "Duplicate transaction",
    "Card expired",
)
REPAYMENT_METHODS = ("bkash", "nagad", "rocket", "bank_transfer", "cash", "auto_debit")
COLLECTION_ACTIONS: dict[str, tuple[str, ...]] = {
    "sms_reminder": ("Payment reminder SMS sent.", "Second reminder SMS sent with the overdue amount."),
    "call": ("Borrower promised to pay within 7 days.", "Call not answered.", "Borrower cited delayed salary."),
    "field_visit": ("Field officer visited the home address.", "Met the guarantor; repayment plan discussed."),
    "promise_to_pay": ("Borrower signed a promise to pay by month end.",),
    "legal_notice": ("Legal notice issued under the loan agreement.",),
}
BLACKLIST_REASONS = (
    "Loan written off after prolonged default",
    "Forged documents submitted with a loan application",
    "Repeated cheque dishonour",
    "Fraud report from partner bank",
)
STORE_KINDS = ("Branch", "Agent Banking Outlet", "Sub-Branch")
OPERATOR_ROLES = ("teller", "relationship_officer", "credit_officer", "branch_manager", "supervisor")


def _money(value: float | int | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    # Day 28 exists in every month, so schedules never skip or double up.
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 19), rng.randint(0, 59), rng.randint(0, 59)))


def _instant_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.randint(0, max(0, int((end - start).total_seconds()))))


def _score_band(score: int) -> tuple[str, str]:
    if score >= 80:
        return "A", "approve"
    if score >= 65:
        return "B", "approve"
    if score >= 50:
        return "C", "refer"
    return "D", "decline"


def _score_reasons(score: int, income: Decimal, rng: random.Random) -> str:
    good = ("Stable monthly income", "Clean repayment history", "Verified KYC", "Long relationship with the bank")
    bad = ("High debt-to-income ratio", "Past overdue installments", "Short account history", "Irregular deposits")
    picks = rng.sample(good, 2) if score >= 65 else rng.sample(bad, 2) if score < 50 else [good[2], bad[0]]
    return "; ".join([*picks, f"Monthly income BDT {income:,.0f}"])


class _Generator:
    """Builds one tenant's rows in memory, parents before children, for bulk insertion."""

    def __init__(self, tenant: str, scale: Scale) -> None:
        self.tenant = tenant
        self.scale = scale
        self.rng = random.Random(f"bank-router:{tenant}:{scale.seed}")  # noqa: S311 - demo data, not secrets
        self.tables: dict[type[Base], list[Row]] = defaultdict(list)
        self.counters: dict[type[Base], int] = defaultdict(int)
        self.phones: set[str] = set()

    def next_id(self, model: type[Base]) -> int:
        self.counters[model] += 1
        return self.scale.id_base + self.counters[model]

    def add(self, model: type[Base], **values: Any) -> Row:
        row = {"id": self.next_id(model), "tenant": self.tenant, **values}
        self.tables[model].append(row)
        return row

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def person(self) -> tuple[str, str, str]:
        gender = self.rng.choice(("male", "female"))
        first = self.rng.choice(MALE_NAMES if gender == "male" else FEMALE_NAMES)
        surname = self.rng.choice(SURNAMES)
        if gender == "female" and self.rng.random() < 0.3:
            surname = self.rng.choice(("Akter", "Begum", "Khatun"))
        return gender, first, f"{first} {surname}"

    def nid(self) -> str:
        if self.rng.random() < 0.6:
            # Smart NID card: 10 digits.
            return str(self.rng.randrange(10**9, 10**10))
        # Older laminated card: 13 digits, district code first.
        return f"{self.rng.randint(10, 99)}{self.rng.randint(10, 99)}{self.rng.randrange(10**9):09d}"

    def build(self) -> dict[type[Base], list[Row]]:
        self.stores_and_staff()
        self.products()
        self.customers()
        self.loans()
        self.blacklist()
        self.transactions()
        self.reconciliation()
        return self.tables

    def stores_and_staff(self) -> None:
        rng = self.rng
        for _ in range(self.scale.stores):
            district = rng.choices(DISTRICTS, DISTRICT_WEIGHTS)[0]
            area = rng.choice(AREAS)
            self.add(
                Store,
                name=f"{area} {rng.choice(STORE_KINDS)}, {district}",
                phone=self.phone(),
                address=f"Holding {rng.randint(1, 250)}, {area}, {district}",
                district=district,
                region=DISTRICT_DIVISION[district],
                status=rng.choices(("active", "inactive"), (11, 1))[0],
                created_at=_at(date(2015, 1, 1) + timedelta(days=rng.randint(0, 3000)), rng),
            )
        stores = self.tables[Store]
        for model, count in ((Agent, self.scale.agents), (Operator, self.scale.operators)):
            for _ in range(count):
                store = rng.choice(stores)
                _, first, name = self.person()
                extra: Row = {}
                if model is Operator:
                    extra = {
                        "email": f"{first.lower()}.{self.counters[Operator] + 1}@demo-bank.com.bd",
                        "role": rng.choice(OPERATOR_ROLES),
                    }
                self.add(
                    model,
                    name=name,
                    phone=self.phone(),
                    store_id=store["id"],
                    region=store["region"],
                    status=rng.choices(("active", "inactive", "suspended"), (16, 2, 1))[0],
                    created_at=max(
                        store["created_at"], _at(date(2018, 1, 1) + timedelta(days=rng.randint(0, 2800)), rng)
                    ),
                    **extra,
                )

    def products(self) -> None:
        for name, category, low, high, rate, tenure, income, _ in PRODUCTS:
            self.add(
                LoanProduct,
                name=name,
                category=category,
                min_amount=_money(low),
                max_amount=_money(high),
                interest_rate=Decimal(rate),
                max_tenure_months=tenure,
                min_monthly_income=_money(income),
            )

    def customers(self) -> None:
        rng = self.rng
        examples = {self.scale.id_base + c for c in EXAMPLE_CUSTOMERS} if self.scale.examples else set()
        for _ in range(self.scale.customers):
            gender, first, name = self.person()
            born = REFERENCE_DATE - timedelta(days=rng.randint(21 * 365, 65 * 365))
            occupation = rng.choice(tuple(OCCUPATIONS))
            low, high = OCCUPATIONS[occupation]
            district = rng.choices(DISTRICTS, DISTRICT_WEIGHTS)[0]
            created = _at(date(2016, 1, 1) + timedelta(days=rng.randint(0, 3770)), rng)
            kyc = rng.choices(("verified", "pending", "rejected"), (85, 10, 5))[0]
            row = self.add(
                Customer,
                full_name=name,
                phone=self.phone(),
                email=f"{first.lower()}{rng.randint(1, 9999)}@{rng.choice(EMAIL_DOMAINS)}"
                if rng.random() < 0.6
                else None,
                nid=self.nid(),
                date_of_birth=born,
                gender=gender,
                address=f"House {rng.randint(1, 120)}, Road {rng.randint(1, 30)}, {rng.choice(AREAS)}, {district}",
                district=district,
                occupation=occupation,
                monthly_income=_money(rng.randrange(low, high, 500)),
                kyc_status=kyc,
                kyc_verified_at=None,
                risk_rating=rng.choices(("low", "medium", "high"), (60, 30, 10))[0],
                created_at=created,
            )
            if row["id"] in examples:
                # Seed 000's example customers: long-standing, verified, low risk.
                row.update(kyc_status="verified", risk_rating="low", created_at=_at(date(2019, 3, 1), rng))
                row["monthly_income"] = max(row["monthly_income"], _money(55_000))
            if row["kyc_status"] == "verified":
                row["kyc_verified_at"] = row["created_at"] + timedelta(days=rng.randint(1, 10))

    def loans(self) -> None:
        rng = self.rng
        customers = self.tables[Customer]
        by_id = {c["id"]: c for c in customers}
        verified = [c for c in customers if c["kyc_status"] == "verified"]
        products = self.tables[LoanProduct]
        weights = [p[-1] for p in PRODUCTS]
        operators = self.tables[Operator]
        base = self.scale.id_base
        pinned = {base + k: (base + c, s) for k, (c, s) in EXAMPLE_LOANS.items()} if self.scale.examples else {}
        for index in range(1, self.scale.loans + 1):
            loan_id = base + index
            status = rng.choices(("active", "closed", "overdue", "written_off"), (60, 25, 12, 3))[0]
            customer = rng.choice(verified)
            product = self.product_for(customer, products, weights)
            if loan_id in pinned:
                customer_id, status = pinned[loan_id]
                customer = by_id[customer_id]
                product = products[EXAMPLE_PRODUCT - 1]
            self.loan(customer, product, status, rng.choice(operators)["id"])
        # Applications that never became loans: pending ones are recent, rejected ones any time.
        for _ in range(self.scale.loans * 3 // 10):
            customer = rng.choice(customers)
            product = self.product_for(customer, products, weights)
            status = rng.choices(("submitted", "under_review", "rejected"), (3, 3, 4))[0]
            days_ago = rng.randint(0, 30) if status != "rejected" else rng.randint(0, 900)
            created = max(REFERENCE - timedelta(days=days_ago, hours=rng.randint(1, 9)), customer["created_at"])
            amount, tenure = self.amount_and_tenure(product, customer, months_available=240)
            app = self.add(
                LoanApplication,
                customer_id=customer["id"],
                product_id=product["id"],
                amount=amount,
                tenure_months=tenure,
                status=status,
                created_at=created,
            )
            if status != "submitted":
                low, high = (20, 49) if status == "rejected" else (50, 70)
                self.score(customer, rng.randint(low, high), app, created + timedelta(hours=2), operators)
        if self.scale.examples:
            # Seed 000 asks for customer 789's score history and a scoring of 789 for product 5, BDT 50,000.
            customer = by_id[base + 789]
            scored_at = REFERENCE - timedelta(days=12)
            self.score(customer, 74, None, scored_at, operators, product=products[EXAMPLE_PRODUCT - 1], amount=50_000)

    def product_for(self, customer: Row, products: Sequence[Row], weights: Sequence[int]) -> Row:
        """A product whose income floor the customer meets, when there is one."""
        fits = [
            (p, w)
            for p, w in zip(products, weights, strict=True)
            if p["min_monthly_income"] <= customer["monthly_income"]
        ]
        pool = fits or list(zip(products, weights, strict=True))
        return self.rng.choices([p for p, _ in pool], [w for _, w in pool])[0]

    def amount_and_tenure(self, product: Row, customer: Row, months_available: int) -> tuple[Decimal, int]:
        rng = self.rng
        choices = [t for t in TENURES if t <= product["max_tenure_months"]] or [product["max_tenure_months"]]
        fitting = [t for t in choices if t <= months_available] or [min(choices)]
        tenure = rng.choice(fitting)
        low, high = int(product["min_amount"]), int(product["max_amount"])
        # Keep the installment near 40% of income at most, as a lender would; never below the product minimum.
        affordable = int(customer["monthly_income"] * Decimal("0.4") * tenure * Decimal("0.85"))
        high = max(low, min(high, affordable))
        # Skewed toward small loans, rounded to a thousand taka.
        amount = _money(max(low, round((low + (high - low) * rng.random() ** 2) / 1000) * 1000))
        return amount, tenure

    def score(
        self,
        customer: Row,
        score: int,
        application: Row | None,
        at: datetime,
        operators: Sequence[Row],
        product: Row | None = None,
        amount: int | None = None,
    ) -> None:
        band, decision = _score_band(score)
        self.add(
            LoanScoreHistory,
            customer_id=customer["id"],
            score=score,
            band=band,
            decision=decision,
            reasons=_score_reasons(score, customer["monthly_income"], self.rng),
            product_id=application["product_id"] if application else product["id"] if product else None,
            amount=application["amount"] if application else _money(amount) if amount is not None else None,
            scored_at=at,
            scored_by=f"operator:{self.rng.choice(operators)['id']}",
        )

    def loan(self, customer: Row, product: Row, status: str, operator_id: int) -> None:
        rng = self.rng
        earliest = customer["created_at"].date() + timedelta(days=30)
        months_available = max(1, (REFERENCE_DATE - earliest).days // 31)
        amount, tenure = self.amount_and_tenure(product, customer, months_available)
        # Installments already due at the reference date, chosen to fit the status and the customer's history.
        if status == "closed" and tenure < months_available:
            elapsed = rng.randint(tenure, min(months_available, tenure + 12))
        elif status == "written_off" and months_available >= 8:
            elapsed = rng.randint(8, min(months_available, max(8, tenure)))
        elif status == "overdue" and min(tenure, months_available) >= 2:
            elapsed = rng.randint(2, min(tenure, months_available))
        else:
            status = "active"
            elapsed = rng.randint(1, max(1, min(tenure - 1, months_available)))
        disbursed_day = _add_months(REFERENCE_DATE, -elapsed) - timedelta(days=rng.randint(1, 20))
        disbursed_day = max(disbursed_day, earliest)
        disbursed = _at(disbursed_day, rng)
        due_dates = [_add_months(disbursed_day, n) for n in range(1, tenure + 1)]
        due = sum(1 for d in due_dates if d <= REFERENCE_DATE)
        if status in ("overdue", "written_off") and due < 2:
            status = "active"
        if status == "closed" and due < tenure:
            status = "active"
        if status == "active" and due >= tenure:
            status = "closed"
        paid = due
        if status == "overdue":
            paid = due - rng.randint(1, min(4, due - 1))
        elif status == "written_off":
            paid = max(1, min(due - 6, rng.randint(1, 3)))

        rate = Decimal(product["interest_rate"]) / 1200
        emi = _money(float(amount) * float(rate) / (1 - (1 + float(rate)) ** -tenure))
        application = self.add(
            LoanApplication,
            customer_id=customer["id"],
            product_id=product["id"],
            amount=amount,
            tenure_months=tenure,
            status="approved",
            created_at=disbursed - timedelta(days=rng.randint(3, 14), hours=rng.randint(0, 5)),
        )
        self.score(
            customer,
            rng.randint(65, 95),
            application,
            application["created_at"] + timedelta(hours=3),
            [{"id": operator_id}],
        )
        loan = self.add(
            Loan,
            customer_id=customer["id"],
            product_id=product["id"],
            application_id=application["id"],
            principal=amount,
            interest_rate=product["interest_rate"],
            tenure_months=tenure,
            installment_amount=emi,
            disbursed_at=disbursed,
            status=status,
            outstanding_principal=amount,
        )
        balance = amount
        overdue_amount = Decimal(0)
        first_overdue: date | None = None
        for number, due_day in enumerate(due_dates, start=1):
            interest = _money(balance * rate)
            installment = balance + interest if number == tenure else emi
            state, paid_at = "due", None
            if number <= paid:
                state = "paid"
                paid_at = _at(due_day + timedelta(days=rng.choice((-3, -1, 0, 0, 1, 2, 5))), rng)
                paid_at = min(paid_at, REFERENCE - timedelta(hours=1))
                balance -= installment - interest
                self.add(
                    Repayment,
                    loan_id=loan["id"],
                    amount=installment,
                    paid_at=paid_at,
                    method=rng.choice(REPAYMENT_METHODS),
                )
            elif due_day <= REFERENCE_DATE:
                state = "overdue"
                overdue_amount += installment
                first_overdue = first_overdue or due_day
            self.add(
                Installment,
                loan_id=loan["id"],
                number=number,
                due_date=due_day,
                amount=installment,
                status=state,
                paid_at=paid_at,
            )
        loan["outstanding_principal"] = max(balance, Decimal(0)).quantize(CENT)
        if first_overdue is not None:
            self.collection_case(loan, first_overdue, overdue_amount)

    def collection_case(self, loan: Row, first_overdue: date, overdue_amount: Decimal) -> None:
        rng = self.rng
        opened = _at(first_overdue + timedelta(days=7), rng)
        opened = min(opened, REFERENCE - timedelta(days=1))
        status = "written_off" if loan["status"] == "written_off" else rng.choice(("open", "in_progress"))
        case = self.add(
            CollectionCase,
            loan_id=loan["id"],
            opened_at=opened,
            status=status,
            days_past_due=(REFERENCE_DATE - first_overdue).days,
            amount_overdue=overdue_amount,
        )
        taken = opened
        for _ in range(rng.randint(1, 5)):
            taken = _instant_between(rng, taken, min(REFERENCE, taken + timedelta(days=20)))
            action = rng.choice(tuple(COLLECTION_ACTIONS))
            self.add(
                CollectionAction,
                case_id=case["id"],
                action=action,
                note=rng.choice(COLLECTION_ACTIONS[action]),
                taken_at=taken,
            )

    def blacklist(self) -> None:
        rng = self.rng
        base = self.scale.id_base
        protected = {base + c for c in EXAMPLE_CUSTOMERS} if self.scale.examples else set()
        written_off = {loan["customer_id"] for loan in self.tables[Loan] if loan["status"] == "written_off"}
        # Defaulters first, then others, for about 2% of customers.
        candidates = sorted(written_off - protected) + [
            c["id"] for c in self.tables[Customer] if c["id"] not in protected
        ]
        chosen: list[int] = []
        for customer_id in candidates:
            if customer_id not in chosen:
                chosen.append(customer_id)
        count = max(1, round(self.scale.customers * 0.02))
        for index, customer_id in enumerate(
            sorted(chosen[: count // 2] + rng.sample(chosen[count // 2 :], count - count // 2))
        ):
            reason = BLACKLIST_REASONS[0] if customer_id in written_off else rng.choice(BLACKLIST_REASONS[1:])
            self.add(
                Blacklist,
                customer_id=customer_id,
                reason=reason,
                listed_at=REFERENCE - timedelta(days=rng.randint(5, 700)),
                active=index % 7 != 6,
            )

    def transactions(self) -> None:
        rng = self.rng
        customers = self.tables[Customer]
        types = tuple(TRANSACTION_SHAPES)
        type_weights = [TRANSACTION_SHAPES[t][3] for t in types]
        window = 180 * 24 * 3600
        # Ids rise with time, so REF-001 is the oldest transaction and "the last 10" are the highest ids.
        instants = sorted(
            REFERENCE - timedelta(seconds=rng.randint(60, window)) for _ in range(self.scale.transactions)
        )
        for index, created in enumerate(instants):
            kind = rng.choices(types, type_weights)[0]
            channels, low, high, _ = TRANSACTION_SHAPES[kind]
            customer = rng.choice(customers)
            amount = low + (high - low) * rng.random() ** 2.5
            suspicious = rng.random() < 0.02
            roll = rng.random()
            status = (
                "failed" if roll < 0.03 else "pending" if roll < 0.04 else "reversed" if roll < 0.045 else "success"
            )
            risk = (
                rng.randint(70, 99) if suspicious else rng.randint(0, 40) if rng.random() < 0.9 else rng.randint(41, 69)
            )
            if suspicious:
                amount = min(high * 3, amount * 4 + high / 2)
            if index == 0 and self.scale.examples:
                customer, kind, status, suspicious, risk = customers[122], "deposit", "success", False, 5
                channels, amount = ("branch",), 25_000
            row = self.add(
                Transaction,
                reference_id="",
                customer_id=customer["id"],
                amount=_money(round(amount, -1) or 10),
                currency="BDT",
                type=kind,
                channel=rng.choice(channels),
                status=status,
                failure_reason=rng.choice(FAILURE_REASONS) if status == "failed" else None,
                risk_score=risk,
                is_suspicious=suspicious,
                created_at=created,
            )
            row["reference_id"] = f"REF-{row['id']:03d}"

    def reconciliation(self) -> None:
        rng = self.rng
        per_day: dict[date, list[Row]] = defaultdict(list)
        for row in self.tables[Transaction]:
            per_day[row["created_at"].date()].append(row)
        for offset in range(self.scale.report_days, 0, -1):
            day = REFERENCE_DATE - timedelta(days=offset)
            rows = per_day.get(day, [])
            mismatches = rng.choice((1, 1, 2, 3)) if rng.random() < 0.12 else 0
            self.add(
                ReconciliationReport,
                report_date=day,
                total_transactions=len(rows),
                total_amount=sum((r["amount"] for r in rows if r["status"] == "success"), Decimal(0)),
                failed_count=sum(1 for r in rows if r["status"] == "failed"),
                mismatches=mismatches,
                # Yesterday's report is still being worked on at the reference time.
                status="pending" if offset == 1 else "mismatch" if mismatches else "balanced",
            )


# Parents before children, for foreign keys.
INSERT_ORDER: tuple[type[Base], ...] = (
    Store,
    Agent,
    Operator,
    LoanProduct,
    Customer,
    LoanApplication,
    Loan,
    Installment,
    Repayment,
    CollectionCase,
    CollectionAction,
    LoanScoreHistory,
    Blacklist,
    Transaction,
    ReconciliationReport,
)


def generate(tenant: str, scale: Scale) -> dict[type[Base], list[Row]]:
    """One tenant's rows, by model, without touching a database."""
    return _Generator(tenant, scale).build()


def seed(session: Session, tenant: str, scale: Scale | None = None) -> dict[str, int]:
    """Insert one tenant's demo data in bulk (the caller commits); returns rows per table."""
    tables = generate(tenant, scale or TENANTS[tenant])
    counts: dict[str, int] = {}
    for model in INSERT_ORDER:
        rows = tables.get(model, [])
        if rows:
            session.execute(insert(model), rows)
        counts[model.__tablename__] = len(rows)
    return counts


def alembic_config(url: str | None = None) -> Config:
    """The repository's Alembic configuration, optionally aimed at `url`."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(Path(ROOT / "migrations")))
    config.attributes["skip_logging"] = True
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the platform schema to the newest migration."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sync_sequences(session: Session) -> None:
    # Explicit ids bypass PostgreSQL's serial sequences; move them past the seeded rows so later inserts work.
    for model in INSERT_ORDER:
        table = model.__tablename__
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))")  # noqa: S608 - table names are ours
        )


def ensure_seeded(engine: Engine, tenants: Iterable[str] = ("demo", "other")) -> bool:
    """Migrate to head, then seed every tenant if there are no customers yet; True when it seeded."""
    upgrade(engine)
    with Session(engine) as session, session.begin():
        if session.scalar(select(func.count()).select_from(Customer)):
            return False
        for tenant in tenants:
            seed(session, tenant)
        if engine.dialect.name == "postgresql":
            _sync_sequences(session)
    return True


def digest(engine: Engine) -> str:
    """SHA-256 over every platform row in id order: equal digests mean equal content."""
    hasher = hashlib.sha256()
    with engine.connect() as connection:
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            hasher.update(table.name.encode())
            for row in connection.execute(table.select().order_by(table.c.id)):
                hasher.update(repr(tuple(str(v) for v in row)).encode())
    return hasher.hexdigest()


def table_names(engine: Engine) -> set[str]:
    """Tables present in the database (Alembic's own bookkeeping table excluded)."""
    return set(inspect(engine).get_table_names()) - {"alembic_version"}
