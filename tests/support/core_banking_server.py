"""A local core-banking REST API for tests: the shape HttpPlatform expects, served from a SQL platform.

Run: `CORE_DB_URL=sqlite:///... CORE_API_KEY=... uvicorn tests.support.core_banking_server:app`.
`PUT /_control/fault/{error|slow|none}` makes every later answer a 503, or 2 s late, or normal again.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import fields
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter

from bank_router.platform.db import make_engine, session_factory
from bank_router.platform.seed import ensure_seeded
from bank_router.tools.adapter import CreditHistory, Filters, NewScore, PageRequest
from bank_router.tools.sql_platform import SqlPlatform

API_KEY = os.environ.get("CORE_API_KEY", "")
_engine = make_engine(os.environ.get("CORE_DB_URL", "sqlite:///core-banking.sqlite"))
ensure_seeded(_engine)
db = SqlPlatform(session_factory(_engine))
app = FastAPI(title="core-banking test server")
app.state.fault = "none"
_FILTERS = TypeAdapter(Filters)
_FILTER_NAMES = {f.name for f in fields(Filters)}


@app.middleware("http")
async def faults(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    if not request.url.path.startswith("/_control") and app.state.fault == "error":
        return JSONResponse({"error": "core banking is down"}, status_code=503)
    if not request.url.path.startswith("/_control") and app.state.fault == "slow":
        await asyncio.sleep(2)
    return await call_next(request)


@app.put("/_control/fault/{mode}")
def set_fault(mode: str) -> dict[str, str]:
    app.state.fault = mode
    return {"fault": mode}


def tenant(x_tenant_id: Annotated[str, Header()], authorization: Annotated[str, Header()] = "") -> str:
    """The caller must present the API key; every answer comes from the tenant it names."""
    if not secrets.compare_digest(authorization, f"Bearer {API_KEY}"):
        raise HTTPException(401, "bad API key")
    return x_tenant_id


def filters(request: Request) -> Filters:
    return _FILTERS.validate_python({k: v for k, v in request.query_params.items() if k in _FILTER_NAMES})


def page(page_number: int = 1, page_size: int = 10) -> PageRequest:
    return PageRequest(page_number=page_number, page_size=page_size)


Tenant = Annotated[str, Depends(tenant)]
F = Annotated[Filters, Depends(filters)]
P = Annotated[PageRequest, Depends(page)]


def out(value: Any) -> Any:
    """The JSON body, or 404 when the record is not in the tenant."""
    if value is None:
        raise HTTPException(404, "not found")
    return TypeAdapter(type(value)).dump_python(value, mode="json")


@app.get("/customers/{customer_id}")
def customer(customer_id: int, t: Tenant) -> Any:
    return out(db.customer(t, customer_id))


@app.get("/customers")
def customers(t: Tenant, f: F, p: P) -> Any:
    return out(db.customers(t, f, p))


@app.get("/customers/{customer_id}/blacklist")
def blacklist(customer_id: int, t: Tenant) -> Any:
    return out(db.blacklist_status(t, customer_id))


@app.get("/customers/{customer_id}/scores")
def scores(customer_id: int, t: Tenant, p: P) -> Any:
    return out(db.score_history(t, customer_id, p))


@app.post("/customers/{customer_id}/scores", status_code=201)
def record_score(customer_id: int, t: Tenant, body: dict[str, Any]) -> Any:
    score = TypeAdapter(NewScore).validate_python({**body, "customer_id": customer_id})
    return {"id": db.record_score(t, score)}


@app.get("/customers/{customer_id}/credit-history")
def credit_history(customer_id: int, t: Tenant, since: date, as_of: date) -> Any:
    history: CreditHistory = db.credit_history(t, customer_id, since, as_of)
    return out(history)


@app.get("/transactions/{txn_id}")
def transaction(txn_id: int, t: Tenant) -> Any:
    return out(db.transaction(t, txn_id, None))


@app.get("/transactions")
def transactions(t: Tenant, f: F, p: P) -> Any:
    return out(db.transactions(t, f, p))


@app.get("/loans/{loan_id}")
def loan(loan_id: int, t: Tenant) -> Any:
    return out(db.loan(t, loan_id))


@app.get("/loans")
def loans(t: Tenant, f: F, p: P) -> Any:
    return out(db.loans(t, f, p))


@app.get("/loans/{loan_id}/repayments")
def repayments(loan_id: int, t: Tenant, p: P) -> Any:
    return out(db.repayments(t, loan_id, p))


@app.get("/loans/{loan_id}/installments")
def installments(loan_id: int, t: Tenant, p: P, status: str | None = None) -> Any:
    return out(db.installments(t, Filters(loan_id=loan_id, status=status), p))


@app.get("/loans/{loan_id}/balance")
def balance(loan_id: int, t: Tenant, as_of: Annotated[date, Query()]) -> Any:
    return out(db.loan_balance(t, loan_id, as_of))


@app.get("/collection-cases")
def collection_cases(t: Tenant, f: F, p: P) -> Any:
    return out(db.collection_cases(t, f, p))


@app.get("/loan-applications/{application_id}")
def application(application_id: int, t: Tenant) -> Any:
    return out(db.application(t, application_id))


@app.get("/loan-applications")
def applications(t: Tenant, f: F, p: P) -> Any:
    return out(db.applications(t, f, p))


@app.get("/loan-products/{product_id}")
def product(product_id: int, t: Tenant) -> Any:
    return out(db.product(t, product_id))


@app.get("/loan-products")
def products(t: Tenant, f: F, p: P) -> Any:
    return out(db.products(t, f, p))


@app.get("/agents/{agent_id}")
def agent(agent_id: int, t: Tenant) -> Any:
    return out(db.agent(t, agent_id))


@app.get("/agents")
def agents(t: Tenant, f: F, p: P) -> Any:
    return out(db.agents(t, f, p))


@app.get("/stores/{store_id}")
def store(store_id: int, t: Tenant) -> Any:
    return out(db.store(t, store_id))


@app.get("/stores")
def stores(t: Tenant, f: F, p: P) -> Any:
    return out(db.stores(t, f, p))


@app.get("/operators/{operator_id}")
def operator(operator_id: int, t: Tenant) -> Any:
    return out(db.operator(t, operator_id))


@app.get("/operators")
def operators(t: Tenant, f: F, p: P) -> Any:
    return out(db.operators(t, f, p))


@app.get("/reconciliation-reports")
def reconciliation_reports(t: Tenant, f: F, p: P) -> Any:
    return out(db.reconciliation_reports(t, f, p))


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
