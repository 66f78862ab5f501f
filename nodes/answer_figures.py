"""The cross-domain rule on the answer: figures of Islami and conventional products never go out together.

The input guard reads the question; wording it has not seen ("a rhyme that ranks them", a table, a
comparison built over turns) can still lead an agent or a model to quote both domains' figures. So
the answer is checked too: each number in it is attributed to the products whose facts hold that
figure (rates, profit-sharing ratios, fees, money limits and balances), among the products the
answer rests on (its sources) or names. An answer with figures of products of each domain is
replaced by the rule's refusal, whatever led there.
"""

from __future__ import annotations

from typing import Any

from bank_router.knowledge.catalog import Catalog
from bank_router.knowledge.loader import Doc
from bank_router.knowledge.schema import Product
from bank_router.language.parsing import canonical, fold, numbers_in

# Units of a limit that are figures of price or return; tenures, ages and counts are shared
# vocabulary ("3, 5 or 10 years") and say nothing about which product pays more.
_FIGURE_UNITS = ("BDT", "USD", "percent")


def product_figures(doc: Doc[Product]) -> set[str]:
    """The figures a product's facts state, as canonical number strings."""
    meta = doc.meta
    values: list[float] = [v for v in (meta.rates.interest_rate, meta.rates.profit_rate) if v is not None]
    out = {canonical(v) for v in values}
    if meta.rates.profit_sharing_ratio:
        out |= numbers_in(meta.rates.profit_sharing_ratio)
    for item in (*meta.fees, *meta.limits):
        if item.unit in _FIGURE_UNITS and item.amount:
            out.add(canonical(item.amount))
        if item.note:
            out |= numbers_in(item.note)
    elig = meta.eligibility
    out |= {canonical(v) for v in (elig.min_balance, elig.min_opening_deposit, elig.min_monthly_income) if v}
    return out


def answer_products(message: str, sources: list[str], catalog: Catalog) -> list[Doc[Product]]:
    """The products an answer rests on or names."""
    by_path = {d.path: d for d in catalog.products.values()}
    pids = [by_path[s].meta.id for s in sources if s in by_path]
    pids += catalog.product_matcher.values(fold(message))
    return [catalog.products[p] for p in dict.fromkeys(pids) if p in catalog.products]


def figure_domains(message: str, sources: list[str], catalog: Catalog) -> dict[str, set[str]]:
    """Per domain, the numbers of the answer that are figures of that domain's products alone.

    A number that any product of another domain in the answer also states ("10" as a DPS tenure and
    as a fee) tells neither domain apart, so it is attributed to neither."""
    numbers = numbers_in(message)
    docs = answer_products(message, sources, catalog)
    stated: dict[str, set[str]] = {}
    for doc in docs:
        stated.setdefault(doc.meta.domain, set()).update(numbers_in(doc.text))
    out: dict[str, set[str]] = {}
    for doc in docs:
        others = set().union(*(v for d, v in stated.items() if d != doc.meta.domain))
        # A product's headline rate or ratio is its own even when another's tier table holds the same number:
        # "8%" beside "7.75%" in a two-product table is the Prime Fixed Deposit's rate, whatever tiers say.
        hits = (numbers & product_figures(doc)) - others | (numbers & headline_figures(doc))
        if hits:
            out.setdefault(doc.meta.domain, set()).update(hits)
    return out


def headline_figures(doc: Doc[Product]) -> set[str]:
    """A product's yearly rate and profit-sharing ratio, as canonical number strings."""
    rates = doc.meta.rates
    out = {canonical(v) for v in (rates.interest_rate, rates.profit_rate) if v is not None}
    return out | (numbers_in(rates.profit_sharing_ratio) if rates.profit_sharing_ratio else set())


def mixes_domains(answer: dict[str, Any], domains: tuple[str, ...], catalog: Catalog) -> bool:
    """Whether a (non-refusal) answer quotes figures of products of every one of `domains`."""
    if answer.get("refusal"):
        return False
    found = figure_domains(str(answer.get("message", "")), list(answer.get("sources", [])), catalog)
    return all(found.get(d) for d in domains)
