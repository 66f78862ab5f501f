"""Custom tools (seed 002's `POST /api/ai/mcp/tools/register`): a tenant's own HTTP endpoints as platform tools.

A registration names an endpoint, its arguments as a JSON schema (or seed 002's flat parameter map), the
headers to send (an API key, typically) and a cache TTL. It is stored per tenant (table `custom_tools`,
migration 0008); its headers are encrypted at rest (Fernet, key derived from AUTH_JWT_SECRET) and are never
returned, logged or published. Each registration becomes a `CustomTool`, a `Tool` whose `run` makes the
HTTP call, so the executor checks its permission (`ai_agent` + the permission named at registration,
`tools:use` by default) and tenant exactly as for the built-in tools.

Where the server may call: the webhook rule (events/targets.py). The host must resolve to public addresses
only, at registration and again before every call, and the call connects to the checked address (Host and
TLS name kept), so DNS rebinding cannot turn it inward; redirects are not followed. Hosts named in
TOOL_ENDPOINT_ALLOWLIST (`host` or `host:port`) may resolve anywhere, loopback included; nothing else may.

The endpoint's answer is data: a JSON body of at most TOOL_ENDPOINT_MAX_RESPONSE_BYTES, read within
TOOL_ENDPOINT_TIMEOUT_SECONDS, returned as the tool's `result` (an object; any other JSON value as
`{"data": value}`). Timeouts, 5xx, 429, a body too large and an address refused are `ToolUnavailable`; any
other failure of the endpoint is `ToolExecutionError`; arguments that fail the schema are `ToolArgumentError`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import jsonschema
import structlog
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import RootModel
from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from bank_router.events.targets import Target, TargetGuard, Unresolvable, UnsafeTarget, parse
from bank_router.platform.models import NAMING_CONVENTION
from bank_router.tools.catalog import ALIASES, ALL_TOOLS, find
from bank_router.tools.spec import (
    RunContext,
    Tool,
    ToolArgumentError,
    ToolExecutionError,
    ToolUnavailable,
    _strip_titles,
)

log = structlog.get_logger(__name__)

REGISTER_PERMISSION = "tools:register"
DEFAULT_PERMISSION = "tools:use"
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{2,63}$"
PERMISSION_PATTERN = r"^[a-z][a-z0-9_]{0,31}:[a-z][a-z0-9_]{0,31}$"
CATEGORY_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
RESERVED_NAMES = frozenset({"register"})
MAX_TOOLS_PER_TENANT = 100
MAX_SCHEMA_BYTES = 16 * 1024
MAX_HEADERS = 20
# Headers the server sets itself (or that would change how the request is framed or routed).
FORBIDDEN_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
        "content-type",
        "accept-encoding",
    }
)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
_HKDF_INFO = b"bank-router custom tool headers v1"
USER_AGENT = "bank-router-tools/1"

T = TypeVar("T")


class CustomToolBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CustomToolRow(CustomToolBase):
    __tablename__ = "custom_tools"
    __table_args__ = (UniqueConstraint("tenant", "name", name="uq_custom_tools_tenant_name"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # seed 002's tool_id
    tenant: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(1000))
    category: Mapped[str] = mapped_column(String(32))
    permission: Mapped[str] = mapped_column(String(64))
    endpoint: Mapped[str] = mapped_column(String(2048))
    method: Mapped[str] = mapped_column(String(8))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)  # the arguments' JSON schema
    headers_sealed: Mapped[str | None] = mapped_column(Text)  # Fernet token of the headers' JSON
    cache_ttl: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CustomArgs(RootModel[dict[str, Any]]):
    """A custom tool's arguments, already checked against its JSON schema."""


class CustomResult(RootModel[dict[str, Any]]):
    """What the endpoint answered: data, never instructions."""


class RegistrationError(ValueError):
    """A registration that cannot be stored: `field` names the request field, `message` says why."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


@dataclass(frozen=True, kw_only=True)
class CustomTool(Tool[CustomArgs, CustomResult]):
    """One tenant's registered tool; `run` calls its endpoint (the store binds it)."""

    tool_id: str
    tenant: str
    endpoint: str = field(repr=False)
    method: str = "POST"
    schema: dict[str, Any] = field(default_factory=dict, repr=False)
    headers_sealed: str | None = field(default=None, repr=False)

    def json_schema(self) -> dict[str, Any]:
        copy: dict[str, Any] = json.loads(json.dumps(self.schema))  # callers may change theirs
        return copy

    def check_arguments(self, raw: Any) -> CustomArgs:
        """The arguments if they satisfy the registered schema; else ToolArgumentError naming each field."""
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ToolArgumentError([{"field": "(arguments)", "message": "arguments must be a JSON object"}])
        validator = jsonschema.Draft202012Validator(self.schema)
        errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
        if errors:
            details = [
                {"field": ".".join(str(p) for p in e.absolute_path) or "(arguments)", "message": _short(e.message)}
                for e in errors[:10]
            ]
            raise ToolArgumentError(details)
        return CustomArgs(raw)

    def registry_entry(self) -> dict[str, Any]:
        schema = self.json_schema()
        required = set(schema.get("required", []))
        parameters = {
            name: {
                **{k: v for k, v in prop.items() if k not in ("description", "title")},
                "type": prop.get("type", "string"),
                "required": name in required,
                "description": prop.get("description", ""),
            }
            for name, prop in (schema.get("properties") or {}).items()
            if isinstance(prop, dict)
        }
        return {
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "version": self.version,
            "parameters": parameters,
            "requires_auth": True,
            "permission": self.permission,
            "cache_ttl": self.cache_ttl,
            "response_schema": {"type": "object"},
            "audience": "staff",
            "requires_2fa": False,
            "rate_limit": None,
            "examples": [],
            "aliases": [],
            "custom": True,
            "tool_id": self.tool_id,
        }


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."


# ---- what a registration may say ----------------------------------------------------------------------------


def check_name(name: str) -> None:
    """A name no built-in tool or alias has (case-insensitively), not a route word."""
    if not re.fullmatch(NAME_PATTERN, name):
        raise RegistrationError("name", "must be 3-64 letters, digits or _, starting with a letter")
    taken = {n.lower() for n in (*ALL_TOOLS, *ALIASES)}
    if find(name) is not None or name.lower() in taken or name.lower() in RESERVED_NAMES:
        raise RegistrationError("name", "is the name of a built-in tool")


def _refs_are_local(node: Any) -> bool:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
            return False
        return all(_refs_are_local(v) for v in node.values())
    if isinstance(node, list):
        return all(_refs_are_local(v) for v in node)
    return True


def _from_flat(parameters: dict[str, Any]) -> dict[str, Any]:
    """Seed 002's flat map {name: {type, required, description, ...}} as an object JSON schema."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, spec in parameters.items():
        if not isinstance(spec, dict):
            raise RegistrationError(f"parameters.{name}", "must be an object with at least a type")
        flag = spec.get("required", False)
        if not isinstance(flag, bool):
            raise RegistrationError(f"parameters.{name}.required", "must be true or false")
        properties[name] = {k: v for k, v in spec.items() if k != "required"}
        if flag:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def normalise_schema(parameters: dict[str, Any]) -> dict[str, Any]:
    """The arguments' JSON schema: given as one (`"type": "object"`) or as seed 002's flat map; checked against
    the JSON Schema metaschema, an object schema, local `$ref`s only, at most 16 KiB."""
    schema = dict(parameters) if isinstance(parameters.get("type"), str) else _from_flat(parameters)
    if schema.get("type") != "object":
        raise RegistrationError("parameters", 'must be an object schema ("type": "object")')
    if len(json.dumps(schema)) > MAX_SCHEMA_BYTES:
        raise RegistrationError("parameters", f"must be at most {MAX_SCHEMA_BYTES} bytes of JSON")
    if not _refs_are_local(schema):
        raise RegistrationError("parameters", 'may use local $ref ("#/...") only')
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = ".".join(str(p) for p in exc.absolute_path)
        raise RegistrationError(
            "parameters", _short(f"is not a valid JSON schema{' at ' + where if where else ''}: {exc.message}")
        ) from None
    schema.setdefault("properties", {})
    return _strip_titles(schema)  # type: ignore[no-any-return]


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    if len(headers) > MAX_HEADERS:
        raise RegistrationError("headers", f"at most {MAX_HEADERS} headers")
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise RegistrationError("headers", "a header name must be a token of at most 64 characters")
        if name.lower() in FORBIDDEN_HEADERS:
            raise RegistrationError("headers", f"the header {name} is set by the server")
        if not isinstance(value, str) or len(value) > 4096 or any(c in value for c in "\r\n\0"):
            raise RegistrationError("headers", f"the value of {name} must be one line of at most 4096 characters")
    return dict(headers)


def check_endpoint_form(url: str) -> None:
    """The form of the URL (scheme, host, port; no credentials in it: they go in `headers`)."""
    try:
        parsed = parse(url)
    except UnsafeTarget as exc:
        raise RegistrationError("endpoint", str(exc)) from None
    if parsed.userinfo:
        raise RegistrationError("endpoint", "must not carry credentials: send them in headers")
    if parsed.fragment:
        raise RegistrationError("endpoint", "must not have a fragment")


def tool_id_for(name: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return f"tool_{snake[:64]}_{secrets.token_hex(4)}"


# ---- the header key ------------------------------------------------------------------------------------------


def header_cipher(secret: str) -> Fernet:
    """Fernet with a key derived by HKDF-SHA256 from AUTH_JWT_SECRET (its own `info`, so it is no other key)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


# ---- the endpoint's address ----------------------------------------------------------------------------------


def parse_allowlist(text: str) -> frozenset[str]:
    """'api.partner.test, 127.0.0.1:8081' -> {'api.partner.test', '127.0.0.1:8081'} (lower case)."""
    return frozenset(i.strip().lower() for i in (text or "").split(",") if i.strip())


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code: here when no loop runs in this thread, else in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass(frozen=True)
class EndpointRule:
    """The webhook address rule, with TOOL_ENDPOINT_ALLOWLIST's hosts let through (they alone may be private)."""

    allowlist: frozenset[str] = frozenset()
    guard: TargetGuard = field(default_factory=TargetGuard)

    def listed(self, url: str) -> bool:
        parsed = parse(url)
        host = parsed.raw_host.decode("ascii").lower()
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        bare = host.strip("[]")
        return bool({host, bare, f"{host}:{port}", f"[{bare}]:{port}"} & self.allowlist)

    async def check(self, url: str) -> Target:
        # Only a listed host may resolve to loopback or private addresses; WEBHOOK_ALLOW_PRIVATE plays no part.
        return await TargetGuard(allow_private=self.listed(url), resolve=self.guard.resolve).check(url)


# ---- the store -----------------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Registration:
    """A checked registration, ready to store."""

    name: str
    description: str
    category: str
    permission: str
    endpoint: str
    method: str
    schema: dict[str, Any]
    headers: dict[str, str]
    cache_ttl: int
    version: str = "1.0.0"


class CustomTools:
    """The tenants' registered tools (blocking SQL and HTTP: async callers use a worker thread)."""

    def __init__(
        self,
        engine: Engine,
        secret: str,
        *,
        allowlist: str = "",
        timeout: float = 5.0,
        max_bytes: int = 256 * 1024,
        rule: EndpointRule | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._cipher = header_cipher(secret)
        self.rule = rule or EndpointRule(parse_allowlist(allowlist))
        self.timeout, self.max_bytes = timeout, max_bytes
        self._transport = transport

    def ready(self) -> bool:
        try:
            return inspect(self.engine).has_table(CustomToolRow.__tablename__)
        except SQLAlchemyError:
            return False

    # -- registration

    async def check_target(self, url: str) -> None:
        """RegistrationError(endpoint) unless the server may call the URL now."""
        check_endpoint_form(url)
        try:
            await self.rule.check(url)
        except UnsafeTarget as exc:  # Unresolvable included
            raise RegistrationError("endpoint", str(exc)) from None

    def register(self, tenant: str, actor: str | None, reg: Registration) -> CustomTool:
        """Store the registration; RegistrationError 409 when the tenant already has the name."""
        sealed = self._cipher.encrypt(json.dumps(reg.headers).encode()).decode() if reg.headers else None
        row = CustomToolRow(
            id=tool_id_for(reg.name),
            tenant=tenant,
            name=reg.name,
            description=reg.description,
            category=reg.category,
            permission=reg.permission,
            endpoint=reg.endpoint,
            method=reg.method,
            parameters=reg.schema,
            headers_sealed=sealed,
            cache_ttl=reg.cache_ttl,
            version=reg.version,
            created_by=actor,
            created_at=_now(),
        )
        try:
            return self._store(tenant, row)
        except IntegrityError:  # a concurrent registration of the same name
            raise RegistrationError("name", "a tool of this name is already registered", status=409) from None

    def _store(self, tenant: str, row: CustomToolRow) -> CustomTool:
        with self._sessions.begin() as session:
            mine = select(func.count()).select_from(CustomToolRow).where(CustomToolRow.tenant == tenant)
            count = session.scalar(mine)
            if (count or 0) >= MAX_TOOLS_PER_TENANT:
                raise RegistrationError("name", f"a tenant may register at most {MAX_TOOLS_PER_TENANT} tools")
            taken = session.scalar(
                select(CustomToolRow.id).where(CustomToolRow.tenant == tenant, CustomToolRow.name == row.name)
            )
            if taken is not None:
                raise RegistrationError("name", "a tool of this name is already registered", status=409)
            session.add(row)
        return self._tool(row)

    def delete(self, tenant: str, name: str) -> bool:
        with self._sessions.begin() as session:
            gone = session.execute(
                delete(CustomToolRow).where(CustomToolRow.tenant == tenant, CustomToolRow.name == name)
            )
            return bool(getattr(gone, "rowcount", 0))

    # -- look-up

    def get(self, tenant: str, name: str) -> CustomTool | None:
        """The tenant's tool called `name`; ToolUnavailable when the store cannot be read."""
        try:
            with self._sessions() as session:
                row = session.scalar(
                    select(CustomToolRow).where(CustomToolRow.tenant == tenant, CustomToolRow.name == name)
                )
        except SQLAlchemyError as exc:
            log.warning("custom_tools_unreadable", error_type=type(exc).__name__)
            raise ToolUnavailable(name[:64]) from None
        return self._tool(row) if row is not None else None

    def listed(self, tenant: str) -> list[CustomTool]:
        """The tenant's tools by name; empty when the store cannot be read (the built-in tools still list)."""
        try:
            with self._sessions() as session:
                rows = session.scalars(
                    select(CustomToolRow).where(CustomToolRow.tenant == tenant).order_by(CustomToolRow.name)
                ).all()
        except SQLAlchemyError as exc:
            log.warning("custom_tools_unreadable", error_type=type(exc).__name__)
            return []
        return [self._tool(r) for r in rows]

    def _tool(self, row: CustomToolRow) -> CustomTool:
        made: list[CustomTool] = []

        def run(args: CustomArgs, ctx: RunContext) -> CustomResult:
            # The executor has checked the caller's permission and tenant (ctx.tenant is the tool's own).
            return self.call(made[0], args)

        tool = CustomTool(
            name=row.name,
            category=row.category,  # type: ignore[arg-type]  # a tenant's own category
            description=row.description,
            permission=row.permission,
            args=CustomArgs,
            result=CustomResult,
            run=run,
            version=row.version,
            cache_ttl=row.cache_ttl,
            tool_id=row.id,
            tenant=row.tenant,
            endpoint=row.endpoint,
            method=row.method,
            schema=dict(row.parameters or {}),
            headers_sealed=row.headers_sealed,
        )
        made.append(tool)
        return tool

    # -- execution

    def _open(self, tool: CustomTool) -> dict[str, str]:
        if not tool.headers_sealed:
            return {}
        try:
            found = json.loads(self._cipher.decrypt(tool.headers_sealed.encode()))
        except (InvalidToken, ValueError):
            # AUTH_JWT_SECRET changed since the registration: the tool must be registered again.
            log.error("custom_tool_headers_unreadable", tool=tool.name, tenant=tool.tenant)
            raise ToolExecutionError(tool.name) from None
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}

    def call(self, tool: CustomTool, args: CustomArgs) -> CustomResult:
        where = {"tool": tool.name, "tenant": tool.tenant}
        try:
            target = _run(self.rule.check(tool.endpoint))
        except Unresolvable:
            log.warning("custom_tool_unreachable", reason="unresolvable", **where)
            raise ToolUnavailable(tool.name) from None
        except UnsafeTarget:
            log.warning("custom_tool_target_refused", **where)
            raise ToolUnavailable(tool.name) from None
        headers = {
            **self._open(tool),
            "Host": target.host_header,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else None
        request: dict[str, Any] = {"headers": headers, "extensions": extensions}
        if tool.method == "GET":
            request["params"] = {k: v if isinstance(v, str) else json.dumps(v) for k, v in args.root.items()}
        else:
            request["json"] = args.root
        deadline = time.monotonic() + self.timeout
        try:
            with (
                httpx.Client(
                    timeout=self.timeout, follow_redirects=False, trust_env=False, transport=self._transport
                ) as client,
                client.stream(tool.method, target.url, **request) as response,
            ):
                status = response.status_code
                if status >= 500 or status == 429:
                    log.warning("custom_tool_unavailable", status=status, **where)
                    raise ToolUnavailable(tool.name)
                if not 200 <= status < 300:
                    log.warning("custom_tool_refused_call", status=status, **where)
                    raise ToolExecutionError(tool.name)
                if "json" not in response.headers.get("content-type", "").lower():
                    log.warning("custom_tool_not_json", **where)
                    raise ToolExecutionError(tool.name)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        log.warning("custom_tool_response_too_large", limit=self.max_bytes, **where)
                        raise ToolUnavailable(tool.name)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("total deadline")
        except httpx.TimeoutException:
            log.warning("custom_tool_timeout", seconds=self.timeout, **where)
            raise ToolUnavailable(tool.name) from None
        except httpx.HTTPError as exc:
            log.warning("custom_tool_network_error", error_type=type(exc).__name__, **where)
            raise ToolUnavailable(tool.name) from None
        try:
            data = json.loads(bytes(body))
        except ValueError:
            log.warning("custom_tool_not_json", **where)
            raise ToolExecutionError(tool.name) from None
        return CustomResult(data if isinstance(data, dict) else {"data": data})


__all__ = [
    "DEFAULT_PERMISSION",
    "REGISTER_PERMISSION",
    "CustomTool",
    "CustomToolBase",
    "CustomTools",
    "Registration",
    "RegistrationError",
]
