"""Training rows for the two classifiers: which agent a message goes to, and which support topic it is.

Everyday-banking rows come from the public train folds (evals/make_splits.py) and our own Bangla and
Banglish phrasings; each public intent reaches a topic through the `intents` a topic file lists, so the
knowledge, not code, says what a dataset's intent means here. Dev and holdout folds are never read.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from bank_router.knowledge.catalog import SMALL_TALK_AREA, Catalog
from bank_router.language import classifier
from bank_router.language.classifier import OUT_OF_SCOPE, Example

SUPPORT = "support_graph"
# Every public row is learnt, but a public intent weighs as this many rows in its class, however many it has,
# so that our own labelled rows and Bangla phrasings keep their say. Rows beyond the caps these once were,
# scored unseen, said the variety serves customers better than the extra weight.
ROUTER_PER_INTENT = 40.0  # each everyday-banking intent, for the router: enough to learn the area
TOPIC_PER_INTENT = 50.0  # and for the topic classifier, which must tell close intents apart
# Out of scope: a spread of rows per intent of CLINC150's other domains (a hash of the text picks them). All
# of them made the out-of-scope class wide enough to refuse vague banking turns ('how long does it take?').
OTHER_PER_INTENT = 30
OTHER_SMALL_TALK = "small_talk"  # CLINC150's chat domain: jokes, hobbies, pets, the meaning of life
PUBLIC_TRAIN = ("banking77_train.jsonl", "clinc150_banking_train.jsonl")
OTHER_TRAIN = "clinc150_other_train.jsonl"
OUT_OF_SCOPE_DIR = "out_of_scope"  # beside the phrasings folder: our own off-topic rows


def _jsonl(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def topic_of_intent(catalog: Catalog) -> dict[str, str]:
    return {i: tid for tid, d in catalog.support.items() for i in d.meta.intents}


def _budgeted(rows: list[dict[str, str]], budget: float) -> dict[str, float]:
    """Each intent's row weight when its rows share `budget` (a row never weighs more than 1)."""
    return {intent: min(1.0, budget / n) for intent, n in Counter(r["intent"] for r in rows).items()}


def topic_examples(catalog: Catalog, public_dir: Path, phrasings_dir: Path, per_intent: float) -> list[Example]:
    """(text, topic id): public rows by their intent's topic, our phrasings, and each topic's own cues."""
    mapping = topic_of_intent(catalog)
    out: list[Example] = []
    for name in PUBLIC_TRAIN:
        rows = [r for r in _jsonl(public_dir / name) if r["intent"] in mapping]
        weight = _budgeted(rows, per_intent)
        for row in rows:
            topic = mapping[row["intent"]]
            small_talk = catalog.support[topic].meta.area == SMALL_TALK_AREA
            out.append(Example(row["text"], topic, 1.0 if small_talk else weight[row["intent"]]))
    for file in sorted(phrasings_dir.glob("*.jsonl")):
        out += [Example(r["text"], r["topic"]) for r in _jsonl(file) if r.get("topic") in catalog.support]
    for tid, d in catalog.support.items():
        m = d.meta
        out += [Example(t, tid) for t in (m.title, m.title_bn, *m.cues, *m.cues_bn, *m.cues_banglish)]
    return out


def served_clinc_intents(catalog: Catalog) -> set[str]:
    """CLINC150 intents some support topic answers: they are not out of scope, whatever their domain."""
    return {i.split(":", 1)[1] for i in topic_of_intent(catalog) if i.startswith("clinc150:")}


def router_examples(train_file: Path, catalog: Catalog, public_dir: Path, phrasings_dir: Path) -> list[Example]:
    """Our labelled rows, CLINC150's other domains as out of scope, and everyday banking as support.

    Both sides are learnt by part (out_of_scope:travel, support_graph:cards) so that neither a large
    area nor a large domain outweighs the rest; the classifier scores each group as one label."""
    served = served_clinc_intents(catalog)
    out = [Example(r["text"], r["agent"]) for r in _jsonl(train_file)]
    seen: Counter[str] = Counter()
    for row in sorted(_jsonl(public_dir / OTHER_TRAIN), key=lambda r: hashlib.sha256(r["text"].encode()).hexdigest()):
        intent = row["intent"].split(":", 1)[1]
        if intent not in served and (intent == "oos" or seen[intent] < OTHER_PER_INTENT):
            # Small talk by intent, as the small talk we answer is by topic: the two sides meet there.
            part = intent if row["domain"] == OTHER_SMALL_TALK else row["domain"]
            out.append(Example(row["text"], f"{OUT_OF_SCOPE}:{part}"))
            seen[intent] += 1
    # Off-topic chat in Bangla and Banglish, which the public data (English) does not teach.
    for file in sorted((phrasings_dir.parent / OUT_OF_SCOPE_DIR).glob("*.jsonl")):
        out += [Example(r["text"], f"{OUT_OF_SCOPE}:chat") for r in _jsonl(file)]
    support = topic_examples(catalog, public_dir, phrasings_dir, ROUTER_PER_INTENT)
    # One class per support area, so everyday banking weighs by area, not as one class among ten.
    out += [Example(e.text, f"{SUPPORT}:{_router_part(catalog, e.label)}", e.weight) for e in support]
    return out


def _router_part(catalog: Catalog, topic: str) -> str:
    """The router's class for a support topic: its area, but each general topic on its own (a greeting, thanks,
    questions about the assistant, a complaint: different things, each as distinct from off-topic chat as an area
    is from another)."""
    area = catalog.support[topic].meta.area
    return topic if area == SMALL_TALK_AREA else area


def training_files(public_dir: Path, phrasings_dir: Path) -> list[Path]:
    """What the classifiers learn from, this module and the classifier's code included: a change retrains."""
    ours = sorted(phrasings_dir.glob("*.jsonl")) + sorted((phrasings_dir.parent / OUT_OF_SCOPE_DIR).glob("*.jsonl"))
    code = [Path(__file__), Path(classifier.__file__)]
    return [public_dir / n for n in (*PUBLIC_TRAIN, OTHER_TRAIN)] + ours + code
