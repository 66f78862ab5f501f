"""Front-matter schemas for the markdown knowledge base, validated on load."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Domain = Literal["conventional", "islami", "nrb"]
Vertical = Literal["save", "credit_card", "debit", "loan"]
Residency = Literal["resident", "non_resident", "any"]
Unit = Literal["BDT", "USD", "percent", "months", "years", "count"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Eligibility(_Strict):
    """Rules the eligibility agent evaluates in code; amounts are in BDT."""

    min_age: int | None = Field(None, ge=0, le=120)
    max_age: int | None = Field(None, ge=0, le=120)
    min_balance: float | None = Field(None, ge=0)
    min_opening_deposit: float | None = Field(None, ge=0)
    min_monthly_income: float | None = Field(None, ge=0)
    residency: Residency = "any"
    gender: Literal["female", "any"] = "any"
    other: list[str] = []
    other_bn: list[str] = []


class Rates(_Strict):
    """Interest for conventional products, profit for Islami ones (percent per year)."""

    interest_rate: float | None = Field(None, ge=0, le=60)
    profit_rate: float | None = Field(None, ge=0, le=60)
    profit_sharing_ratio: str | None = Field(None, pattern=r"^\d{1,2}:\d{1,2}$")

    @field_validator("profit_sharing_ratio")
    @classmethod
    def _ratio_sums_to_100(cls, v: str | None) -> str | None:
        if v is not None and sum(int(p) for p in v.split(":")) != 100:
            raise ValueError("profit_sharing_ratio parts must add up to 100")
        return v


class Amount(_Strict):
    """One labelled figure: a fee, a limit or a tenure."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    label_bn: str
    amount: float = Field(ge=0)
    unit: Unit = "BDT"
    note: str | None = None


class Product(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_bn: str
    aliases: list[str] = []
    aliases_bn: list[str] = []
    domain: Domain
    vertical: Vertical
    group: str
    type: str = Field(description="Product type, e.g. savings_account, term_deposit, credit_card")
    shariah_contract: str | None = None
    summary: str
    summary_bn: str
    eligibility: Eligibility = Eligibility()
    rates: Rates = Rates()
    fees: list[Amount] = []
    limits: list[Amount] = []
    documents: list[str] = []
    documents_bn: list[str] = []
    features: list[str] = []
    features_bn: list[str] = []


class GlossaryTerm(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    term: str
    term_bn: str
    aliases: list[str] = []
    aliases_bn: list[str] = []
    domain: Domain | None = None
    definition: str
    definition_bn: str


class Step(_Strict):
    title: str
    title_bn: str
    detail: str
    detail_bn: str


class OnboardingGuide(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    title_bn: str
    audience: Literal["customer", "staff"]
    aliases: list[str] = []
    aliases_bn: list[str] = []
    domains: list[Domain] = []
    verticals: list[Vertical] = []
    types: list[str] = []
    steps: list[Step] = Field(min_length=1)
    documents: list[str] = []
    documents_bn: list[str] = []


class PolicyDoc(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    title_bn: str
    aliases: list[str] = []
    aliases_bn: list[str] = []
    summary: str
    summary_bn: str
