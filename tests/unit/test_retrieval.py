"""The Retriever's thresholds, and the embedding model's identity kept with the vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from bank_router.knowledge.catalog import Catalog
from bank_router.knowledge.index import KnowledgeIndex, make_client
from bank_router.knowledge.retriever import THRESHOLDS
from bank_router.language.embeddings import make_embedder
from bank_router.services import Services
from bank_router.settings import ROOT


class _Hashing:
    """A stand-in model: deterministic vectors, a name of its own."""

    dim = 8

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=self.dim) for t in texts]
        m = np.array(rows, dtype=np.float32)
        out: NDArray[np.float32] = m / np.linalg.norm(m, axis=1, keepdims=True)
        return out


def test_a_new_embedding_model_rebuilds_the_index(tmp_path: Path) -> None:
    catalog = Catalog(ROOT / "knowledge")
    client = make_client(tmp_path / "chroma", None)
    first = KnowledgeIndex(client, _Hashing("model-a"))
    first.sync(catalog)
    assert first.count() > 0
    assert KnowledgeIndex(client, _Hashing("model-a")).sync(catalog)["reindexed"] == 0
    swapped = KnowledgeIndex(client, _Hashing("model-b"))
    assert swapped.count() == 0  # the old model's vectors are gone, not reused
    assert swapped.sync(catalog)["reindexed"] == len(catalog.all_docs())


def test_an_unknown_embedding_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="EMBEDDING_MODEL"):
        make_embedder(tmp_path, model="someone/else")


def test_retrieval_keeps_only_chunks_over_the_purpose_threshold(services: Services) -> None:
    hits = services.retriever.search("the ATM kept my card and never gave it back", "describe", k=5)
    assert hits and all(h.score >= THRESHOLDS["describe"] for h in hits)
    assert hits[0].path.startswith("knowledge/support/atm_cash/")
    assert services.retriever.search("the ATM kept my card", "describe", k=5, vector=_far()) == []
    found = services.retriever.route("the cash machine ate my card and did not give it back")
    assert found is not None and found[0] == "support_graph"


def _far() -> NDArray[np.float32]:
    """A unit vector far from every sentence embedding (they all lean the same way)."""
    v = -np.ones(384, dtype=np.float32)
    out: NDArray[np.float32] = v / np.linalg.norm(v)
    return out
