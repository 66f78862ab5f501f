"""Staff and organisation tools: agents, stores and operators."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from bank_router.tools.adapter import Filters
from bank_router.tools.common import Args, PageArgs, found, page_of
from bank_router.tools.records import AgentRecord, OperatorRecord, Page, StoreRecord
from bank_router.tools.spec import RecordId, RunContext, SearchText, Tool

StaffStatus = Literal["active", "inactive", "suspended"]
Region = Literal["Dhaka", "Chattogram", "Rajshahi", "Khulna", "Barishal", "Sylhet", "Rangpur", "Mymensingh"]


class AgentArgs(Args):
    agent_id: RecordId = Field(description="Agent (identity) id.")


class OperatorArgs(Args):
    operator_id: RecordId = Field(description="Operator (identity) id.")


class StoreArgs(Args):
    store_id: RecordId = Field(description="Store id.")


class ListStoresArgs(PageArgs):
    search_string: SearchText | None = Field(None, description="Part of a store name, district or phone, or an id.")
    status: StaffStatus | None = Field(None, description="Only stores in this state.")
    region: Region | None = Field(None, description="Division the store is in.")


class ListStaffArgs(PageArgs):
    search_string: SearchText | None = Field(None, description="Part of a name or phone number, or an id.")
    status: StaffStatus | None = Field(None, description="Only staff in this state.")
    store_id: RecordId | None = Field(None, description="Only staff of this store.")
    region: Region | None = Field(None, description="Division the staff member works in.")


def _staff_filters(args: ListStaffArgs) -> Filters:
    return Filters(search=args.search_string, status=args.status, store_id=args.store_id, region=args.region)


def get_agent_info(args: AgentArgs, ctx: RunContext) -> AgentRecord:
    return found(ctx.deps.platform.agent(ctx.tenant, args.agent_id), "agent", args.agent_id)


def list_agents(args: ListStaffArgs, ctx: RunContext) -> Page[AgentRecord]:
    return ctx.deps.platform.agents(ctx.tenant, _staff_filters(args), page_of(args))


def get_store_info(args: StoreArgs, ctx: RunContext) -> StoreRecord:
    return found(ctx.deps.platform.store(ctx.tenant, args.store_id), "store", args.store_id)


def list_stores(args: ListStoresArgs, ctx: RunContext) -> Page[StoreRecord]:
    filters = Filters(search=args.search_string, status=args.status, region=args.region)
    return ctx.deps.platform.stores(ctx.tenant, filters, page_of(args))


def get_operator_info(args: OperatorArgs, ctx: RunContext) -> OperatorRecord:
    return found(ctx.deps.platform.operator(ctx.tenant, args.operator_id), "operator", args.operator_id)


def list_operators(args: ListStaffArgs, ctx: RunContext) -> Page[OperatorRecord]:
    return ctx.deps.platform.operators(ctx.tenant, _staff_filters(args), page_of(args))


def _staff_tool(name: str, description: str, args: type[Any], result: type[Any], run: Any) -> Tool[Any, Any]:
    return Tool(
        name=name,
        category="staff",
        description=description,
        permission="staff:read",
        args=args,
        result=result,
        run=run,
        cache_ttl=300,
    )


STAFF_TOOLS: list[Tool[Any, Any]] = [
    _staff_tool(
        "get_agent_info", "Full agent details by agent_id (identity id).", AgentArgs, AgentRecord, get_agent_info
    ),
    _staff_tool(
        "list_agents",
        "Search or list agents by name, phone, status, store or region.",
        ListStaffArgs,
        Page[AgentRecord],
        list_agents,
    ),
    _staff_tool("get_store_info", "Store details by store_id.", StoreArgs, StoreRecord, get_store_info),
    _staff_tool(
        "list_stores",
        "Search or list stores (branches and outlets) by name, district, status or region.",
        ListStoresArgs,
        Page[StoreRecord],
        list_stores,
    ),
    _staff_tool(
        "get_operator_info",
        "Operator details by operator_id (identity id), including role and store.",
        OperatorArgs,
        OperatorRecord,
        get_operator_info,
    ),
    _staff_tool(
        "list_operators",
        "Search or list operators by name, phone, email, status, store or region.",
        ListStaffArgs,
        Page[OperatorRecord],
        list_operators,
    ),
]
