"""Deterministic extraction of amounts, ages, ids and limits from English and Bangla text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_BN_DIGITS = "০১২৩৪৫৬৭৮৯"
_TO_ASCII = str.maketrans(_BN_DIGITS, "0123456789")
_TO_BANGLA = str.maketrans("0123456789", _BN_DIGITS)

# Bangla vowel signs and virama are not \w, so \b would split Bangla words in the middle.
_L = r"\w\u0980-\u09e3"
_S = rf"(?<![{_L}])"
_E = rf"(?![{_L}])"
_BN_SUFFIX = r"[\u0980-\u09e3]*"
# A number must not continue an earlier one ("16.5" must not yield "5").
_NS = rf"{_S}(?<!\d[.,])"
# Indian (1,00,000) and Western (100,000) grouping both end in a three-digit group.
_NUM = r"\d{1,3}(?:,\d{2,3})*,\d{3}(?:\.\d+)?|\d+(?:\.\d+)?"


def _re(pattern: str) -> re.Pattern[str]:
    """Compile a pattern with NFC Bangla literals, matching the NFC text it will search."""
    return re.compile(unicodedata.normalize("NFC", pattern))


_MULTS = {
    unicodedata.normalize("NFC", word): factor
    for word, factor in (
        ("thousand", 1e3), ("hajar", 1e3), ("hazar", 1e3), ("হাজার", 1e3), ("k", 1e3),
        ("lakh", 1e5), ("lac", 1e5), ("লাখ", 1e5), ("লক্ষ", 1e5), ("million", 1e6),
        ("crore", 1e7), ("koti", 1e7), ("cr", 1e7), ("কোটি", 1e7),
    )
}  # fmt: skip
# Longest first, so "koti" is not read as "k" and "crore" not as "cr".
_MULT_WORDS = sorted(_MULTS, key=len, reverse=True)
_MULT = rf"(?:{'|'.join(_MULT_WORDS)})(?:s|{_BN_SUFFIX})"
_CURRENCY_AFTER = rf"(?:taka|tk|bdt|৳|টাকা{_BN_SUFFIX}|/[-=])"

_AMOUNT = _re(
    rf"{_S}(?:(?P<pre>৳|tk\.?|taka|bdt)\s*)?(?P<num>{_NUM})"
    rf"(?:\s*(?P<mult>{_MULT}))?(?:\s*(?P<post>{_CURRENCY_AFTER}))?{_E}"
)
_NUMBER = _re(rf"(?P<num>{_NUM})(?:\s*(?P<mult>{_MULT}){_E})?")

_CUE_EN = (
    r"deposit|balance|amount|income|salar|earn|sav|limit|loan|withdr|transfer|send|sent|pay|paid"
    r"|spen[dt]|cost|price|fee|charge|emi|bill|budget|invest|principal|fund|rent|money|cash"
    r"|taka|tk|bdt|fdr|dps"
)
_CUE_BN = r"জমা|ব্যালেন্স|আয়|বেতন|টাকা|ঋণ|লোন|উত্তোলন|তুল|পাঠা|সঞ্চয়|খরচ|বিল|ইনকাম|রোজগার|সীমা|দাম"
_CUE = _re(rf"{_S}(?:{_CUE_EN}|{_CUE_BN})")
_CUE_NEXT_TO = _re(rf"{_S}(?:{_CUE_EN}|{_CUE_BN})[{_L}]*\s*(?:(?:of|is|was)\s+|[:=]\s*)?$")
_BN_CUE_AFTER = _re(rf"\s*(?:{_CUE_BN})")

_ID_LABEL = r"(?:id|no\.?|number|num|#|আইডি|নং|নম্বর)"
_ID_BEFORE = _re(
    rf"{_S}(?:customer|cust|client|loan|product|application|agent|store|operator|transaction|txn"
    rf"|trx|ref(?:erence)?|account|acc|a/c|nid|phone|mobile|otp|pin|code|id|no\.?|number"
    rf"|গ্রাহক|ঋণ|লোন|হিসাব|অ্যাকাউন্ট|আইডি|নং|নম্বর){_BN_SUFFIX}\s*{_ID_LABEL}?\s*[:#]?\s*$"
)
# Part of a ratio, fraction or code such as REF-001; a bare hyphen between numbers is a range.
_JOINED_BEFORE = _re(r"(?:[a-z]-|\d[/:])$|#\s*$")
_JOINED_AFTER = _re(r"[/:]\d")
_DATE = _re(r"(?<!\d)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?!\d)")
_AGE_BEFORE = _re(rf"{_S}(?:aged?|বয়স{_BN_SUFFIX})\s*(?:is|of|:|=|হলো|হল)?\s*$")
# Bangla locatives ("মাসে", "বছরে": per month/year) are rates, not tenures.
_BN_NOT_LOCATIVE = r"(?!ে(?:[^র]|$))"
_UNIT_AFTER = _re(
    r"\s*-?\s*(?:(?:percent|pcs?|years?|yrs?|yo|y/o|months?|mos?|days?|weeks?|wks?|hours?|hrs?"
    r"|minutes?|mins?|times|installments?|instalments?|transactions?|txns?|people|persons?"
    rf"|customers?|accounts?|items?|records?|entries|members?|children|kids|old){_E}"
    rf"|%|শতাংশ|পার্সেন্ট|টি|টা|জন|বছর{_BN_NOT_LOCATIVE}|মাস{_BN_NOT_LOCATIVE}|দিন|সপ্তাহ"
    r"|কিস্তি|বার(?!্))"
)


@dataclass(frozen=True)
class _Money:
    value: float
    start: int
    end: int


def normalize_digits(text: str) -> str:
    """Replace Bangla digits with ASCII digits."""
    return text.translate(_TO_ASCII)


def to_bangla_digits(text: str) -> str:
    """Replace ASCII digits with Bangla digits."""
    return text.translate(_TO_BANGLA)


def _prep(text: str) -> str:
    """Canonical form every parser searches: NFC, ASCII digits, lowercase."""
    return normalize_digits(unicodedata.normalize("NFC", text)).lower()


# Look-alike letters folded to the Latin letter they imitate ("Islamі" with a Cyrillic і is "Islami").
# Full-width forms, mathematical letters and ligatures are folded by NFKC before this table applies.
_CYRILLIC = ("АВСЕНІЈКМОРЅТХУаеіјорсухѕһԁԛԝӏвкмнтёї", "ABCEHIJKMOPSTXYaeijopcyxshdqwlbkmhtei")
_GREEK = ("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβεικνορτυχ", "ABEZHIKMNOPTYXabeikvoptux")
_LATIN_EXTENDED = ("ıɑɡ", "iag")
_CONFUSABLES = str.maketrans(*map("".join, zip(_CYRILLIC, _GREEK, _LATIN_EXTENDED, strict=True)))
# Invisible characters that split words without showing (format characters: zero-width space and
# joiners, word joiner, BOM, soft hyphen, bidi marks), plus the invisible marks outside category Cf.
_INVISIBLE_EXTRA = frozenset("\u034f\u115f\u1160\u3164\uffa0") | frozenset(map(chr, range(0xFE00, 0xFE10)))
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def clean(text: str) -> str:
    """Text as a reader sees it: NFKC, invisible characters dropped, look-alike letters folded.

    Bangla writes ZWJ and ZWNJ inside words to choose a conjunct's shape; dropping them changes the
    shape, not the word, and every phrase we match is folded the same way, so matching holds. A
    combining mark on a Latin letter ("i" plus a dot above) is decoration and is dropped too; on a
    Bangla letter it is a vowel sign and is kept.
    """
    t = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for ch in t:
        if unicodedata.category(ch) == "Cf" or ch in _INVISIBLE_EXTRA:
            continue
        if out and out[-1] in _LATIN and unicodedata.category(ch) == "Mn":
            continue
        out.append(ch)
    return "".join(out).translate(_CONFUSABLES)


def fold(text: str) -> str:
    """Fold text for alias matching: look-alikes (see `clean`), case, digits, whitespace and punctuation."""
    # Dropping apostrophes (not spacing them) lets "I'm" match "im".
    t = re.sub(r"['’]", "", _prep(clean(text)))
    chars = [
        " "
        if unicodedata.category(ch).startswith("P")
        and not (0 < i < len(t) - 1 and t[i - 1].isalnum() and t[i + 1].isdigit())
        else ch
        for i, ch in enumerate(t)
    ]
    return " ".join("".join(chars).split())


def _factor(word: str) -> float:
    """Multiplier for a scale word such as "lakh", "k" or an inflected "হাজারের"."""
    return next(_MULTS[w] for w in _MULT_WORDS if word.startswith(w))


def _value(m: re.Match[str]) -> float:
    """Numeric value of an amount or number match, scale word applied."""
    value = float(m["num"].replace(",", ""))
    return value * _factor(m["mult"]) if m["mult"] else value


def _is_money(t: str, m: re.Match[str], cued: bool) -> bool:
    """Whether an amount-shaped match is money; cued means a money word is already known."""
    # Bounded windows keep long inputs linear; every cue we look for is short.
    before, after, num = t[max(0, m.start() - 60) : m.start()], t[m.end() : m.end() + 60], m["num"]
    if m["pre"] or m["post"]:
        return True
    if (
        _JOINED_BEFORE.search(before)
        or _JOINED_AFTER.match(after)
        # Ids are never written with separators or multipliers, so "loan 50,000" and "loan 5 lakh" are money.
        or (num.isdigit() and not m["mult"] and _ID_BEFORE.search(before))
        or _AGE_BEFORE.search(before)
        or _UNIT_AFTER.match(after)
    ):
        return False
    if m["mult"]:
        return True
    # Leading zeros and long digit runs are phone or account numbers, small numbers are counts.
    long_run = num.isdigit() and len(num) >= 10
    if float(num.replace(",", "")) < 100 or num.startswith("0") or long_run:
        return False
    if num.isdigit() and 1990 <= int(num) <= 2100:
        return bool(_CUE_NEXT_TO.search(before) or _BN_CUE_AFTER.match(after))
    return cued or bool(_CUE.search(before[-40:]) or _CUE.search(after[:25]))


def _money(t: str, cued: bool = False) -> list[_Money]:
    """Money amounts in prepared text, with their spans."""
    # Blank dates out (same length, so spans stay valid) rather than teach every rule about them.
    t = _DATE.sub(lambda d: " " * len(d[0]), t)
    return [_Money(round(_value(m), 2), m.start(), m.end()) for m in _AMOUNT.finditer(t) if _is_money(t, m, cued)]


def parse_amounts(text: str, cued: bool = False) -> list[float]:
    """BDT amounts in text, in order of appearance; `cued` when the question already asked for money."""
    return [m.value for m in _money(_prep(text), cued)]


# "I'm 16" is an age, "I'm 20 minutes away" and "I'm 5000 taka short" are not.
_AGE_NOT_AFTER = (
    rf"(?!\s*(?:[.,]\d|%|/|{_CURRENCY_AFTER}|{_MULT}{_E}|(?:percent|months?|days?|weeks?|hours?"
    rf"|hrs|minutes?|mins?|times|transactions?|kg|km|cm|feet|ft|inch(?:es)?){_E}"
    r"|মাস|দিন|মিনিট|ঘণ্টা|টি|টা))"
)
_DURATION_BEFORE = _re(
    rf"{_S}(?:for|over|in|within|after|tenure|term|period|duration|next|last|past|every|each"
    rf"|মেয়াদ{_BN_SUFFIX})\s+$"
)
_DURATION_AFTER = (
    r"(?!\s*(?:loan|tenure|term|fdr?|dps|plan|scheme|installments?"
    r"|জন্য|মেয়াদ|ধরে|পর|মধ্যে|কিস্তি|লোন|ঋণ|আগে))"
)
_AGE_OF = r"(?:son|daughter|child|kid|he|she|brother|sister|father|mother|wife|husband)\s+is"
# (pattern, whether a duration context such as "for 5 yrs" rules it out)
_AGE_PATTERNS = tuple(
    (_re(pattern), duration_sensitive)
    for pattern, duration_sensitive in (
        (rf"{_NS}(\d{{1,3}})\s*-?\s*(?:years?|yrs?)\s*-?\s*old", False),
        (rf"{_NS}(\d{{1,3}})\s*(?:yo|y/o|y\.o\.?){_E}", False),
        (rf"{_NS}(\d{{1,3}})\s*yrs?{_E}{_DURATION_AFTER}", True),
        (
            rf"{_S}(?:aged?|বয়স{_BN_SUFFIX}|boyo?sh?)\s*(?:is|of|:|=|-|হলো|হল)?\s*(\d{{1,3}}){_E}",
            False,
        ),
        (rf"{_S}(?:i\s*am|i['’]?m|{_AGE_OF}|turn\w*)\s+(\d{{1,3}}){_E}{_AGE_NOT_AFTER}", False),
        # "Can I open the Youth Account at 17?", "at the age of 17": an age where one opens, gets or applies.
        (rf"{_S}at\s+the\s+age\s+of\s+(\d{{1,3}}){_E}", False),
        (
            rf"{_S}(?:open|get|apply|join|eligible|take|have)\b[^.?!]{{0,40}}{_S}at\s+(\d{{1,2}}){_E}"
            r"(?!\s*(?:%|percent|am|pm|o['’]?clock|:|\.\d|months?|years?|yrs?|days?|taka|tk|lakh|k\b|thousand))",
            False,
        ),
        (rf"{_NS}(\d{{1,3}})\s*(?:বছর|বৎসর|bochh?or|bosor)(?:ের|er)?{_E}{_DURATION_AFTER}", True),
    )
)


def parse_age(text: str) -> int | None:
    """The first plausible age (at most 120) stated in text, if any."""
    t = _prep(text)
    found = [
        (m.start(1), int(m[1]))
        for pattern, duration_sensitive in _AGE_PATTERNS
        for m in pattern.finditer(t)
        if int(m[1]) <= 120
        and not (duration_sensitive and _DURATION_BEFORE.search(t[max(0, m.start(1) - 30) : m.start(1)]))
    ]
    return min(found)[1] if found else None


_INCOME = _re(
    rf"{_S}(?:(?P<strong>income|salar(?:y|ies)|earn\w*|wages?|take[- ]home|আয়|বেতন|ইনকাম|রোজগার"
    rf"|উপার্জন)|(?P<weak>make|making|get\s+paid|gets\s+paid))"
)
_MONTHLY = _re(
    rf"{_S}(?:per\s+month|a\s+month|monthly|every\s+month|each\s+month|মাসিক|মাসে|প্রতি\s*মাস)"
    rf"|/\s*(?:month|mo|m){_E}"
)
_YEARLY = _re(
    rf"{_S}(?:per\s+(?:year|annum)|a\s+year|yearly|annual\w*|every\s+year|each\s+year|p\.a\."
    rf"|বার্ষিক|বছরে|প্রতি\s*বছর)|/\s*(?:year|yr|annum){_E}"
)


_NEXT_TO_INCOME = _re(
    r"\s*(?:taka|tk\.?|bdt|টাকা)?\s*(?:monthly|a month|per month|yearly|a year|per year|মাসিক|বার্ষিক)?\s*"
)


def parse_monthly_income(text: str) -> float | None:
    """Monthly income stated in text; yearly figures are divided by 12."""
    t = _prep(text)
    amounts = _money(t, cued=True)
    for cue in _INCOME.finditer(t):
        after = [a for a in amounts if cue.end() <= a.start <= cue.end() + 60]
        # Bangla puts the verb last ("৫০ হাজার টাকা আয় করি"), so also look before the cue.
        before = [a for a in amounts if cue.start() - 40 <= a.end <= cue.start()]
        # "with 40000 income, a loan of 3 lakh": an amount right before the word is the income, whatever follows.
        adjacent = [a for a in before if _NEXT_TO_INCOME.fullmatch(t[a.end : cue.start()])]
        amount = adjacent[-1] if adjacent else after[0] if after else (before[-1] if before else None)
        if amount is None:
            continue
        window = t[max(0, min(cue.start(), amount.start) - 20) : max(cue.end(), amount.end) + 20]
        if _MONTHLY.search(window):
            return amount.value
        if _YEARLY.search(window):
            return round(amount.value / 12, 2)
        if cue["strong"]:
            return amount.value
    return None


_ID_TAIL = (
    rf"(?:ের|র)?\s*{_ID_LABEL}?\s*[:#]?\s*(\d+){_E}(?![.,]\d)"
    rf"(?!\s*(?:{_CURRENCY_AFTER}|{_MULT}{_E}|%))"
)
_ID_PATTERNS = {
    key: _re(rf"{_S}(?:{words}){_ID_TAIL}")
    for key, words in (
        ("customer_id", "customer|cust|client|গ্রাহক"),
        ("loan_id", "loan|ঋণ|লোন"),
        ("transaction_id", "transaction|txn|trx|লেনদেন"),
        ("product_id", "product|প্রোডাক্ট|পণ্য"),
        ("application_id", "application|আবেদন"),
        ("agent_id", "agent|এজেন্ট"),
        ("store_id", "store|shop|outlet|স্টোর|দোকান"),
        ("operator_id", "operator|অপারেটর"),
    )
}
_REF_WORD = rf"(?:ref(?:erence)?|রেফারেন্স)\s*{_ID_LABEL}?\s*[:#]?\s*"
_REF_CODE = _re(rf"{_S}(?:{_REF_WORD})?((?:ref|txn|trx)[-_]?\d[0-9a-z]*(?:-[0-9a-z]+)*){_E}")
_REF_NUMBER = _re(rf"{_S}{_REF_WORD}(\d+){_E}")


# "for two years", "24 months", "1 yer", "৩ বছর মেয়াদে", "6 maser": a term asked for, in months. Ages
# ("30 years old", "৩০ বছর বয়সী") and time ago are not terms.
_TENURE_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "ten": 10,
    "ek": 1,
    "dui": 2,
    "tin": 3,
    "panch": 5,
    "এক": 1,
    "দুই": 2,
    "তিন": 3,
    "চার": 4,
    "পাঁচ": 5,
    "ছয়": 6,
    "দশ": 10,
}
_TENURE = _re(
    rf"{_NS}(?P<n>\d{{1,3}}|{'|'.join(_TENURE_WORDS)})\s*-?\s*"
    r"(?:(?P<y>years?|yrs?|yer|yeer|bochh?or|bosor|bochor|বছর|বছরের|বছরে|বছরেই)"
    r"|(?P<m>months?|mons?|mos?|mas|maser|মাস|মাসের|মাসে|মাসেই))"
    rf"{_E}(?!\s*-?\s*(?:old|of age|ago|back|বয়স|বয়সী|বয়সে|আগে))"
)


def parse_tenure(text: str) -> int | None:
    """The first term stated in text, in months (two years -> 24), if any."""
    m = _TENURE.search(_prep(text))
    if not m:
        return None
    n = int(m["n"]) if m["n"].isdigit() else _TENURE_WORDS[m["n"]]
    return n * 12 if m["y"] else n


def parse_ids(text: str) -> dict[str, str]:
    """Identifiers mentioned in text, keyed by kind; absent kinds are left out."""
    t = _prep(text)
    ids = {key: m[1] for key, pattern in _ID_PATTERNS.items() if (m := pattern.search(t))}
    if ref := _REF_CODE.search(t):
        ids["transaction_ref"] = ref[1].upper()
    elif ref := _REF_NUMBER.search(t):
        ids["transaction_ref"] = ref[1]
    return ids


_LIMIT_NOT_AFTER = (
    rf"(?!\s*(?:[.,]\d|%|{_CURRENCY_AFTER}|{_MULT}{_E}|days?|weeks?|months?|years?|yrs?|hours?"
    r"|mins?|minutes?|টাকা|হাজার|লাখ|কোটি|দিন|সপ্তাহ|মাস|বছর|ঘণ্টা))"
)
_LIMIT_PATTERNS = tuple(
    _re(pattern)
    for pattern in (
        rf"{_S}(?:last|latest|recent|top|first|show(?:\s+me)?|list|display|fetch|give\s+me)\s+"
        rf"(?:the\s+)?(?:my\s+)?(?:last\s+|latest\s+|recent\s+|top\s+)?(\d+){_E}{_LIMIT_NOT_AFTER}",
        rf"{_NS}(\d+)\s+(?:most\s+)?(?:recent|latest|last){_E}",
        rf"{_S}(?:শেষ|সর্বশেষ|গত|শীর্ষ|প্রথম|সাম্প্রতিক)\s*(\d+){_LIMIT_NOT_AFTER}",
        rf"{_NS}(\d+)\s*(?:টি|টা)?\s*লেনদেন",
    )
)


def parse_limit(text: str) -> int | None:
    """How many items the user asked to see ("last 10", "top 5", "শেষ ১০টি")."""
    t = _prep(text)
    found = [(m.start(1), int(m[1])) for p in _LIMIT_PATTERNS if (m := p.search(t))]
    return min(found)[1] if found else None


def canonical(value: float) -> str:
    """Shortest decimal spelling of a computed value ("150000", "2.5")."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def numbers_in(text: str) -> set[str]:
    """Every number in text as canonical strings, for checking an answer is grounded."""
    out: set[str] = set()
    for m in _NUMBER.finditer(_prep(text)):
        whole, _, frac = m["num"].replace(",", "").partition(".")
        frac = frac.rstrip("0")
        tail = f".{frac}" if frac else ""
        out.add(whole + tail)
        # "001" in REF-001 or a date part "01" may be quoted back without the zeros.
        out.add((whole.lstrip("0") or "0") + tail)
        if m["mult"]:
            out.add(canonical(_value(m)))
    return out
