"""`HttpPlatform`: the PlatformAdapter over an existing core-banking REST API (set `CORE_BANKING_URL`).

The API it expects is plain JSON over HTTP. Every request carries `X-Tenant-ID: <tenant>` and, when a
key is configured, `Authorization: Bearer <key>`; the server answers from that tenant only. Bodies are
the records of `bank_router/tools/records.py`; a list is `{"total", "page_number", "page_size", "items"}`
and takes `page_number`, `page_size` and the `Filters` fields that apply to it as query parameters
(dates `YYYY-MM-DD`, booleans `true`). 404 means "not in this tenant". `ROUTES` below is the whole shape.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from bank_router.tools.adapter import CreditHistory, Filters, NewScore, PageRequest, PlatformError
from bank_router.tools.records import (
    AgentRecord,
    BlacklistStatus,
    CollectionCaseRecord,
    CustomerKyc,
    CustomerSummary,
    InstallmentRecord,
    LoanApplicationRecord,
    LoanBalance,
    LoanProductRecord,
    LoanRecord,
    OperatorRecord,
    Page,
    ReconciliationRecord,
    RepaymentRecord,
    ScoreRecord,
    StoreRecord,
    TransactionRecord,
)

T = TypeVar("T")

# Adapter method -> "VERB /path"; `{name}` segments are filled from the method's arguments.
ROUTES: dict[str, str] = {
    "customer": "GET /customers/{customer_id}",
    "customers": "GET /customers",
    "blacklist_status": "GET /customers/{customer_id}/blacklist",
    "score_history": "GET /customers/{customer_id}/scores",
    "record_score": "POST /customers/{customer_id}/scores",
    "credit_history": "GET /customers/{customer_id}/credit-history",
    "transaction": "GET /transactions/{txn_id}",
    "transactions": "GET /transactions",
    "loan": "GET /loans/{loan_id}",
    "loans": "GET /loans",
    "repayments": "GET /loans/{loan_id}/repayments",
    "installments": "GET /loans/{loan_id}/installments",
    "loan_balance": "GET /loans/{loan_id}/balance",
    "collection_cases": "GET /collection-cases",
    "application": "GET /loan-applications/{application_id}",
    "applications": "GET /loan-applications",
    "product": "GET /loan-products/{product_id}",
    "products": "GET /loan-products",
    "agent": "GET /agents/{agent_id}",
    "agents": "GET /agents",
    "store": "GET /stores/{store_id}",
    "stores": "GET /stores",
    "operator": "GET /operators/{operator_id}",
    "operators": "GET /operators",
    "reconciliation_reports": "GET /reconciliation-reports",
}
TENANT_HEADER = "X-Tenant-ID"
_FILTER_FIELDS = tuple(f.name for f in fields(Filters))


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    """One pydantic adapter per answer type, built on first use (building one costs far more than a parse)."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def query_of(f: Filters | None = None, page: PageRequest | None = None, **extra: object) -> dict[str, str]:
    """Query parameters: the filters that are set, the page, and any extra values (None and False left out)."""
    values: dict[str, object] = {}
    if f is not None:
        values.update({name: getattr(f, name) for name in _FILTER_FIELDS})
    if page is not None:
        values.update(page_number=page.page_number, page_size=page.page_size)
    values.update(extra)
    return {k: _text(v) for k, v in values.items() if v is not None and v is not False}


class HttpPlatform:
    """PlatformAdapter over a core-banking REST API; failures raise PlatformError, never leak the key."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpPlatform:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(
        self,
        kind: type[T],
        route: str,
        tenant: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        **path: int,
    ) -> T | None:
        """The parsed answer of one route, or None on 404; every other failure is a PlatformError."""
        verb, template = ROUTES[route].split(" ", 1)
        url = template.format(**path)
        try:
            response = self._client.request(verb, url, params=params, json=body, headers={TENANT_HEADER: tenant})
        except httpx.TimeoutException:
            raise PlatformError(f"core banking timed out on {route}") from None
        except httpx.HTTPError as exc:
            raise PlatformError(f"core banking unreachable on {route} ({type(exc).__name__})") from None
        if response.status_code == 404:
            return None
        if response.status_code not in (200, 201):
            raise PlatformError(f"core banking answered {response.status_code} on {route}", response.status_code)
        try:
            value: T = _adapter(kind).validate_python(response.json())
        except (ValueError, ValidationError):
            raise PlatformError(f"core banking sent an unreadable {route} answer") from None
        return value

    def _found(self, kind: type[T], route: str, tenant: str, **kwargs: Any) -> T:
        """For routes that always answer (lists, statuses): a 404 there is the platform's fault."""
        value = self._call(kind, route, tenant, **kwargs)
        if value is None:
            raise PlatformError(f"core banking answered 404 on {route}", 404)
        return value

    # Customers

    def customer(self, tenant: str, customer_id: int) -> CustomerKyc | None:
        return self._call(CustomerKyc, "customer", tenant, customer_id=customer_id)

    def customers(self, tenant: str, f: Filters, page: PageRequest) -> Page[CustomerSummary]:
        return self._found(Page[CustomerSummary], "customers", tenant, params=query_of(f, page))

    def blacklist_status(self, tenant: str, customer_id: int) -> BlacklistStatus:
        return self._found(BlacklistStatus, "blacklist_status", tenant, customer_id=customer_id)

    def score_history(self, tenant: str, customer_id: int, page: PageRequest) -> Page[ScoreRecord]:
        params = query_of(page=page)
        return self._found(Page[ScoreRecord], "score_history", tenant, params=params, customer_id=customer_id)

    # Transactions

    def transaction(self, tenant: str, txn_id: int | None, reference_id: str | None) -> TransactionRecord | None:
        if txn_id is None:
            # A reference is looked up through the list's exact-match filter.
            hits = self.transactions(tenant, Filters(reference_id=reference_id), PageRequest(page_size=1))
            return hits.items[0] if hits.items and reference_id is not None else None
        record = self._call(TransactionRecord, "transaction", tenant, txn_id=txn_id)
        if record is not None and reference_id is not None and record.reference_id.upper() != reference_id.upper():
            return None
        return record

    def transactions(self, tenant: str, f: Filters, page: PageRequest) -> Page[TransactionRecord]:
        return self._found(Page[TransactionRecord], "transactions", tenant, params=query_of(f, page))

    # Loans

    def loan(self, tenant: str, loan_id: int) -> LoanRecord | None:
        return self._call(LoanRecord, "loan", tenant, loan_id=loan_id)

    def loans(self, tenant: str, f: Filters, page: PageRequest) -> Page[LoanRecord]:
        return self._found(Page[LoanRecord], "loans", tenant, params=query_of(f, page))

    def application(self, tenant: str, application_id: int) -> LoanApplicationRecord | None:
        return self._call(LoanApplicationRecord, "application", tenant, application_id=application_id)

    def applications(self, tenant: str, f: Filters, page: PageRequest) -> Page[LoanApplicationRecord]:
        return self._found(Page[LoanApplicationRecord], "applications", tenant, params=query_of(f, page))

    def product(self, tenant: str, product_id: int) -> LoanProductRecord | None:
        return self._call(LoanProductRecord, "product", tenant, product_id=product_id)

    def products(self, tenant: str, f: Filters, page: PageRequest) -> Page[LoanProductRecord]:
        return self._found(Page[LoanProductRecord], "products", tenant, params=query_of(f, page))

    def repayments(self, tenant: str, loan_id: int, page: PageRequest) -> Page[RepaymentRecord] | None:
        params = query_of(page=page)
        return self._call(Page[RepaymentRecord], "repayments", tenant, params=params, loan_id=loan_id)

    def installments(self, tenant: str, f: Filters, page: PageRequest) -> Page[InstallmentRecord] | None:
        if f.loan_id is None:
            return None
        params = query_of(f, page)
        return self._call(Page[InstallmentRecord], "installments", tenant, params=params, loan_id=f.loan_id)

    def loan_balance(self, tenant: str, loan_id: int, today: date) -> LoanBalance | None:
        params = query_of(as_of=today)
        return self._call(LoanBalance, "loan_balance", tenant, params=params, loan_id=loan_id)

    def collection_cases(self, tenant: str, f: Filters, page: PageRequest) -> Page[CollectionCaseRecord]:
        return self._found(Page[CollectionCaseRecord], "collection_cases", tenant, params=query_of(f, page))

    # Staff and stores

    def agent(self, tenant: str, agent_id: int) -> AgentRecord | None:
        return self._call(AgentRecord, "agent", tenant, agent_id=agent_id)

    def agents(self, tenant: str, f: Filters, page: PageRequest) -> Page[AgentRecord]:
        return self._found(Page[AgentRecord], "agents", tenant, params=query_of(f, page))

    def store(self, tenant: str, store_id: int) -> StoreRecord | None:
        return self._call(StoreRecord, "store", tenant, store_id=store_id)

    def stores(self, tenant: str, f: Filters, page: PageRequest) -> Page[StoreRecord]:
        return self._found(Page[StoreRecord], "stores", tenant, params=query_of(f, page))

    def operator(self, tenant: str, operator_id: int) -> OperatorRecord | None:
        return self._call(OperatorRecord, "operator", tenant, operator_id=operator_id)

    def operators(self, tenant: str, f: Filters, page: PageRequest) -> Page[OperatorRecord]:
        return self._found(Page[OperatorRecord], "operators", tenant, params=query_of(f, page))

    # Insights and scoring

    def reconciliation_reports(self, tenant: str, f: Filters, page: PageRequest) -> Page[ReconciliationRecord]:
        return self._found(Page[ReconciliationRecord], "reconciliation_reports", tenant, params=query_of(f, page))

    def credit_history(self, tenant: str, customer_id: int, since: date, today: date) -> CreditHistory:
        params = query_of(since=since, as_of=today)
        return self._found(CreditHistory, "credit_history", tenant, params=params, customer_id=customer_id)

    def record_score(self, tenant: str, score: NewScore) -> int:
        body = _adapter(NewScore).dump_python(score, mode="json")
        created = self._found(dict[str, int], "record_score", tenant, body=body, customer_id=score.customer_id)
        return created["id"]
