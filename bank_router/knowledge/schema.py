"""Front-matter schemas for the markdown knowledge base, validated on load."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


SupportArea = Literal[
    "cards",
    "atm_cash",
    "transfers",
    "charges_disputes",
    "account_care",
    "identity",
    "digital_banking",
    "security",
    "general",
]
FactUnit = Literal["BDT", "USD", "percent", "hours", "minutes", "days", "working_days", "months", "count", "text"]
# Bank-wide facts every support answer may name; their values live in the contact topic.
SHARED_FACTS = ("hotline", "hotline_abroad", "hotline_hours", "support_email")
_DIGIT = re.compile(r"[0-9\u09e6-\u09ef]")
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


class Fact(_Strict):
    """One figure a customer needs: a fee, a limit, a time, a code."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    label_bn: str
    value: float | str
    value_bn: str | None = None  # a text value in Bangla, when it has words ("24 hours a day")
    unit: FactUnit = "text"


class SupportStep(_Strict):
    en: str
    bn: str


class SupportTopic(_Strict):
    """One everyday-service topic: how customers say it, what to do, and the facts behind the answer."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    area: SupportArea
    title: str
    title_bn: str
    urgent: bool = False
    vertical: Vertical | None = None
    intents: list[str] = Field(default=[], description="public dataset intents this topic answers: banking77:x")
    cues: list[str] = []
    cues_bn: list[str] = []
    cues_banglish: list[str] = []
    answer: str
    answer_bn: str
    steps: list[SupportStep] = []
    facts: list[Fact] = []
    app_path: str | None = None
    app_path_bn: str | None = None
    needs_records: bool = False
    branch_visit: bool = False
    documents: list[str] = []
    documents_bn: list[str] = []
    related_products: list[str] = []
    handover: str | None = None
    handover_bn: str | None = None

    @field_validator("intents")
    @classmethod
    def _intent_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not re.fullmatch(r"(banking77|clinc150):[A-Za-z_?]+", name):
                raise ValueError(f"intent {name!r} must be banking77:<intent> or clinc150:<intent>")
        return v

    @model_validator(mode="after")
    def _numbers_in_facts(self) -> SupportTopic:
        """Every figure in customer text comes from a fact, so one edit changes every answer."""
        keys = {f.key for f in self.facts} | set(SHARED_FACTS)
        # Titles too: a clarifying question offers them with no source to ground a figure in.
        texts = [self.title, self.title_bn, self.answer, self.answer_bn, self.handover or "", self.handover_bn or ""]
        texts += [t for s in self.steps for t in (s.en, s.bn)]
        for text in texts:
            bare = _PLACEHOLDER.sub("", text)
            if _DIGIT.search(bare):
                raise ValueError(f"a number outside a {{fact}} placeholder in: {text[:60]!r}")
            for key in _PLACEHOLDER.findall(text):
                if key not in keys:
                    raise ValueError(f"placeholder {{{key}}} names no fact of this topic")
        bangla = [self.answer_bn, self.handover_bn or "", *(s.bn for s in self.steps)]
        for f in self.facts:
            worded = isinstance(f.value, str) and re.search(r"[a-z]{3,}", f.value) and "@" not in f.value
            if worded and not f.value_bn and any("{" + f.key + "}" in t for t in bangla):
                raise ValueError(f"fact {f.key!r} has English words and is used in Bangla text: give value_bn")
        return self
