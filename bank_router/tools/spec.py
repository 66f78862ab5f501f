"""How a platform tool is declared once: its arguments, result, permission and runner, plus the errors tools raise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

if TYPE_CHECKING:
    from bank_router.events.bus import EventBus
    from bank_router.knowledge.catalog import Catalog
    from bank_router.tools.adapter import PlatformAdapter
    from bank_router.tools.banking_records import BankingStore
    from bank_router.tools.custom import CustomTools
    from bank_router.tools.otp import CodeSender

Category = Literal[
    "customer", "transaction", "loan", "staff", "insights", "onboarding", "workflow", "account", "card", "payment"
]
# Who may run a tool: staff (by permission) or the signed-in customer the rows belong to.
Audience = Literal["staff", "customer"]
VERSION = "1.0.0"
MAX_ID = 2_147_483_647

# Argument building blocks shared by every tool.
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ReferenceId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]


class ToolError(Exception):
    """A failure the caller may be told about; `code` is stable, `message` holds no internals."""

    code = "tool_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ToolNotFound(ToolError):
    code = "tool_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown tool: {name[:64]}")
        self.name = name


class ToolForbidden(ToolError):
    code = "permission_denied"

    def __init__(self, permission: str, missing: list[str] | None = None) -> None:
        self.missing = missing or [permission]
        super().__init__("Missing permission: " + ", ".join(self.missing))
        self.permission = permission


class ToolArgumentError(ToolError):
    code = "validation_error"

    def __init__(self, details: list[dict[str, str]]) -> None:
        fields = ", ".join(d["field"] for d in details) or "arguments"
        super().__init__(f"Invalid arguments: {fields}")
        self.details = details


class RecordNotFound(ToolError):
    """The record is not in the caller's tenant; whether it exists elsewhere is never said."""

    code = "not_found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"No {kind} found for {key}")
        self.kind = kind


class CustomerOnly(ToolForbidden):
    """A customer tool asked for without a signed-in customer's token (staff and anonymous callers alike)."""

    code = "customer_token_required"

    def __init__(self, name: str) -> None:
        ToolError.__init__(self, f"The tool {name} runs only for a signed-in customer, on their own accounts")
        self.missing: list[str] = []
        self.permission = "role:customer"


class ActionRefused(ToolError):
    """The customer's request is understood but cannot be done as asked; `details` say why (no secrets)."""

    code = "action_refused"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class CodeRejected(ActionRefused):
    code = "invalid_code"

    def __init__(self, tries_left: int) -> None:
        tail = f"{tries_left} tries left" if tries_left else "no tries left: ask for a new code"
        super().__init__(f"The code is not correct; {tail}", tries_left=tries_left)


class CodeExpired(ActionRefused):
    code = "code_expired"

    def __init__(self) -> None:
        super().__init__("The code has expired; nothing was moved. Ask for a new code")


class CodeLocked(ActionRefused):
    code = "code_locked"

    def __init__(self) -> None:
        super().__init__("Too many wrong codes; nothing was moved. Ask for a new code", tries_left=0)


class CodeUsed(ActionRefused):
    code = "code_used"

    def __init__(self) -> None:
        super().__init__("This code has already been used; it never works twice")


class InsufficientFunds(ActionRefused):
    code = "insufficient_funds"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"Not enough available balance in {account_id}; nothing was moved", account_id=account_id)


class TransferRefused(ActionRefused):
    code = "transfer_refused"

    def __init__(self, message: str, reason: str, **details: Any) -> None:
        super().__init__(message, reason=reason, **details)


class ToolExecutionError(ToolError):
    code = "tool_failed"

    def __init__(self, name: str) -> None:
        super().__init__(f"The tool {name} failed; please try again later")
        self.name = name


class ToolUnavailable(ToolExecutionError):
    """The platform behind the tool is down, slow or refusing us: the contract's 503, not the caller's fault."""

    code = "platform_unavailable"

    def __init__(self, name: str) -> None:
        ToolError.__init__(self, f"The tool {name} could not reach the banking platform; please try again later")
        self.name = name


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, kw_only=True)
class ToolDeps:
    """What tools run against: the platform data, the knowledge catalog and a clock (naive UTC)."""

    platform: PlatformAdapter
    catalog: Catalog
    clock: Callable[[], datetime] = field(default=_now)
    # Where `tool.executed` is published (webhooks, WebSocket subscribers); None in bare tool tests.
    events: EventBus | None = None
    # Customers' own banking (the SQL demo platform); None: the customer tools are unavailable.
    banking: BankingStore | None = None
    # Where one-time codes go, and the key their HMACs are made with; without both, no transfer is offered.
    codes: CodeSender | None = None
    code_secret: bytes = b""
    # The tenants' registered HTTP tools (seed 002's register); None: only the built-in tools exist.
    custom: CustomTools | None = None


@dataclass(frozen=True, kw_only=True)
class RunContext:
    """One execution: the caller's tenant and id, and the dependencies."""

    tenant: str
    actor: str | None
    deps: ToolDeps
    # The signed-in customer a customer tool runs for (their id in the platform); None for staff tools.
    customer_id: int | None = None


class Args(BaseModel):
    """Base of every argument model: unknown keys are rejected so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class PageArgs(Args):
    page_size: int = Field(10, ge=1, le=100, description="Rows per page, 1 to 100.")
    page_number: int = Field(1, ge=1, le=100_000, description="Page to return, starting at 1.")


A = TypeVar("A", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)


def _strip_titles(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip_titles(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


def _parameter(prop: dict[str, Any], required: bool) -> dict[str, Any]:
    """One argument in the registry's flat shape (seed 002): type, required, description and limits."""
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    base = options[0] if options else {}
    out: dict[str, Any] = {"type": base.get("type", "string"), "required": required}
    out["description"] = prop.get("description", "")
    for key in ("enum", "format", "pattern", "minimum", "maximum", "minLength", "maxLength"):
        if key in base:
            out[key] = base[key]
    if "default" in prop and prop["default"] is not None:
        out["default"] = prop["default"]
    return out


@dataclass(frozen=True, kw_only=True)
class Tool(Generic[A, R]):
    """A platform tool, declared once; everything else (registry, function schema, checks) derives from it."""

    name: str
    category: Category
    description: str
    permission: str | None
    args: type[A]
    result: type[R]
    run: Callable[[A, RunContext], R]
    version: str = VERSION
    cache_ttl: int = 0
    audience: Audience = "staff"
    # Seed 002: the action needs a one-time code before it takes effect.
    requires_2fa: bool = False
    # "<count>/<second|minute|hour|day>" per caller and tool (seed 002), enforced by the REST and MCP routes.
    rate_limit: str | None = None
    examples: tuple[dict[str, Any], ...] = ()
    # Other names the tool answers to (seed 002's CheckBalanceTool, TransferFundsTool...).
    aliases: tuple[str, ...] = ()

    def json_schema(self) -> dict[str, Any]:
        """JSON schema of the arguments."""
        schema: dict[str, Any] = _strip_titles(self.args.model_json_schema())
        schema.setdefault("properties", {})
        schema["additionalProperties"] = False
        return schema

    def registry_entry(self) -> dict[str, Any]:
        """The tool as the registry lists it (seed 002's tool details)."""
        schema = self.json_schema()
        required = set(schema.get("required", []))
        return {
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "version": self.version,
            "parameters": {n: _parameter(p, n in required) for n, p in schema["properties"].items()},
            "requires_auth": self.permission is not None or self.audience == "customer",
            "permission": self.permission,
            "cache_ttl": self.cache_ttl,
            "response_schema": _strip_titles(self.result.model_json_schema()),
            "audience": self.audience,
            "requires_2fa": self.requires_2fa,
            "rate_limit": self.rate_limit,
            "examples": list(self.examples),
            "aliases": list(self.aliases),
        }

    def openai_tool(self) -> dict[str, Any]:
        """The OpenAI function-calling declaration."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.json_schema()},
        }
