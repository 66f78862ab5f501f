"""Offline intent classifier: sentence embeddings and character n-grams, two linear heads."""

from __future__ import annotations

import hashlib
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import structlog
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bank_router.embeddings import Embedder
from bank_router.knowledge.catalog import Catalog
from bank_router.parsing import fold

log = structlog.get_logger(__name__)

OUT_OF_SCOPE = "out_of_scope"
VERSION = "3"  # bump when features change, so cached models are retrained
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    scores: dict[str, float]


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def _mask(folded: str, catalog: Catalog) -> str:
    """Replace product and term names by placeholders so intent generalises across names."""
    spans = [(s, e, "product") for _, s, e in catalog.product_matcher.find(folded)]
    spans += [(s, e, "term") for _, s, e in catalog.term_matcher.find(folded)]
    out, pos = [], 0
    for s, e, word in sorted(spans):
        if s < pos:
            continue
        out.append(folded[pos:s])
        out.append(f" {word} ")
        pos = e
    out.append(folded[pos:])
    return " ".join("".join(out).split())


def classifier_views(text: str, catalog: Catalog) -> tuple[str, str]:
    """(lexical, semantic) inputs: masked text, and masked text with Bangla glossed to English."""
    masked = _mask(fold(text), catalog)
    lexical = _NUMBER.sub("9", masked)
    glosses = [eng for bn, eng in catalog.gloss.items() if bn in masked]
    semantic = f"{masked} {' '.join(glosses)}".strip() if glosses else masked
    return lexical, semantic


def _softmax(z: Any) -> NDArray[np.float64]:
    """Multinomial logistic regression's probabilities, without sklearn's per-call validation."""
    z = np.asarray(z, dtype=np.float64)[0]
    e = np.exp(z - z.max())
    out: NDArray[np.float64] = e / e.sum()
    return out


class IntentClassifier:
    """Averages two calibrated linear heads: one semantic, one lexical (reads Bangla too)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        self._lex = LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced")
        self._sem = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
        self.labels: list[str] = []

    def fit(
        self, lexical: list[str], semantic: list[str], labels: list[str], vectors: NDArray[np.float32] | None = None
    ) -> IntentClassifier:
        """`vectors` are the semantic texts' embeddings when the caller computed them already."""
        x_lex = self._tfidf.fit_transform(lexical)
        x_sem = self._embedder.encode(semantic) if vectors is None else vectors
        self._lex.fit(x_lex, labels)
        self._sem.fit(x_sem, labels)
        self.labels = [str(c) for c in self._lex.classes_]
        return self

    def predict(self, lexical: str, semantic: str | NDArray[np.float32]) -> Prediction:
        """Semantic input is the text, or its embedding when the caller computed it elsewhere."""
        p = self.proba(lexical, semantic)
        best = int(np.argmax(p))
        return Prediction(self.labels[best], float(p[best]), {c: float(v) for c, v in zip(self.labels, p, strict=True)})

    def proba(self, lexical: str, semantic: str | NDArray[np.float32]) -> NDArray[np.float64]:
        vec = self._embedder.encode([semantic]) if isinstance(semantic, str) else semantic.reshape(1, -1)
        p_lex = _softmax(self._tfidf.transform([lexical]) @ self._lex.coef_.T + self._lex.intercept_)
        p_sem = _softmax(vec @ self._sem.coef_.T + self._sem.intercept_)
        return np.asarray(0.5 * p_lex + 0.5 * p_sem, dtype=np.float64)

    # The embedder is a shared service, not part of the learned state.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_embedder")
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def training_fingerprint(*files: Path, extra: str = "") -> str:
    h = hashlib.sha256((VERSION + extra).encode())
    for f in files:
        if f.exists():
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def load_or_train(
    cache_dir: Path, fingerprint: str, embedder: Embedder, build: Any, kind: str = "intent"
) -> IntentClassifier:
    """Reuse the model trained on the same data; train and cache it otherwise."""
    path = cache_dir / f"{kind}-{fingerprint}.pkl"
    if path.exists():
        with path.open("rb") as f:
            clf: IntentClassifier = pickle.load(f)  # noqa: S301 - our own cache file
        clf._embedder = embedder
        return clf
    clf = build()
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump(clf, f)
    tmp.replace(path)
    log.info("intent_classifier_trained", path=str(path), labels=clf.labels)
    return clf
