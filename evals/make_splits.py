"""Split the public everyday-banking queries into train, dev and holdout folds, once, reproducibly.

python -m evals.make_splits --shared ../shared/datasets

Banking77's train split and CLINC150's train and validation splits are cut by a hash of the text:
train (the classifiers learn from it), dev (failures may be read and mechanisms tuned on it) and
holdout (only its figures are ever read). Nothing here is the public test splits.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "datasets" / "public"
# CLINC150 domains a bank's assistant serves; every other domain is out of scope.
CLINC_BANKING = ("banking", "credit_cards")
# Intents of the other domains it answers too: small talk about itself (a friendly answer, never a
# refusal; jokes and fun facts stay out of scope) and banking-adjacent questions.
CLINC_SERVED = (
    *("greeting", "goodbye", "thank_you", "are_you_a_bot", "what_can_i_ask_you", "what_is_your_name"),
    *("who_do_you_work_for", "who_made_you", "how_old_are_you", "where_are_you_from"),
    *("exchange_rate", "travel_notification", "direct_deposit"),
)


def fold_of(text: str) -> str:
    h = int(hashlib.sha1(text.strip().lower().encode()).hexdigest(), 16) % 10
    return "train" if h < 7 else "dev" if h < 8 else "holdout"


def half_of(text: str) -> str:
    """Validation rows: half dev, half holdout."""
    return "dev" if fold_of(text) in ("train", "dev") and len(text) % 2 == 0 else "holdout"


def _write(name: str, rows: list[dict[str, str]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{name}: {len(rows)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    args = ap.parse_args()
    b77: dict[str, list[dict[str, str]]] = {"train": [], "dev": [], "holdout": []}
    with (args.shared / "banking77" / "train.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            b77[fold_of(row["text"])].append({"text": row["text"].strip(), "intent": f"banking77:{row['category']}"})
    for k, rows in b77.items():
        _write(f"banking77_{k}", rows)
    domains = json.loads((args.shared / "clinc150" / "domains.json").read_text())
    domain_of = {i: d for d, intents in domains.items() for i in intents}
    data = json.loads((args.shared / "clinc150" / "clinc150_train_val.json").read_text())
    served: dict[str, list[dict[str, str]]] = {"train": [], "dev": [], "holdout": []}
    other: dict[str, list[dict[str, str]]] = {"train": [], "dev": [], "holdout": []}
    for split in ("train", "val"):
        for text, intent in data[split]:
            row = {"text": text, "intent": f"clinc150:{intent}"}
            fold = "train" if split == "train" else half_of(text)
            if domain_of.get(intent) in CLINC_BANKING or intent in CLINC_SERVED:
                served[fold].append(row)
            else:
                other[fold].append({**row, "domain": domain_of.get(intent, "oos")})
    for split in ("oos_train", "oos_val"):
        for text, _ in data[split]:
            fold = "train" if split == "oos_train" else half_of(text)
            other[fold].append({"text": text, "intent": "clinc150:oos", "domain": "oos"})
    for k, rows in served.items():
        _write(f"clinc150_banking_{k}", rows)
    for k, rows in other.items():
        _write(f"clinc150_other_{k}", rows)


if __name__ == "__main__":
    main()
