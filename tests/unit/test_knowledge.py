"""The knowledge base: every file valid, the seed's facts exact, bad files reported and skipped."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from bank_router.knowledge.catalog import Catalog
from bank_router.knowledge.index import KnowledgeIndex, chunk_body, make_client
from bank_router.language.parsing import fold
from bank_router.services import Services
from bank_router.settings import ROOT

KNOWLEDGE = ROOT / "knowledge"


def test_every_knowledge_file_validates() -> None:
    catalog = Catalog(KNOWLEDGE)
    assert catalog.errors == []


def test_catalog_covers_every_domain_and_vertical() -> None:
    catalog = Catalog(KNOWLEDGE)
    assert len(catalog.products) >= 40
    pairs = {(d.meta.domain, d.meta.vertical) for d in catalog.products.values()}
    assert pairs == {
        (d, v) for d in ("conventional", "islami", "nrb") for v in ("save", "credit_card", "debit", "loan")
    }
    assert len(catalog.glossary) >= 15
    assert {"mudaraba", "wadiah", "dps", "fdr", "e_kyc", "nid"} <= set(catalog.glossary)
    assert any(g.meta.audience == "staff" for g in catalog.onboarding.values())
    assert any(g.meta.audience == "customer" for g in catalog.onboarding.values())
    assert catalog.policies


def test_seed_products_have_the_seed_facts() -> None:
    catalog = Catalog(KNOWLEDGE)
    first, youth = catalog.products["prime_first_account"].meta, catalog.products["prime_youth_account"].meta
    assert (first.eligibility.min_age, first.eligibility.min_balance) == (13, 1000)
    assert (youth.eligibility.min_age, youth.eligibility.min_balance) == (18, 500)


def test_aliases_name_one_product_each() -> None:
    catalog = Catalog(KNOWLEDGE)
    names = Counter(
        fold(n)
        for d in catalog.products.values()
        for n in [d.meta.name, d.meta.name_bn, *d.meta.aliases, *d.meta.aliases_bn]
    )
    assert [n for n, c in names.items() if c > 1] == []


def test_malformed_file_is_reported_with_path_and_field_and_skipped(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    bad = root / "products/conventional/save/deposit_accounts/prime_youth_account.md"
    bad.write_text(bad.read_text("utf-8").replace("min_age: 18", "min_age: eighteen"), "utf-8")
    (root / "glossary/broken.md").write_text("no front matter here", "utf-8")
    catalog = Catalog(root)
    assert "prime_youth_account" not in catalog.products and "prime_first_account" in catalog.products
    fields = {(e.path, e.field) for e in catalog.errors}
    assert (
        "knowledge/products/conventional/save/deposit_accounts/prime_youth_account.md",
        "eligibility.min_age",
    ) in fields
    assert ("knowledge/glossary/broken.md", "(front matter)") in fields


def test_chunks_keep_the_title_and_stay_small() -> None:
    chunks = chunk_body("## A\n\n" + "word " * 400 + "\n\n" + "more " * 200 + "\n## B\n\nshort", "Title")
    assert all(c.startswith("Title\n") for c in chunks)
    assert len(chunks) >= 3


def test_index_reembeds_only_changed_files(tmp_path: Path, services: Services) -> None:
    root = tmp_path / "knowledge"
    # The glossary alone: enough files to show that only the changed one is embedded again.
    shutil.copytree(KNOWLEDGE / "glossary", root / "glossary")
    index = KnowledgeIndex(make_client(tmp_path / "chroma", None), services.embedder)
    first = index.sync(Catalog(root))
    assert first["reindexed"] == first["files"] > 0
    assert index.sync(Catalog(root))["reindexed"] == 0
    f = root / "glossary/mudaraba.md"
    f.write_text(f.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    again = index.sync(Catalog(root))
    assert again["reindexed"] == 1
    hits = index.search(services.embedder.encode(["profit sharing partnership mudaraba"])[0], k=3)
    assert any(h.path == "knowledge/glossary/mudaraba.md" for h in hits)
