"""Customer tools: a signed-in customer's own balances, accounts, statement, cards and saved payees.

Each runs only for a customer token (executor.authorize), on the rows of that customer in that tenant:
another customer's account, card or payee id is "not found", exactly like an id that does not exist.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from bank_router.tools.banking_records import (
    AccountList,
    Balance,
    BankingStore,
    BeneficiaryList,
    CardAction,
    CardList,
    StatementLine,
    StatementQuery,
)
from bank_router.tools.common import Args, DateRangeArgs, page_of
from bank_router.tools.records import Page
from bank_router.tools.spec import (
    ActionRefused,
    RecordNotFound,
    RunContext,
    SearchText,
    Tool,
    ToolArgumentError,
    ToolUnavailable,
)

AccountId = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^ACC[0-9]{1,12}$")]
CardId = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^CRD[0-9]{1,12}$")]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{3}$")]
# Not-found messages never echo the id asked for: "no account of yours" says nothing about anyone else's.
THAT_ID = "that id"
READ_LIMIT = "100/hour"  # seed 002's CheckBalanceTool
CARD_LIMIT = "10/hour"


def customer_of(ctx: RunContext) -> tuple[BankingStore, int]:
    """The banking store and the signed-in customer's id (authorize has checked both exist)."""
    if ctx.customer_id is None:
        raise RecordNotFound("customer", "this token")
    if ctx.deps.banking is None:
        raise ToolUnavailable("customer banking")
    return ctx.deps.banking, ctx.customer_id


class BalanceArgs(Args):
    account_id: AccountId | None = Field(None, description="Account id (defaults to the primary account).")
    currency: Currency | None = Field(None, description="Currency of the account wanted, e.g. BDT or USD.")


class LookupArgs(Args):
    account_id: AccountId | None = Field(None, description="One account's id; without it, every account.")


class StatementArgs(DateRangeArgs):
    account_id: AccountId | None = Field(None, description="Only this account of the customer.")
    type: Literal["deposit", "withdrawal", "transfer", "payment", "remittance"] | None = Field(
        None, description="Only this kind of transaction."
    )
    min_amount: float | None = Field(None, ge=0, le=1e9, description="Smallest amount to include.")
    max_amount: float | None = Field(None, ge=0, le=1e9, description="Largest amount to include.")
    search: SearchText | None = Field(None, description="Words of the description or reference, e.g. salary.")


class NoArgs(Args):
    pass


class BlockArgs(Args):
    card_id: CardId = Field(description="The card to block (from list_my_cards).")
    reason: Literal["lost", "stolen", "damaged", "suspected_fraud", "other"] = Field(description="Why.")
    confirm: bool = Field(False, description="True once the customer has said yes; false only describes it.")


class UnblockArgs(Args):
    card_id: CardId = Field(description="The card to unblock (from list_my_cards).")
    confirm: bool = Field(False, description="True once the customer has said yes; false only describes it.")


def check_balance(args: BalanceArgs, ctx: RunContext) -> Balance:
    store, cid = customer_of(ctx)
    accounts = store.accounts(ctx.tenant, cid)
    if args.account_id is not None:
        chosen = next((a for a in accounts if a.account_id == args.account_id), None)
        if chosen is None:
            raise RecordNotFound("account of yours", THAT_ID)
        if args.currency is not None and chosen.currency != args.currency:
            raise ToolArgumentError([{"field": "currency", "message": f"the account holds {chosen.currency}"}])
    else:
        wanted = [a for a in accounts if args.currency in (None, a.currency)]
        chosen = next((a for a in wanted if a.is_primary), wanted[0] if wanted else None)
        if chosen is None:
            raise RecordNotFound("account", args.currency or "primary")
    return Balance.model_validate(chosen.model_dump())


def account_lookup(args: LookupArgs, ctx: RunContext) -> AccountList:
    store, cid = customer_of(ctx)
    accounts = store.accounts(ctx.tenant, cid)
    if args.account_id is not None:
        accounts = [a for a in accounts if a.account_id == args.account_id]
        if not accounts:
            raise RecordNotFound("account of yours", THAT_ID)
    return AccountList(total=len(accounts), items=accounts)


def list_my_transactions(args: StatementArgs, ctx: RunContext) -> Page[StatementLine]:
    store, cid = customer_of(ctx)
    if args.min_amount is not None and args.max_amount is not None and args.max_amount < args.min_amount:
        raise ToolArgumentError([{"field": "max_amount", "message": "max_amount must not be below min_amount"}])
    q = StatementQuery(
        account_id=args.account_id,
        date_from=args.date_from,
        date_to=args.date_to,
        type=args.type,
        min_amount=Decimal(str(args.min_amount)) if args.min_amount is not None else None,
        max_amount=Decimal(str(args.max_amount)) if args.max_amount is not None else None,
        search=args.search,
    )
    page = store.statement(ctx.tenant, cid, q, page_of(args))
    if page is None:
        raise RecordNotFound("account of yours", THAT_ID)
    return page


def list_my_cards(args: NoArgs, ctx: RunContext) -> CardList:
    store, cid = customer_of(ctx)
    cards = store.cards(ctx.tenant, cid)
    return CardList(total=len(cards), items=cards)


def list_beneficiaries(args: NoArgs, ctx: RunContext) -> BeneficiaryList:
    store, cid = customer_of(ctx)
    payees = store.beneficiaries(ctx.tenant, cid)
    return BeneficiaryList(total=len(payees), items=payees)


def _card(store: BankingStore, tenant: str, cid: int, card_id: str) -> Any:
    card = next((c for c in store.cards(tenant, cid) if c.card_id == card_id), None)
    if card is None:
        raise RecordNotFound("card of yours", THAT_ID)
    return card


def block_card(args: BlockArgs, ctx: RunContext) -> CardAction:
    store, cid = customer_of(ctx)
    card = _card(store, ctx.tenant, cid, args.card_id)
    if card.status == "expired":
        raise ActionRefused(f"{card.card_id} has expired and cannot be used anyway", reason="card_expired")
    if card.status == "blocked":
        return CardAction(status="blocked", card=card, message=f"{card.number} is already blocked.")
    if not args.confirm:
        note = " A card blocked as lost or stolen cannot be unblocked: a replacement is issued."
        lost = args.reason in ("lost", "stolen")
        text = f"Block {card.product} {card.number} ({args.reason})? Confirm to block it.{note if lost else ''}"
        return CardAction(status="confirmation_required", card=card, message=text)
    done = store.set_card_status(ctx.tenant, cid, card.card_id, "blocked", args.reason, ctx.deps.clock())
    if done is None:
        raise RecordNotFound("card of yours", THAT_ID)
    return CardAction(status="blocked", card=done, message=f"{done.number} is blocked: no payment or withdrawal works.")


def unblock_card(args: UnblockArgs, ctx: RunContext) -> CardAction:
    store, cid = customer_of(ctx)
    card = _card(store, ctx.tenant, cid, args.card_id)
    if card.status == "active":
        return CardAction(status="active", card=card, message=f"{card.number} is not blocked.")
    if card.status == "expired":
        raise ActionRefused(f"{card.card_id} has expired: a renewed card is needed", reason="card_expired")
    if card.block_reason in ("lost", "stolen"):
        raise ActionRefused(
            f"{card.number} was blocked as {card.block_reason}: it stays blocked and a replacement card is needed",
            reason="replacement_needed",
        )
    if not args.confirm:
        text = f"Unblock {card.product} {card.number}? Confirm to unblock it."
        return CardAction(status="confirmation_required", card=card, message=text)
    done = store.set_card_status(ctx.tenant, cid, card.card_id, "active", None, ctx.deps.clock())
    if done is None:
        raise RecordNotFound("card of yours", THAT_ID)
    return CardAction(status="active", card=done, message=f"{done.number} works again.")


def _tool(name: str, category: Any, description: str, args: Any, result: Any, run: Any, **extra: Any) -> Tool[Any, Any]:
    extra.setdefault("rate_limit", READ_LIMIT)
    return Tool(
        name=name,
        category=category,
        description=description,
        permission=None,
        audience="customer",
        args=args,
        result=result,
        run=run,
        **extra,
    )


BALANCE_EXAMPLE = {
    "input": {"account_id": "ACC0000212"},
    "output": {"balance": 443650.0, "currency": "BDT", "available": 443650.0, "pending": 0.0},
}

ACCOUNT_TOOLS: list[Tool[Any, Any]] = [
    _tool(
        "check_balance",
        "account",
        "The signed-in customer's balance: available, pending and ledger balance of one of their accounts "
        "(the primary account unless account_id or currency says which).",
        BalanceArgs,
        Balance,
        check_balance,
        aliases=("CheckBalanceTool",),
        examples=(BALANCE_EXAMPLE,),
    ),
    _tool(
        "account_lookup",
        "account",
        "The signed-in customer's accounts (type, product, masked number, balance, status, opening date), "
        "or one of them by account_id.",
        LookupArgs,
        AccountList,
        account_lookup,
        aliases=("AccountLookupTool",),
    ),
    _tool(
        "list_my_transactions",
        "account",
        "The signed-in customer's own statement, newest first: filter by account, dates, type, amount or words "
        "of the description (e.g. 'salary'), page by page.",
        StatementArgs,
        Page[StatementLine],
        list_my_transactions,
    ),
    _tool(
        "list_my_cards",
        "card",
        "The signed-in customer's debit and credit cards: masked number, network, status, expiry and limits.",
        NoArgs,
        CardList,
        list_my_cards,
    ),
    _tool(
        "list_beneficiaries",
        "payment",
        "The signed-in customer's saved payees: name, relationship (e.g. brother, landlord), bank and masked "
        "account, with the beneficiary_id transfer_funds takes.",
        NoArgs,
        BeneficiaryList,
        list_beneficiaries,
    ),
    _tool(
        "block_card",
        "card",
        "Block one of the signed-in customer's cards (lost, stolen, damaged, suspected fraud). With confirm=false "
        "nothing changes and the result asks for confirmation (status confirmation_required).",
        BlockArgs,
        CardAction,
        block_card,
        rate_limit=CARD_LIMIT,
    ),
    _tool(
        "unblock_card",
        "card",
        "Unblock one of the signed-in customer's cards; a card blocked as lost or stolen stays blocked (a "
        "replacement is needed). With confirm=false nothing changes (status confirmation_required).",
        UnblockArgs,
        CardAction,
        unblock_card,
        rate_limit=CARD_LIMIT,
    ),
]
