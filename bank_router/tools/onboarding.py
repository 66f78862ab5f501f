"""The staff customer onboarding guide (registration, staging, approval) from the knowledge base."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from bank_router.tools.common import Args, found
from bank_router.tools.spec import RunContext, Tool

GUIDE_ID = "staff_customer_onboarding"


class GuideArgs(Args):
    language: Literal["en", "bn"] = Field("en", description="Language of the guide: en (English) or bn (Bangla).")


class GuideStep(BaseModel):
    number: int
    stage: str = Field(description="registration, staging or approval")
    title: str
    detail: str


class OnboardingGuideResult(BaseModel):
    guide_id: str
    title: str
    source: str = Field(description="Knowledge file the guide comes from")
    stages: list[str]
    steps: list[GuideStep]
    documents: list[str]


def _stage(english_title: str) -> str:
    head, sep, _ = english_title.partition(":")
    return head.strip().lower() if sep else "general"


def customer_onboarding_guide(args: GuideArgs, ctx: RunContext) -> OnboardingGuideResult:
    doc = found(ctx.deps.catalog.onboarding.get(GUIDE_ID), "onboarding guide", GUIDE_ID)
    guide = doc.meta
    bn = args.language == "bn"
    steps = [
        GuideStep(
            number=n,
            stage=_stage(s.title),
            title=s.title_bn if bn else s.title,
            detail=s.detail_bn if bn else s.detail,
        )
        for n, s in enumerate(guide.steps, start=1)
    ]
    return OnboardingGuideResult(
        guide_id=guide.id,
        title=guide.title_bn if bn else guide.title,
        source=doc.path,
        stages=list(dict.fromkeys(s.stage for s in steps)),
        steps=steps,
        documents=guide.documents_bn if bn else guide.documents,
    )


ONBOARDING_TOOLS: list[Tool[Any, Any]] = [
    Tool(
        name="customer_onboarding_guide",
        category="onboarding",
        description="Step-by-step staff guidance for onboarding a new customer: registration, staging and approval.",
        permission=None,
        args=GuideArgs,
        result=OnboardingGuideResult,
        run=customer_onboarding_guide,
        cache_ttl=3600,
    ),
]
