"""Request and response bodies of the public API (CONTRACT.md, seed 003)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCENARIOS = {
    "eligibility": {
        "summary": "Eligibility check",
        "value": {
            "session_id": "sess_user123",
            "user_message": "Can a 16-year-old with 5,000 taka open Prime First Account?",
            "channel": "web",
            "language": "en",
        },
    },
    "comparison": {
        "summary": "Product comparison (allowed)",
        "value": {
            "session_id": "sess_user123",
            "user_message": "What's the difference between Prime First Account and Prime Youth Account?",
            "channel": "web",
            "language": "en",
        },
    },
    "restricted_comparison": {
        "summary": "Restricted comparison (refusal)",
        "value": {
            "session_id": "sess_user123",
            "user_message": "Which gives more profit, Islami DPS or conventional DPS?",
            "channel": "web",
            "language": "en",
        },
    },
    "clarification": {
        "summary": "Low confidence (clarification needed)",
        "value": {
            "session_id": "sess_user123",
            "user_message": "I want something safe",
            "channel": "web",
            "language": "en",
        },
    },
}


MAX_MESSAGE = 10_000
# The schema's spelling of the validator below (trimmed by str.strip, the whitespace of the pattern's \s in
# Python): at least one character that is not whitespace, at most MAX_MESSAGE. A client that keeps to it is
# always accepted; the server also tolerates surrounding whitespace beyond MAX_MESSAGE, as the contract says
# "after trimming". (A pattern bounding the trimmed length exactly needs a {0,9998} repeat, which schema
# tools mishandle.)
MESSAGE_PATTERN = r"\S"


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    session_id: str = Field(min_length=1, max_length=128)
    user_message: str = Field(
        description="1 to 10,000 characters after trimming (whitespace alone is rejected)",
        json_schema_extra={"minLength": 1, "maxLength": MAX_MESSAGE, "pattern": MESSAGE_PATTERN},
    )
    channel: Literal["web", "mobile"]
    language: Literal["en", "bn"] = "en"

    @field_validator("user_message")
    @classmethod
    def _trimmed(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be empty or only whitespace")
        if len(v) > MAX_MESSAGE:
            raise ValueError(f"must be at most {MAX_MESSAGE:,} characters after trimming")
        return v


class Usage(BaseModel):
    """What the turn's model calls cost (seed 001); absent when no model was called."""

    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    estimated_cost: float = Field(description="USD, from the configured price table")
    latency_ms: int = Field(description="time spent in model calls")
    calls: int | None = Field(None, description="model requests made, retries included")


class ChatResponse(BaseModel):
    """The seven contract fields in order; the rest are optional extras."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "message": "Yes, a 16-year-old with ৳5,000 can open Prime First Account. Minimum age is 13; "
                    "minimum balance is ৳1,000; it is for residents of Bangladesh. You meet all the requirements.",
                    "domain": "conventional",
                    "vertical": "save",
                    "agent": "eligibility_graph",
                    "sources": ["knowledge/products/conventional/save/deposit_accounts/prime_first_account.md"],
                    "confidence": 0.95,
                    "refusal": False,
                    "trace_id": "3f0c…",
                }
            ]
        }
    )

    message: str
    domain: Literal["conventional", "islami", "nrb"] | None
    vertical: Literal["save", "credit_card", "debit", "loan"] | None
    agent: str
    sources: list[str]
    confidence: float = Field(ge=0.0, le=1.0)
    refusal: bool
    trace_id: str | None = None
    tools_used: list[str] | None = None
    mode: str | None = Field(None, description="deterministic or llm")
    usage: Usage | None = None
    awaiting: dict[str, Any] | None = Field(
        None, description="While a multi-step workflow (loan scoring) waits for input: what it needs next"
    )
    decision: dict[str, Any] | None = Field(None, description="A workflow's outcome: score, band, decision, score_id")
    context: dict[str, Any] | None = Field(
        None, description="A signed-in customer's answer from their records (seed 002): account_number, last_updated"
    )
    handover: dict[str, Any] | None = Field(
        None, description="The turn handed the customer to a person (human.intervention.requested): the reason"
    )
    conversation_id: str | None = Field(None, description="The stored conversation (GET /api/conversations/{id})")
    message_id: str | None = Field(None, description="The stored answer; rate it with POST /api/feedback")


class ErrorResponse(BaseModel):
    error_code: str
    message: str
    trace_id: str
    details: object | None = None


class ToolExecuteRequest(BaseModel):
    """Seed 002's execute body: the tool's arguments, plus optional caller context (informational only)."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"parameters": {"identity_id": 123}, "context": {}}]},
    )

    parameters: dict[str, Any] = Field(default_factory=dict, description="The tool's arguments (see its details)")
    context: dict[str, Any] = Field(default_factory=dict, description="Free-form request context; never trusted")


class ToolExecuteResponse(BaseModel):
    """Seed 002's execute result."""

    success: bool
    result: Any
    execution_time: float = Field(description="seconds")
    cached: bool
    tool_version: str


class ToolList(BaseModel):
    data: list[dict[str, Any]]
