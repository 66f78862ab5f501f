"""Build the long-lived services once per process; tests build their own."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import structlog

from bank_router.events.bus import EventBus
from bank_router.knowledge.catalog import Catalog
from bank_router.knowledge.index import KnowledgeIndex, make_client
from bank_router.knowledge.retriever import Retriever
from bank_router.language.classifier import (
    Example,
    IntentClassifier,
    classifier_views,
    load_or_train,
    training_fingerprint,
)
from bank_router.language.embeddings import Embedder, make_embedder
from bank_router.language.templates import Templates
from bank_router.language.training import TOPIC_PER_INTENT, router_examples, topic_examples, training_files
from bank_router.llm import LLM, build_llm
from bank_router.platform.db import make_engine, platform_url, session_factory
from bank_router.platform.seed import ensure_seeded
from bank_router.policy import PolicyBook
from bank_router.settings import Settings, get_settings
from bank_router.tools.adapter import PlatformAdapter
from bank_router.tools.banking_records import BankingStore
from bank_router.tools.custom import CustomTools
from bank_router.tools.http_platform import HttpPlatform
from bank_router.tools.otp import derive_key, make_sender
from bank_router.tools.spec import ToolDeps
from bank_router.tools.sql_banking import SqlBanking
from bank_router.tools.sql_platform import SqlPlatform

log = structlog.get_logger(__name__)


@dataclass
class Services:
    settings: Settings
    catalog: Catalog
    embedder: Embedder
    index: KnowledgeIndex
    classifier: IntentClassifier
    topics: IntentClassifier  # which support topic an everyday-service question is about
    policy: PolicyBook
    templates: Templates
    tools: ToolDeps
    index_stats: dict[str, int]
    events: EventBus = field(default_factory=EventBus)
    clock: Callable[[], float] = time.time
    llm: LLM | None = None  # None: no API key, the deterministic engine answers alone

    @property
    def retriever(self) -> Retriever:
        """Retrieval over this catalog's index: derived, so a replaced index or catalog is the one searched."""
        return Retriever(self.index, self.embedder, self.catalog)


def _fit(examples: list[Example], catalog: Catalog, embedder: Embedder, vectors: dict[str, Any]) -> IntentClassifier:
    views = [classifier_views(e.text, catalog) for e in examples]
    todo = list(dict.fromkeys(v[1] for v in views if v[1] not in vectors))
    if todo:
        vectors.update(zip(todo, embedder.encode(todo), strict=True))
    x = np.stack([vectors[v[1]] for v in views])
    lexical, semantic = [v[0] for v in views], [v[1] for v in views]
    weights = [e.weight for e in examples]
    return IntentClassifier(embedder).fit(lexical, semantic, [e.label for e in examples], x, weights)


def train_classifiers(
    settings: Settings, catalog: Catalog, embedder: Embedder
) -> tuple[IntentClassifier, IntentClassifier]:
    """The router's intent classifier and the support topic classifier, cached by what they learn from."""
    files = training_files(settings.public_dir, settings.phrasings_dir)
    extra = embedder.model_id + catalog.support_fingerprint()
    fp = training_fingerprint(settings.training_file, catalog.root / "lexicon.yaml", *files, extra=extra)
    vectors: dict[str, Any] = {}  # both learn from the same everyday-banking rows: embed each text once

    def intents() -> IntentClassifier:
        rows = router_examples(settings.training_file, catalog, settings.public_dir, settings.phrasings_dir)
        return _fit(rows, catalog, embedder, vectors)

    def topics() -> IntentClassifier:
        rows = topic_examples(catalog, settings.public_dir, settings.phrasings_dir, TOPIC_PER_INTENT)
        return _fit(rows, catalog, embedder, vectors)

    router = load_or_train(settings.model_cache_dir, fp, embedder, intents)
    topic = load_or_train(settings.model_cache_dir, fp, embedder, topics, kind="topic")
    return router, topic


def build_platform(settings: Settings) -> PlatformAdapter:
    """The core-banking API when CORE_BANKING_URL is set, else the SQL demo platform."""
    return build_platforms(settings)[0]


def build_platforms(settings: Settings) -> tuple[PlatformAdapter, BankingStore | None]:
    """The staff tools' platform, and the customers' own banking (None behind a core-banking API, which
    has no customer endpoints yet: the customer tools then answer 503)."""
    if settings.core_banking_url:
        key = settings.core_banking_api_key.get_secret_value() if settings.core_banking_api_key else None
        return HttpPlatform(settings.core_banking_url, key, settings.core_banking_timeout), None
    # The demo platform is created on first start (migrated, then seeded once).
    engine = make_engine(platform_url(settings))
    ensure_seeded(engine)
    sessions = session_factory(engine)
    return SqlPlatform(sessions), SqlBanking(sessions)


def build_custom_tools(settings: Settings) -> CustomTools:
    """The tenants' registered tools, in the platform database (migration 0008)."""
    return CustomTools(
        make_engine(platform_url(settings)),
        settings.auth_jwt_secret,
        allowlist=settings.tool_endpoint_allowlist,
        timeout=settings.tool_endpoint_timeout_seconds,
        max_bytes=settings.tool_endpoint_max_response_bytes,
    )


def build_services(settings: Settings | None = None, progress: Any = None) -> Services:
    settings = settings or get_settings()
    settings.check()
    t0 = time.perf_counter()
    catalog = Catalog(settings.knowledge_dir)
    embedder = make_embedder(settings.model_cache_dir, settings.embed_threads, settings.embedding_model)
    index = KnowledgeIndex(make_client(settings.chroma_path, settings.chroma_url), embedder)
    stats = index.sync(catalog, progress)
    classifier, topics = train_classifiers(settings, catalog, embedder)
    platform, banking = build_platforms(settings)
    events = EventBus()
    services = Services(
        settings=settings,
        catalog=catalog,
        embedder=embedder,
        index=index,
        classifier=classifier,
        topics=topics,
        policy=PolicyBook.load(settings.policy_dir),
        templates=Templates.load(),
        tools=ToolDeps(
            platform=platform,
            catalog=catalog,
            events=events,
            banking=banking,
            codes=make_sender(settings),
            code_secret=derive_key(settings.auth_jwt_secret),
            custom=build_custom_tools(settings),
        ),
        index_stats=stats,
        events=events,
        llm=build_llm(settings),
    )
    log.info(
        "services_ready",
        seconds=round(time.perf_counter() - t0, 2),
        products=len(catalog.products),
        invalid_files=len(catalog.errors),
        mode="llm" if services.llm else "deterministic",
        **stats,
    )
    return services


@lru_cache
def get_services() -> Services:
    """The process-wide services (used by LangGraph Studio and the API)."""
    return build_services()
