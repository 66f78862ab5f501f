"""The loan book: products, applications, loans with their installments and repayments, and collection cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from bank_router.platform.models import (
    CollectionAction,
    CollectionCase,
    Customer,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    Operator,
    Repayment,
)
from bank_router.platform.seed.context import CENT, Context, Row, add_months, instant_between, moment_on, money
from bank_router.platform.seed.credit import record_score
from bank_router.platform.seed.scale import EXAMPLE_LOANS, EXAMPLE_PRODUCT, REFERENCE, REFERENCE_DATE
from bank_router.platform.seed.vocab import COLLECTION_ACTIONS, PRODUCTS, REPAYMENT_METHODS, TENURES


def products(ctx: Context) -> None:
    """Add the loan products, in the order that makes the fifth seed 000's product 5."""
    for name, category, low, high, rate, tenure, income, _ in PRODUCTS:
        ctx.add(
            LoanProduct,
            name=name,
            category=category,
            min_amount=money(low),
            max_amount=money(high),
            interest_rate=Decimal(rate),
            max_tenure_months=tenure,
            min_monthly_income=money(income),
        )


def loans(ctx: Context) -> None:
    """Add the disbursed loans (seed 000's pinned among them), then applications that never became loans."""
    rng = ctx.rng
    customers = ctx.tables[Customer]
    by_id = {c["id"]: c for c in customers}
    verified = [c for c in customers if c["kyc_status"] == "verified"]
    products = ctx.tables[LoanProduct]
    weights = [p[-1] for p in PRODUCTS]
    operators = ctx.tables[Operator]
    base = ctx.scale.id_base
    pinned = {base + k: (base + c, s) for k, (c, s) in EXAMPLE_LOANS.items()} if ctx.scale.examples else {}
    for index in range(1, ctx.scale.loans + 1):
        loan_id = base + index
        status = rng.choices(("active", "closed", "overdue", "written_off"), (60, 25, 12, 3))[0]
        customer = rng.choice(verified)
        product = product_for(ctx, customer, products, weights)
        if loan_id in pinned:
            customer_id, status = pinned[loan_id]
            customer = by_id[customer_id]
            product = products[EXAMPLE_PRODUCT - 1]
        loan(ctx, customer, product, status, rng.choice(operators)["id"])
    # Applications that never became loans: pending ones are recent, rejected ones any time.
    for _ in range(ctx.scale.loans * 3 // 10):
        customer = rng.choice(customers)
        product = product_for(ctx, customer, products, weights)
        status = rng.choices(("submitted", "under_review", "rejected"), (3, 3, 4))[0]
        days_ago = rng.randint(0, 30) if status != "rejected" else rng.randint(0, 900)
        created = max(REFERENCE - timedelta(days=days_ago, hours=rng.randint(1, 9)), customer["created_at"])
        amount, tenure = amount_and_tenure(ctx, product, customer, months_available=240)
        app = ctx.add(
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
            record_score(ctx, customer, rng.randint(low, high), app, created + timedelta(hours=2), operators)
    if ctx.scale.examples:
        # Seed 000 asks for customer 789's score history and a scoring of 789 for product 5, BDT 50,000.
        customer = by_id[base + 789]
        scored_at = REFERENCE - timedelta(days=12)
        product = products[EXAMPLE_PRODUCT - 1]
        record_score(ctx, customer, 74, None, scored_at, operators, product=product, amount=50_000)


def product_for(ctx: Context, customer: Row, products: Sequence[Row], weights: Sequence[int]) -> Row:
    """A product whose income floor the customer meets, when there is one."""
    fits = [
        (p, w) for p, w in zip(products, weights, strict=True) if p["min_monthly_income"] <= customer["monthly_income"]
    ]
    pool = fits or list(zip(products, weights, strict=True))
    return ctx.rng.choices([p for p, _ in pool], [w for _, w in pool])[0]


def amount_and_tenure(ctx: Context, product: Row, customer: Row, months_available: int) -> tuple[Decimal, int]:
    """A tenure that fits the product and the customer's history, and an amount the customer can afford."""
    rng = ctx.rng
    choices = [t for t in TENURES if t <= product["max_tenure_months"]] or [product["max_tenure_months"]]
    fitting = [t for t in choices if t <= months_available] or [min(choices)]
    tenure = rng.choice(fitting)
    low, high = int(product["min_amount"]), int(product["max_amount"])
    # Keep the installment near 40% of income at most, as a lender would; never below the product minimum.
    affordable = int(customer["monthly_income"] * Decimal("0.4") * tenure * Decimal("0.85"))
    high = max(low, min(high, affordable))
    # Skewed toward small loans, rounded to a thousand taka.
    amount = money(max(low, round((low + (high - low) * rng.random() ** 2) / 1000) * 1000))
    return amount, tenure


def loan(ctx: Context, customer: Row, product: Row, status: str, operator_id: int) -> None:
    """Add one loan with its approved application, score, schedule, repayments and any collection case."""
    rng = ctx.rng
    earliest = customer["created_at"].date() + timedelta(days=30)
    months_available = max(1, (REFERENCE_DATE - earliest).days // 31)
    amount, tenure = amount_and_tenure(ctx, product, customer, months_available)
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
    disbursed_day = add_months(REFERENCE_DATE, -elapsed) - timedelta(days=rng.randint(1, 20))
    disbursed_day = max(disbursed_day, earliest)
    disbursed = moment_on(disbursed_day, rng)
    due_dates = [add_months(disbursed_day, n) for n in range(1, tenure + 1)]
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
    emi = money(float(amount) * float(rate) / (1 - (1 + float(rate)) ** -tenure))
    application = ctx.add(
        LoanApplication,
        customer_id=customer["id"],
        product_id=product["id"],
        amount=amount,
        tenure_months=tenure,
        status="approved",
        created_at=disbursed - timedelta(days=rng.randint(3, 14), hours=rng.randint(0, 5)),
    )
    scored_at = application["created_at"] + timedelta(hours=3)
    record_score(ctx, customer, rng.randint(65, 95), application, scored_at, [{"id": operator_id}])
    row = ctx.add(
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
    # Borrowers differ: most pay on time, some slip now and then, a few are habitually late.
    habit = rng.choices(PAYMENT_HABITS, weights=PAYMENT_HABIT_WEIGHTS)[0]
    overdue_amount = Decimal(0)
    first_overdue: date | None = None
    for number, due_day in enumerate(due_dates, start=1):
        interest = money(balance * rate)
        installment = balance + interest if number == tenure else emi
        state, paid_at = "due", None
        if number <= paid:
            state = "paid"
            paid_at = moment_on(due_day + timedelta(days=rng.choice(habit)), rng)
            paid_at = min(paid_at, REFERENCE - timedelta(hours=1))
            balance -= installment - interest
            ctx.add(
                Repayment, loan_id=row["id"], amount=installment, paid_at=paid_at, method=rng.choice(REPAYMENT_METHODS)
            )
        elif due_day <= REFERENCE_DATE:
            state = "overdue"
            overdue_amount += installment
            first_overdue = first_overdue or due_day
        ctx.add(
            Installment,
            loan_id=row["id"],
            number=number,
            due_date=due_day,
            amount=installment,
            status=state,
            paid_at=paid_at,
        )
    row["outstanding_principal"] = max(balance, Decimal(0)).quantize(CENT)
    if first_overdue is not None:
        collection_case(ctx, row, first_overdue, overdue_amount)


# Days after the due date a repayment lands, by habit (punctual, occasionally late, habitually late).
PAYMENT_HABITS = (
    (-5, -3, -2, -1, -1, 0, 0, 0, 0, 0),
    (-3, -1, 0, 0, 0, 0, 0, 0, 2, 6),
    (-3, -1, 0, 0, 1, 2, 5),
)
PAYMENT_HABIT_WEIGHTS = (60, 30, 10)


def collection_case(ctx: Context, loan: Row, first_overdue: date, overdue_amount: Decimal) -> None:
    """Open a collection case a week after the first missed installment, with one to five actions taken."""
    rng = ctx.rng
    opened = moment_on(first_overdue + timedelta(days=7), rng)
    opened = min(opened, REFERENCE - timedelta(days=1))
    status = "written_off" if loan["status"] == "written_off" else rng.choice(("open", "in_progress"))
    case = ctx.add(
        CollectionCase,
        loan_id=loan["id"],
        opened_at=opened,
        status=status,
        days_past_due=(REFERENCE_DATE - first_overdue).days,
        amount_overdue=overdue_amount,
    )
    taken = opened
    for _ in range(rng.randint(1, 5)):
        taken = instant_between(rng, taken, min(REFERENCE, taken + timedelta(days=20)))
        action = rng.choice(tuple(COLLECTION_ACTIONS))
        ctx.add(
            CollectionAction,
            case_id=case["id"],
            action=action,
            note=rng.choice(COLLECTION_ACTIONS[action]),
            taken_at=taken,
        )
