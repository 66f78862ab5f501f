"""The served intent classifier is plain data: sklearn's numbers without sklearn or scipy in the worker.

It trains with scikit-learn, then keeps the vocabulary, idf weights and the heads' arrays, and computes
sklearn's char_wb tf-idf itself. These tests hold it to sklearn's own transform and decision function.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bank_router.language.classifier import CharTfidf, IntentClassifier, char_wb_ngrams
from bank_router.settings import ROOT

DIM = 16

ENGLISH = (
    "what is the interest rate on a fixed deposit",
    "how do I open a savings account",
    "my card was stolen please block it",
    "compare the two home loans for me",
    "am I eligible for a personal loan",
    "I want to transfer money to my brother",
    "where is the nearest branch",
    "reset my internet banking password",
    "what documents do I need for KYC",
    "Is there a fee for an ATM withdrawal?",
    "tell me a joke",
    "What's the weather like today?",
)
BANGLA = (
    "ফিক্সড ডিপোজিটের সুদের হার কত",
    "আমি একটি সঞ্চয়ী হিসাব খুলতে চাই",
    "আমার কার্ড চুরি হয়ে গেছে, বন্ধ করুন",
    "দুটি গৃহঋণ তুলনা করুন",
    "আমি কি ব্যক্তিগত ঋণের যোগ্য",
    "আমার ভাইকে টাকা পাঠাতে চাই",
    "নিকটতম শাখা কোথায়",
    "ইন্টারনেট ব্যাংকিং পাসওয়ার্ড রিসেট",
    "কেওয়াইসি-র জন্য কী কাগজপত্র লাগবে",
    "এটিএম থেকে টাকা তুলতে কি ফি লাগে?",
    "একটা কৌতুক বলো",
    "আজ আবহাওয়া কেমন?",
)
BANGLISH = (
    "fixed deposit er interest rate koto",
    "ami ekta savings account khulte chai",
    "amar card churi hoye geche block koren",
    "duita home loan compare koren",
    "ami ki personal loan er jonno eligible",
    "amar bhai ke taka pathate chai",
    "kachakachi branch kothay",
    "internet banking password reset korbo kivabe",
    "KYC er jonno ki ki kagoj lagbe",
    "ATM theke taka tulle ki fee lage?",
    "ekta joke bolo",
    "aj weather kemon?",
)
# "group:part" labels are learnt apart and predicted as their group.
LABELS = (
    "product_info",
    "onboarding",
    "support:cards",
    "comparison",
    "eligibility",
    "support:transfers",
    "support:branches",
    "support:digital",
    "onboarding",
    "support:cards",
    "out_of_scope",
    "out_of_scope",
)
# Whitespace runs, case, short words (padded length at most n), digits, punctuation, Unicode oddities.
EDGE = (
    "",
    " ",
    "\t\n  \r",
    "a",
    "I",
    "ab",
    "abc",
    "abcd",
    "a b c d e",
    "ঋ",
    "ঋণ",
    "KYC   KYC\t\tkyc\nKyc",
    "HELLO World",
    "ÉCOLE déjà Straße İstanbul ΣΟΦΙΑ",
    "rate 9.5% for 9 years, 9 months!!!",
    "term product term product",
    "a\u00a0b\u2003c\u3000d",
    "x\x1cy\x1fz",
    "e\u0301 cafe\u0301",
    "🙂 card 🙂🙂",
    "savingsaccountinterestratefixeddeposit",
)


def _strings(n: int, seed: int) -> list[str]:
    """Sentences and mixtures of English, Bangla and Banglish words, reshuffled and recased."""
    rng = random.Random(seed)
    words = [w for s in ENGLISH + BANGLA + BANGLISH for w in s.split()]
    out = list(ENGLISH + BANGLA + BANGLISH + EDGE)
    while len(out) < n:
        k = rng.randint(1, 12)
        picked = [rng.choice(words) for _ in range(k)]
        if rng.random() < 0.3:
            picked = [w.upper() if rng.random() < 0.5 else w.title() for w in picked]
        sep = rng.choice([" ", "  ", "\t", " \n "])
        out.append(sep.join(picked))
    return out


def _vector(text: str) -> NDArray[np.float32]:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)


class HashEmbedder:
    """Deterministic float32 vectors (as the real embedder returns), so the semantic head learns in float32."""

    dim = DIM
    model_id = "hash"

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        return np.stack([_vector(t) for t in texts])


def _training() -> tuple[list[str], list[str]]:
    rng = random.Random(7)
    texts, labels = [], []
    for group in (ENGLISH, BANGLA, BANGLISH):
        for text, label in zip(group, LABELS, strict=True):
            words = text.split()
            for _ in range(4):  # a few variants of each, so min_df=2 keeps a vocabulary
                rng.shuffle(words)
                texts.append(" ".join(words[: max(2, len(words) - rng.randint(0, 2))]))
                labels.append(label)
    return texts, labels


class Reference:
    """What the classifier computed before: sklearn's transform and decision function, fitted the same way."""

    def __init__(self, texts: list[str], labels: list[str]) -> None:
        self.tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        self.lex = LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced")
        self.sem = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
        self.lex.fit(self.tfidf.fit_transform(texts), labels)
        self.sem.fit(HashEmbedder().encode(texts), labels)

    def proba(self, lexical: str, vec: NDArray[np.float32]) -> NDArray[np.float64]:
        def softmax(z: Any) -> NDArray[np.float64]:
            z = np.asarray(z, dtype=np.float64)[0]
            e = np.exp(z - z.max())
            return np.asarray(e / e.sum())

        p_lex = softmax(self.tfidf.transform([lexical]) @ self.lex.coef_.T + self.lex.intercept_)
        p_sem = softmax(vec.reshape(1, -1) @ self.sem.coef_.T + self.sem.intercept_)
        return np.asarray(0.5 * p_lex + 0.5 * p_sem)


@pytest.fixture(scope="module")
def fitted() -> tuple[IntentClassifier, Reference]:
    texts, labels = _training()
    clf = IntentClassifier(HashEmbedder()).fit(texts, texts, labels)
    return clf, Reference(texts, labels)


def test_ngrams_are_sklearns() -> None:
    analyze = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for text in _strings(400, seed=1):
        assert char_wb_ngrams(text) == analyze(text), text


def test_learnt_state_is_sklearns(fitted: tuple[IntentClassifier, Reference]) -> None:
    clf, ref = fitted
    assert clf._tfidf is not None and clf._lex is not None and clf._sem is not None
    assert clf._tfidf.vocabulary == ref.tfidf.vocabulary_
    np.testing.assert_array_equal(clf._tfidf.idf, ref.tfidf.idf_)
    np.testing.assert_array_equal(clf._lex.coef, ref.lex.coef_)
    np.testing.assert_array_equal(clf._sem.coef, ref.sem.coef_)
    assert clf._sem.coef.dtype == np.float32  # learnt from float32 embeddings, as sklearn keeps it
    assert clf.labels == [str(c) for c in ref.lex.classes_]
    assert len(clf.labels) > 2 and any(":" in c for c in clf.labels)


def test_transform_is_sklearns(fitted: tuple[IntentClassifier, Reference]) -> None:
    clf, ref = fitted
    tfidf = clf._tfidf
    assert isinstance(tfidf, CharTfidf)
    texts = _strings(400, seed=2)
    expected = ref.tfidf.transform(texts).toarray()
    for text, row in zip(texts, expected, strict=True):
        idx, values = tfidf.transform(text)
        assert len(set(idx.tolist())) == len(idx)
        got = np.zeros(tfidf.n_features)
        got[idx] = values
        np.testing.assert_allclose(got, row, rtol=0, atol=1e-12, err_msg=text)
    assert np.count_nonzero(expected.any(axis=1)) > 300  # most strings meet the vocabulary
    assert not expected.any(axis=1).all()  # and some meet none of it


def test_proba_and_predict_are_unchanged(fitted: tuple[IntentClassifier, Reference]) -> None:
    clf, ref = fitted
    for text in _strings(400, seed=3):
        vec = _vector(text + "!")
        want = ref.proba(text, vec)
        got = clf.proba(text, vec)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, err_msg=text)
        np.testing.assert_allclose(clf.proba(text, text + "!"), want, rtol=0, atol=1e-9)  # embeds the text

        groups: dict[str, float] = {}
        for c, v in zip(ref.lex.classes_, want, strict=True):
            groups[str(c).split(":", 1)[0]] = groups.get(str(c).split(":", 1)[0], 0.0) + float(v)
        pred = clf.predict(text, vec)
        assert set(pred.scores) == set(groups) and "support" in groups
        for k, v in groups.items():
            assert abs(pred.scores[k] - v) <= 1e-9
        assert pred.confidence == pred.scores[pred.label] == max(pred.scores.values())


SERVE = """
import json, pickle, sys
import bank_router.language.classifier
loaded = {"sklearn": "sklearn" in sys.modules, "scipy": "scipy" in sys.modules}
with open(sys.argv[1], "rb") as f:
    clf = pickle.load(f)
cases = json.loads(open(sys.argv[2]).read())
import numpy as np
out = [clf.proba(text, np.asarray(vec, dtype=np.float32)).tolist() for text, vec in cases]
label = clf.predict(cases[0][0], np.asarray(cases[0][1], dtype=np.float32)).label
heavy = [m for m in sys.modules if m.split(".")[0] in ("sklearn", "scipy")]
print(json.dumps({"on_import": loaded, "heavy": heavy, "proba": out, "label": label}))
"""


def test_cached_classifier_serves_without_sklearn_or_scipy(
    tmp_path: Path, fitted: tuple[IntentClassifier, Reference]
) -> None:
    clf, ref = fitted
    path = tmp_path / "intent.pkl"
    with path.open("wb") as f:
        pickle.dump(clf, f)
    assert b"sklearn" not in path.read_bytes() and b"scipy" not in path.read_bytes()
    texts = _strings(60, seed=4)
    cases = [(t, _vector(t).tolist()) for t in texts]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    out = subprocess.run(
        [sys.executable, "-c", SERVE, str(path), str(tmp_path / "cases.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["on_import"] == {"sklearn": False, "scipy": False}
    assert result["heavy"] == [], f"serving a cached classifier imported {result['heavy']}"
    for (text, vec), got in zip(cases, result["proba"], strict=True):
        want = ref.proba(text, np.asarray(vec, dtype=np.float32))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, err_msg=text)
    assert result["label"] == clf.predict(cases[0][0], np.asarray(cases[0][1], dtype=np.float32)).label
