"""Offline intent classifier: sentence embeddings and character n-grams, two linear heads.

Trained with scikit-learn, served without it: after fitting, only plain data is kept (the n-gram vocabulary,
idf weights, the heads' coefficients as numpy arrays), so a serving worker never imports sklearn or scipy
(about 80 MB resident together). The lexical features are computed here exactly as sklearn's
TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True) transforms them.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import structlog
from numpy.typing import NDArray

from bank_router.knowledge.catalog import Catalog
from bank_router.language.embeddings import Embedder

log = structlog.get_logger(__name__)

OUT_OF_SCOPE = "out_of_scope"
VERSION = "7"  # bump when features or the cached format change, so cached models are retrained
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
NGRAM_RANGE = (2, 5)
_WHITE_SPACES = re.compile(r"\s\s+")  # sklearn's _VectorizerMixin._white_spaces


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    scores: dict[str, float]


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    weight: float = 1.0  # how much the row counts within its class (a public intent's rows share a budget)


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
    masked = _mask(catalog.read(text), catalog)
    lexical = _NUMBER.sub("9", masked)
    glosses = _glosses(masked, catalog.gloss)
    semantic = f"{masked} {' '.join(glosses)}".strip() if glosses else masked
    return lexical, semantic


def _glosses(text: str, gloss: dict[str, str]) -> list[str]:
    """The English of the Bangla words in `text`: each key read where a word starts (a suffix may follow,
    as in কার্ডে), in `gloss` order (the catalog's is longest first), and its letters then taken, so কেন
    (why) is not read inside কেনাকাটা (shopping)."""
    found: list[tuple[int, str]] = []
    taken = [False] * len(text)
    for bn in gloss:
        start = text.find(bn)
        while start != -1:
            end = start + len(bn)
            at_word = start == 0 or not "\u0980" <= text[start - 1] <= "\u09ff"
            if at_word and not any(taken[start:end]):
                taken[start:end] = [True] * len(bn)
                found.append((start, gloss[bn]))
                break
            start = text.find(bn, start + 1)
    return [eng for _, eng in sorted(found)]


def balanced_weights(labels: list[str], weights: list[float] | None = None) -> NDArray[np.float64]:
    """Sample weights under which every class weighs the same: n / (classes * class total), per row."""
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=np.float64)
    totals: dict[str, float] = {}
    for label, x in zip(labels, w, strict=True):
        totals[label] = totals.get(label, 0.0) + float(x)
    scale = float(w.sum()) / len(totals)
    out: NDArray[np.float64] = w * np.array([scale / totals[label] for label in labels])
    return out


def _softmax(z: Any) -> NDArray[np.float64]:
    """Multinomial logistic regression's probabilities (one row of scores), as sklearn computes them."""
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    e = np.exp(z - z.max())
    out: NDArray[np.float64] = e / e.sum()
    return out


def char_wb_ngrams(text: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """sklearn's char_wb analyzer (lowercase=True, no accent stripping): n-grams inside space-padded words.

    A word whose padded length is at most n gives itself once, and no longer n-grams (sklearn's quirk)."""
    text = _WHITE_SPACES.sub(" ", text.lower())
    min_n, max_n = ngram_range
    ngrams: list[str] = []
    append = ngrams.append
    for w in text.split():
        w = " " + w + " "
        w_len = len(w)
        for n in range(min_n, max_n + 1):
            offset = 0
            append(w[offset : offset + n])
            while offset + n < w_len:
                offset += 1
                append(w[offset : offset + n])
            if offset == 0:
                break
    return ngrams


@dataclass
class CharTfidf:
    """A fitted char_wb TfidfVectorizer (sublinear tf, idf, l2 norm) as plain data; transforms one text."""

    vocabulary: dict[str, int]
    idf: NDArray[np.float64]
    ngram_range: tuple[int, int] = NGRAM_RANGE

    @classmethod
    def from_sklearn(cls, vectorizer: Any) -> CharTfidf:
        assert vectorizer.analyzer == "char_wb" and vectorizer.lowercase and not vectorizer.strip_accents
        assert vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"
        assert vectorizer.preprocessor is None and not vectorizer.binary
        vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        idf = np.ascontiguousarray(vectorizer.idf_, dtype=np.float64)
        return cls(vocabulary, idf, tuple(vectorizer.ngram_range))

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def transform(self, text: str) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """The text's nonzero features: column indices and their weights, (1 + log tf) * idf, l2-normalised."""
        vocabulary = self.vocabulary
        counts: dict[int, int] = {}
        for gram in char_wb_ngrams(text, self.ngram_range):
            j = vocabulary.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        w = (np.log(tf) + 1.0) * self.idf[idx]
        norm = math.sqrt(float(w @ w))
        if norm > 0.0:
            w /= norm
        return idx, w


@dataclass
class LinearHead:
    """A fitted linear classifier's scores, x @ coef.T + intercept, with sklearn's own arrays.

    The arrays are kept as fitted (dtype and memory layout: the semantic head learns in float32 from float32
    embeddings), so the scores are the very numbers sklearn's decision function gives."""

    coef: NDArray[np.floating[Any]]  # (n_classes, n_features)
    intercept: NDArray[np.floating[Any]]

    @classmethod
    def from_sklearn(cls, model: Any) -> LinearHead:
        return cls(np.asarray(model.coef_), np.asarray(model.intercept_))

    def dense(self, x: NDArray[Any]) -> NDArray[np.floating[Any]]:
        out: NDArray[np.floating[Any]] = x @ self.coef.T + self.intercept
        return out

    def sparse(self, idx: NDArray[np.intp], values: NDArray[np.float64]) -> NDArray[np.floating[Any]]:
        """Scores of a sparse row given by its nonzero columns and values."""
        out: NDArray[np.floating[Any]] = self.coef[:, idx] @ values + self.intercept
        return out


class IntentClassifier:
    """Averages two calibrated linear heads: one semantic, one lexical (reads Bangla too)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.labels: list[str] = []
        self._tfidf: CharTfidf | None = None
        self._lex: LinearHead | None = None
        self._sem: LinearHead | None = None

    def fit(
        self,
        lexical: list[str],
        semantic: list[str],
        labels: list[str],
        vectors: NDArray[np.float32] | None = None,
        weights: list[float] | None = None,
    ) -> IntentClassifier:
        """`vectors` are the semantic texts' embeddings when the caller computed them already; `weights`, each
        row's weight within its class (every class then weighs the same, as sklearn's "balanced" does by count).

        Trains with scikit-learn (imported here only) and keeps plain data, so serving needs neither it nor scipy."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, sublinear_tf=True, min_df=2)
        lex = LogisticRegression(C=8.0, max_iter=3000)
        sem = LogisticRegression(C=4.0, max_iter=3000)
        x_lex = tfidf.fit_transform(lexical)
        x_sem = self._embedder.encode(semantic) if vectors is None else vectors
        w = balanced_weights(labels, weights)
        # The two heads are independent: fit them side by side (the solvers' numpy work releases the GIL).
        with ThreadPoolExecutor(max_workers=2) as pool:
            fits = [pool.submit(lex.fit, x_lex, labels, sample_weight=w), pool.submit(sem.fit, x_sem, labels, w)]
            for done in fits:
                done.result()
        self.labels = [str(c) for c in lex.classes_]
        self._tfidf = CharTfidf.from_sklearn(tfidf)
        self._lex = LinearHead.from_sklearn(lex)
        self._sem = LinearHead.from_sklearn(sem)
        return self

    def predict(self, lexical: str, semantic: str | NDArray[np.float32]) -> Prediction:
        """Semantic input is the text, or its embedding when the caller computed it elsewhere.

        Labels "group:part" (support_graph:cards) are learnt apart, so each part weighs as a class of its
        own, and scored together as their group."""
        p = self.proba(lexical, semantic)
        scores: dict[str, float] = {}
        for c, v in zip(self.labels, p, strict=True):
            group = c.split(":", 1)[0]
            scores[group] = scores.get(group, 0.0) + float(v)
        best = max(scores, key=lambda k: scores[k])
        return Prediction(best, scores[best], scores)

    def proba(self, lexical: str, semantic: str | NDArray[np.float32]) -> NDArray[np.float64]:
        if self._tfidf is None or self._lex is None or self._sem is None:
            raise RuntimeError("IntentClassifier is not fitted")
        vec = self._embedder.encode([semantic]) if isinstance(semantic, str) else semantic.reshape(1, -1)
        p_lex = _softmax(self._lex.sparse(*self._tfidf.transform(lexical)))
        p_sem = _softmax(self._sem.dense(vec))
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
