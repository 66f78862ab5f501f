"""Retrieval over the knowledge chunks: the message's view, its embedding, the search and its thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from bank_router.knowledge.catalog import Catalog
from bank_router.knowledge.index import Chunk, KnowledgeIndex
from bank_router.language.classifier import classifier_views
from bank_router.language.embeddings import Embedder

Purpose = Literal["route_product", "route_support", "describe", "model_excerpts"]
# Cosine scores a best chunk must reach for each use: answering an unsure turn from one product
# document or one support topic, describing the document asked about, or handing excerpts to a model.
THRESHOLDS: dict[Purpose, float] = {
    "route_product": 0.6,
    "route_support": 0.5,
    "describe": 0.3,
    "model_excerpts": 0.25,
}
SUPPORT_PREFIX = "knowledge/support/"


@dataclass(frozen=True)
class Retriever:
    index: KnowledgeIndex
    embedder: Embedder
    catalog: Catalog

    def vector(self, text: str) -> NDArray[np.float32]:
        """The message as the classifiers and the index see it (names masked, Bangla glossed)."""
        _, semantic = classifier_views(text, self.catalog)
        vec: NDArray[np.float32] = self.embedder.encode([semantic])[0]
        return vec

    def search(self, text: str, purpose: Purpose, k: int = 3, vector: NDArray[np.float32] | None = None) -> list[Chunk]:
        """The top `k` chunks that reach the purpose's threshold, best first."""
        hits = self.index.search(self.vector(text) if vector is None else vector, k=k)
        return [h for h in hits if h.score >= THRESHOLDS[purpose]]

    def route(
        self, text: str, vector: NDArray[np.float32] | None = None, products_only: bool = False
    ) -> tuple[str, float] | None:
        """Which agent one document could answer an unsure turn with: a support topic or a product page
        (with `products_only`, any document but a support topic: products, terms, policies)."""
        where = {"kind": {"$ne": "support"}} if products_only else None
        hits = self.index.search(self.vector(text) if vector is None else vector, k=1, where=where)
        if not hits:
            return None
        best = hits[0]
        if best.path.startswith(SUPPORT_PREFIX) and best.score >= THRESHOLDS["route_support"]:
            return "support_graph", best.score
        if best.score >= THRESHOLDS["route_product"]:
            return "product_info_graph", best.score
        return None
