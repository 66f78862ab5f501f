"""`transfer_funds`: a signed-in customer sends money from their own account, only after a one-time code.

Call it without `challenge_id`/`code`: everything is checked and priced (rail, fee with VAT, arrival,
limits, all from the support knowledge), a code goes to the customer, and the result is
`status: "otp_required"` with the `challenge_id`; nothing moves. Call it again with the same
from/to/amount plus `challenge_id` and `code`: a right code within five minutes moves the money once
(`status: "completed"`); a wrong one is CodeRejected (three tries), a late one CodeExpired, a used one CodeUsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from bank_router.platform.seed.banking_vocab import OWN_BANK
from bank_router.tools import otp, transfer_rules
from bank_router.tools.accounts import THAT_ID, AccountId, customer_of
from bank_router.tools.banking_records import BankingStore, Challenge, TransferDone, TransferOrder, TransferOutcome
from bank_router.tools.spec import (
    Args,
    CodeExpired,
    CodeLocked,
    CodeRejected,
    CodeUsed,
    InsufficientFunds,
    RecordNotFound,
    RunContext,
    Tool,
    ToolUnavailable,
    TransferRefused,
)

Destination = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^(ACC|BEN)[0-9]{1,12}$")]
CENT = Decimal("0.01")
SENDABLE = ("savings", "current")


class TransferArgs(Args):
    from_account: AccountId = Field(description="The customer's own account the money leaves (account_id).")
    to_account: Destination = Field(
        description="Destination: another of the customer's own accounts (ACC...) or a saved payee (BEN...)."
    )
    amount: float = Field(gt=0, le=100_000_000, description="Amount in BDT, at most two decimals.")
    rail: Literal["auto", "internal", "NPSB", "BEFTN", "RTGS"] = Field(
        "auto", description="How it goes; auto picks internal, NPSB, RTGS or BEFTN by amount and time."
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)] | None = Field(
        None, description="Reference the receiver sees."
    )
    idempotency_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")] | None = Field(
        None, description="Same key again: the same transfer back, money moved once."
    )
    challenge_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")] | None = Field(
        None, description="From the otp_required result, sent back with the code."
    )
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")] | None = Field(
        None, description="The six-digit one-time code the customer received."
    )

    @model_validator(mode="after")
    def _code_with_challenge(self) -> TransferArgs:
        if (self.challenge_id is None) != (self.code is None):
            raise ValueError("challenge_id and code go together")
        if Decimal(str(self.amount)) != Decimal(str(self.amount)).quantize(CENT):
            raise ValueError("amount has at most two decimals")
        return self


@dataclass(frozen=True)
class Plan:
    order: TransferOrder
    to_label: str


def _money(value: float | str) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _plan(args: TransferArgs, ctx: RunContext, store: BankingStore, cid: int) -> Plan:
    """Every check a transfer must pass, and its price; raises before anything is sent or moved."""
    catalog, now, amount = ctx.deps.catalog, ctx.deps.clock(), _money(args.amount)
    accounts = {a.account_id: a for a in store.accounts(ctx.tenant, cid)}
    source = accounts.get(args.from_account)
    if source is None:
        raise RecordNotFound("account of yours", THAT_ID)
    if source.status != "active" or source.type not in SENDABLE or source.currency != "BDT":
        raise TransferRefused(f"{source.account_id} cannot send money ({source.status} {source.type})", "source")
    to_account = beneficiary_id = None
    if args.to_account.startswith("ACC"):
        target = accounts.get(args.to_account)
        if target is None:
            raise RecordNotFound("account of yours", THAT_ID)
        if target.account_id == source.account_id:
            raise TransferRefused("Source and destination are the same account", "same_account")
        if target.status != "active" or target.currency != "BDT" or target.type == "fixed_deposit":
            raise TransferRefused(f"{target.account_id} cannot receive money now", "destination_inactive")
        internal, to_account = True, target.account_id
        label, debit = f"your {target.product} {target.account_number}", f"Transfer to own account {target.account_id}"
    else:
        payee = next((b for b in store.beneficiaries(ctx.tenant, cid) if b.beneficiary_id == args.to_account), None)
        if payee is None:
            raise RecordNotFound("beneficiary of yours", THAT_ID)
        internal, beneficiary_id = payee.bank_name == OWN_BANK, payee.beneficiary_id
        label = f"{payee.name} ({payee.relationship}), {payee.bank_name} {payee.account_number}"
        cap = transfer_rules.new_payee_cap(catalog, payee.created_at, now)
        if cap is not None and amount > cap:
            raise TransferRefused(
                f"A new payee may receive at most {cap:,.0f} BDT at first", "new_payee", cap=float(cap)
            )
        debit = f"Transfer to {payee.name}"
    rail = transfer_rules.choose_rail(catalog, args.rail, internal, amount, now)
    quote = transfer_rules.quote(catalog, rail, now)
    if source.available < float(amount + quote.fee):
        raise InsufficientFunds(source.account_id)
    if quote.daily_limit is not None:
        sent = store.sent_since(ctx.tenant, cid, rail, transfer_rules.local_day_start(now))
        if sent + amount > quote.daily_limit:
            left = max(Decimal(0), quote.daily_limit - sent)
            raise TransferRefused(
                f"Over today's {rail} limit of {quote.daily_limit:,.0f} BDT", "daily_limit", remaining=float(left)
            )
    order = TransferOrder(
        customer_id=cid,
        from_account=source.account_id,
        to_account=to_account,
        beneficiary_id=beneficiary_id,
        amount=amount,
        fee=quote.fee,
        rail=rail,
        reference=args.note,
        idempotency_key=args.idempotency_key,
        expected_arrival=quote.expected_arrival,
        debit_text=f"{debit} ({rail})",
        credit_text=f"Transfer from own account {source.account_id}" if to_account else None,
    )
    return Plan(order=order, to_label=label)


def _outcome(args: TransferArgs, plan: Plan | None, done: TransferDone) -> TransferOutcome:
    return TransferOutcome(
        status="completed",
        transfer_id=done.transfer_id,
        from_account=args.from_account,
        to_account=args.to_account,
        to=plan.to_label if plan is not None else args.to_account,
        amount=float(done.amount),
        fee=float(done.fee),
        rail=done.rail,
        expected_arrival=done.expected_arrival,
        created_at=done.created_at,
        replayed=done.replayed,
    )


def _send_code(args: TransferArgs, ctx: RunContext, store: BankingStore, plan: Plan) -> TransferOutcome:
    sender, secret, now = ctx.deps.codes, ctx.deps.code_secret, ctx.deps.clock()
    if sender is None or not secret:
        raise ToolUnavailable("transfer_funds")
    challenge_id, code = otp.new_challenge_id(), otp.new_code()
    o = plan.order
    payload = {
        "from_account": o.from_account,
        "to_account": args.to_account,
        "amount": str(o.amount),
        "rail": o.rail,
        "note": o.reference,
        "idempotency_key": o.idempotency_key,
    }
    challenge = Challenge(
        challenge_id=challenge_id,
        customer_id=o.customer_id,
        purpose="transfer",
        payload=payload,
        code_hash=otp.code_hash(secret, challenge_id, code),
        attempts=0,
        max_attempts=otp.MAX_ATTEMPTS,
        status="pending",
        expires_at=now + otp.CODE_TTL,
    )
    store.create_challenge(ctx.tenant, challenge, now)
    sender.send(ctx.tenant, o.customer_id, challenge_id, code)
    return TransferOutcome(
        status="otp_required",
        challenge_id=challenge_id,
        from_account=o.from_account,
        to_account=args.to_account,
        to=plan.to_label,
        amount=float(o.amount),
        fee=float(o.fee),
        rail=o.rail,
        expected_arrival=o.expected_arrival,
        expires_at=challenge.expires_at,
    )


def _refuse_closed(ch: Challenge | None, ctx: RunContext, store: BankingStore) -> None:
    """Raise why a challenge can take no more tries: used, locked, expired (marking it so), or not found."""
    if ch is None or ch.purpose != "transfer":
        raise RecordNotFound("code challenge", "that id")
    if ch.status == "used":
        raise CodeUsed()
    if ch.status == "locked" or ch.attempts >= ch.max_attempts:
        raise CodeLocked()
    if ch.status == "expired" or ch.expires_at <= ctx.deps.clock():
        store.close_challenge(ctx.tenant, ch.customer_id, ch.challenge_id, "expired")
        raise CodeExpired()


def _confirm(args: TransferArgs, ctx: RunContext, store: BankingStore, cid: int) -> TransferOutcome:
    assert args.challenge_id is not None and args.code is not None
    tenant, secret = ctx.tenant, ctx.deps.code_secret
    ch = store.challenge(tenant, cid, args.challenge_id)
    _refuse_closed(ch, ctx, store)
    assert ch is not None
    p = ch.payload
    asked = (args.from_account, args.to_account, str(_money(args.amount)))
    if asked != (p["from_account"], p["to_account"], p["amount"]):
        raise TransferRefused("The code was sent for a different transfer; nothing was moved", "does_not_match")
    counted = store.count_attempt(tenant, cid, ch.challenge_id, ctx.deps.clock())
    if counted is None:
        _refuse_closed(store.challenge(tenant, cid, ch.challenge_id), ctx, store)
        raise CodeLocked()
    if not secret or not otp.code_matches(secret, ch.challenge_id, args.code, counted.code_hash):
        left = counted.max_attempts - counted.attempts
        if left <= 0:
            store.close_challenge(tenant, cid, ch.challenge_id, "locked")
        raise CodeRejected(left)
    approved = args.model_copy(update={"rail": p["rail"], "note": p["note"], "idempotency_key": p["idempotency_key"]})
    key = p["idempotency_key"]
    earlier = store.transfer_by_key(tenant, cid, key) if key else None
    if earlier is not None:
        store.close_challenge(tenant, cid, ch.challenge_id, "used")
        return _outcome(approved, None, earlier)
    plan = _plan(approved, ctx, store, cid)
    done = store.execute_transfer(tenant, ch.challenge_id, plan.order, ctx.deps.clock())
    return _outcome(approved, plan, done)


def transfer_funds(args: TransferArgs, ctx: RunContext) -> TransferOutcome:
    store, cid = customer_of(ctx)
    if args.challenge_id is not None:
        return _confirm(args, ctx, store, cid)
    if args.idempotency_key:
        earlier = store.transfer_by_key(ctx.tenant, cid, args.idempotency_key)
        if earlier is not None:
            return _outcome(args, None, earlier)
    return _send_code(args, ctx, store, _plan(args, ctx, store, cid))


TRANSFER_EXAMPLE: dict[str, Any] = {
    "input": {"from_account": "ACC0000212", "to_account": "ACC0000213", "amount": 5000},
    "output": {"status": "otp_required", "challenge_id": "…", "amount": 5000.0, "fee": 0.0, "rail": "internal"},
}

TRANSFER_TOOLS: list[Tool[Any, Any]] = [
    Tool(
        name="transfer_funds",
        category="payment",
        description="Move money from the signed-in customer's own account to another of their accounts or a saved "
        "payee. First call: checks, prices and sends a one-time code (status otp_required; nothing moves). Second "
        "call with the same from/to/amount plus challenge_id and code: moves it once (status completed).",
        permission=None,
        audience="customer",
        args=TransferArgs,
        result=TransferOutcome,
        run=transfer_funds,
        requires_2fa=True,
        rate_limit="20/hour",
        examples=(TRANSFER_EXAMPLE,),
        aliases=("TransferFundsTool",),
    ),
]
