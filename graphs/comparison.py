"""comparison_graph: an attribute table of two or more products, built from front matter."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from bank_router.knowledge.loader import Doc, name, pick
from bank_router.knowledge.schema import Product
from bank_router.language.parsing import to_bangla_digits
from bank_router.services import Services
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer, answer_confidence, candidates, steps, turn_products

MAX_PRODUCTS = 4
_ELIGIBILITY = ("min_age", "max_age", "min_balance", "min_opening_deposit", "min_monthly_income")
_RATES = ("interest_rate", "profit_rate", "profit_sharing_ratio")


def attribute_rows(docs: list[Doc[Product]], svc: Services, lang: str) -> list[tuple[str, list[str]]]:
    """(label, value per product) for every attribute at least one product has."""
    tpl = svc.templates
    rows: list[tuple[str, list[str]]] = []
    for key in _ELIGIBILITY:
        values = [getattr(d.meta.eligibility, key) for d in docs]
        if any(v is not None for v in values):
            cells = ["—" if v is None else tpl.num(v, lang) if "age" in key else tpl.money(v, lang) for v in values]
            rows.append((tpl.t(f"attr_{key}", lang), cells))
    residencies = [d.meta.eligibility.residency for d in docs]
    if len(set(residencies)) > 1:
        rows.append((tpl.t("attr_residency", lang), [tpl.t(f"residency_{r}", lang) for r in residencies]))
    for key in _RATES:
        values = [getattr(d.meta.rates, key) for d in docs]
        if any(v is not None for v in values):

            def fmt_rate(v: Any) -> str:
                if isinstance(v, str):
                    return to_bangla_digits(v) if lang == "bn" else v
                return tpl.pct(v, lang)

            rows.append((tpl.t(f"attr_{key}", lang), [fmt_rate(v) if v is not None else "—" for v in values]))
    for section in ("fees", "limits"):
        keys: dict[str, Any] = {}
        for d in docs:
            for a in getattr(d.meta, section):
                keys.setdefault(a.key, a)
        for key, first in keys.items():
            cells = []
            for d in docs:
                hit = next((a for a in getattr(d.meta, section) if a.key == key), None)
                cells.append(tpl.amount(hit.amount, hit.unit, lang) if hit else "—")
            rows.append((first.label_bn if lang == "bn" else first.label, cells))
    return rows


def render_table(header: list[str], rows: list[tuple[str, list[str]]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join([label, *cells]) + " |" for label, cells in rows]
    return "\n".join(lines)


def compare_text(docs: list[Doc[Product]], svc: Services, lang: str) -> str:
    tpl = svc.templates
    names = [name(d, lang) for d in docs]
    rows = attribute_rows(docs, svc, lang)
    differ = [r for r in rows if len(set(r[1])) > 1]
    same = [r for r in rows if len(set(r[1])) == 1]
    joined = tpl.t("and", lang).join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
    # One line per product with the attributes that differ, then the full table.
    summary = []
    for i, d in enumerate(docs):
        facts = ", ".join(f"{label.lower() if lang == 'en' else label} {cells[i]}" for label, cells in differ[:4])
        summary.append(f"- {names[i]}: {pick(d.meta, 'summary', lang)}" + (f" ({facts})" if facts else ""))
    parts = [
        tpl.t("cmp_intro", lang, names=joined),
        *summary,
        "",
        render_table([tpl.t("attr_product", lang), *names], differ or rows),
    ]
    if same and differ:
        items = "; ".join(f"{label}: {cells[0]}" for label, cells in same[:4])
        parts += ["", tpl.t("cmp_same", lang, items=items)]
    return "\n".join(parts)


class ComparisonState(RouterState):
    products: list[str]  # the products to set side by side


def resolve_products(state: ComparisonState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc = runtime.context.services
    docs = turn_products(state, svc, want=2)
    if len(docs) < 2:
        pool = [d for d in candidates(svc, state["entities"]) if d not in docs]
        if docs:
            # "Compare it with other savings accounts": the same kind, same domain.
            same = [d for d in pool if d.meta.domain == docs[0].meta.domain and d.meta.type == docs[0].meta.type]
            docs = docs + same[: MAX_PRODUCTS - 1]
        elif state["entities"].get("types") or state["entities"].get("verticals"):
            docs = pool[:MAX_PRODUCTS]
    return {"products": [d.meta.id for d in docs]}


def compose(state: ComparisonState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    docs = [svc.catalog.products[p] for p in state["products"]]
    terms = [svc.catalog.glossary[t] for t in state["entities"].get("terms", [])]
    if len(docs) < 2 and len(terms) >= 2:
        # "Mudaraba vs Wadiah": two concepts, each defined from the glossary.
        text = "\n".join(f"- {name(t, lang)}: {pick(t.meta, 'definition', lang)}" for t in terms[:3])
        return answer("comparison_graph", text, terms[:3], answer_confidence(state))
    if len(docs) < 2:
        examples = ", ".join(name(d, lang) for d in (docs + candidates(svc, state["entities"]))[:3])
        msg = svc.templates.t("cmp_need_two", lang, examples=examples)
        return answer("clarification_agent", msg, [], 0.4, domain=None, vertical=None)
    docs = docs[:MAX_PRODUCTS]
    return answer("comparison_graph", compare_text(docs, svc, lang), docs, answer_confidence(state))


comparison_graph = steps(
    "comparison_graph", ComparisonState, ("resolve_products", resolve_products), ("compose_table", compose)
)
