"""Classify one year cell of a LOLF indicator table, exactly as printed in the budget documents.

`parse_cell(raw)` never raises and never alters `raw`; it returns a `ParsedCell` whose
`value_status` is one of `STATUSES` (declared by the seed `ref_cell_status`):

- ``numeric``: a plain French number only. ``'1 941,9'`` -> 1941.9
- ``empty``: nothing, whitespace or a lone dash. ``'–'``
- ``not_determined``: not decided yet. ``'Non déterminé'``, ``'Cible du plan RP4 à venir'``
- ``not_applicable``: ``'Sans objet'``
- ``unknown``: not known or not available. ``'Non connu'``, ``'NC'``, ``'Non mesuré UE'``
- ``withheld``: covered by a secret (``DRSF``: données relevant du secret fiscal). ``'DRSF'``
- ``qualitative``: a trend or a yes/no realisation; `value_note` holds the canonical keyword
  (increase, decrease, stable, monitor, met, not_met, partial). ``'En hausse'`` -> increase
- ``bound``: comparator then number; `value_comparator` in ``> >= < <= ~``. ``'≥ 40'`` -> (>=, 40)
- ``range``: an interval; `value_low`/`value_high` (and `value_numeric` for the central-value form
  ``'8,3<14,1<19,9'``). ``'2 à 4,5'`` -> 2..4.5
- ``duration``: a number of mois/jours/semaines/heures/minutes, in the unit of the largest
  component. ``'27 mois et 3 jours'`` -> 27 + 3/30.4375 mois, ``'9h14'`` -> 9.2333 heures
- ``annotated``: a number plus something that is not part of it (footnote mark, parenthesised
  comment, ``p`` for provisoire, inline ``%``, explicit ``+`` sign). ``'55*'`` -> 55, note ``'*'``
- ``formula``: defined relative to a reference rate; note = the text. ``'€STR + 0,10%'``
- ``damaged``: the export damaged what was printed; `value_note` says how (`DAMAGES`), and what
  was read is kept for the warehouse to recover the cell from another document, never used as is.
  ``lost_comparator``: a ``≤``/``≥`` a codepage turned into ``?`` (``'? 10'`` -> 10, a unit glued
  to it in `value_unit`); ``spreadsheet_date``: a range ``3-4`` that a spreadsheet turned into a
  date (``'03-avr'`` -> `value_low` 3, the day, and `value_high` 4, the month; no number).
- ``unparsed``: anything else. ``'20 / 27'``; one number followed by words
  (``'98,7 % de l'obligation communautaire'``) gets `value_note` ``number_in_text``.

Numbers: optional ``-``/``−`` minus, digits grouped by thousands with single spaces in groups of
exactly three, decimal comma; a decimal point is accepted only where it cannot be a thousands
separator (not exactly three digits after it, or an integer part of ``0`` or of four digits or more).
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from orchestration.lib.vocabularies import vocabulary

STATUSES = vocabulary("value_status")  # the seed dbt_project/seeds/ref_cell_status.csv

QUALITATIVE_KEYWORDS = ("increase", "decrease", "stable", "monitor", "met", "not_met", "partial")
COMPARATORS = (">", ">=", "<", "<=", "~")
DURATION_UNITS = ("minutes", "heures", "jours", "semaines", "mois")
# How a `damaged` cell was damaged (its value_note); and the one note an unparsed cell can carry.
DAMAGES = ("lost_comparator", "spreadsheet_date")
NUMBER_IN_TEXT = "number_in_text"


@dataclass(frozen=True, slots=True)
class ParsedCell:
    """One classified cell; only the fields its status calls for are set, the others are None."""

    value_raw: str  # the input, unchanged
    value_status: str  # one of STATUSES
    value_numeric: float | None = None
    value_comparator: str | None = None
    value_low: float | None = None
    value_high: float | None = None
    value_unit: str | None = None
    value_note: str | None = None


# The frozen dataclass __init__ goes through object.__setattr__ field by field and costs about half
# of a parse; setting the slots through their descriptors is twice as fast (same object, same checks
# on read: eq, hash and repr are the dataclass ones).
_new = object.__new__
_SET = tuple(ParsedCell.__dict__[name].__set__ for name in ParsedCell.__slots__)
(_set_raw, _set_status, _set_numeric, _set_cmp, _set_low, _set_high, _set_unit, _set_note) = _SET


def _cell(
    raw: str,
    status: str,
    numeric: float | None = None,
    comparator: str | None = None,
    low: float | None = None,
    high: float | None = None,
    unit: str | None = None,
    note: str | None = None,
) -> ParsedCell:
    cell = _new(ParsedCell)
    _set_raw(cell, raw)
    _set_status(cell, status)
    _set_numeric(cell, numeric)
    _set_cmp(cell, comparator)
    _set_low(cell, low)
    _set_high(cell, high)
    _set_unit(cell, unit)
    _set_note(cell, note)
    return cell


# Regexes only run on short texts: real cells are a few dozen characters, and the cap bounds the
# work on pathological input. A plain number may be longer: any finite float written out in full
# fits (-1.8e308 takes 412 characters, -5e-324 takes 327).
_MAX_TEXT = 200
_MAX_NUMBER = 420

# --- numbers --------------------------------------------------------------------------------------
# [0-9] rather than \d: \d would accept other scripts' digits.
_NUM = (
    r"[-−]?(?:"
    r"[0-9]{1,3}(?: [0-9]{3})+(?:,[0-9]+)?"  # grouped thousands, optional decimal comma
    r"|[0-9]+,[0-9]+"  # decimal comma
    r"|[0-9]+\.(?:[0-9]{1,2}|[0-9]{4,})"  # decimal point that cannot be a thousands separator
    r"|(?:0|[0-9]{4,})\.[0-9]{3}"  # '0.125', '1234.567': not thousands either
    r"|[0-9]+"
    r")"
)
_NUMBER_RE = re.compile(_NUM)


def _to_float(text: str) -> float | None:
    value = float(text.replace(" ", "").replace(",", ".").replace("−", "-"))
    return value if math.isfinite(value) else None  # '9' * 400 overflows: not a usable number


def _normalise(raw: str) -> str:
    # str.split() splits on every Unicode space (U+00A0, U+202F, U+2009, line breaks...): one C pass
    # strips, maps them to a plain space and collapses runs.
    text = " ".join(raw.split())
    if "’" in text:
        text = text.replace("’", "'")
    return text


def parse_french_number(text: str) -> float | None:
    """The number written in French style, or None unless the whole text is exactly one number."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if len(stripped) > _MAX_NUMBER:
        return None
    normalised = _normalise(stripped)
    if not _NUMBER_RE.fullmatch(normalised):
        return None
    return _to_float(normalised)


def format_french_number(x: float) -> str:
    """French spelling of x: decimal comma, thousands grouped by U+202F, no exponent, no trailing zeros.

    Uses repr's shortest round-tripping digits, so parse_french_number gives x back exactly.
    """
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError(f"cannot format a non-finite number: {x!r}")
    digits = format(Decimal(repr(x)), "f")  # plain positional notation, even for 1e-300
    sign = ""
    if digits.startswith("-"):
        sign, digits = "-", digits[1:]
    integer, _, fraction = digits.partition(".")
    fraction = fraction.rstrip("0")
    groups = []
    while len(integer) > 3:
        groups.append(integer[-3:])
        integer = integer[:-3]
    groups.append(integer)
    text = "\u202f".join(reversed(groups))
    if fraction:
        text += "," + fraction
    if sign and text == "0":
        return "0"  # -0.0: no signed zero in print
    return sign + text


# --- keywords -------------------------------------------------------------------------------------
_FOLD = str.maketrans("àâäéèêëîïôöûùüç", "aaaeeeeiioouuuc")

_KEYWORDS: dict[str, tuple[str, str | None]] = {}


def _add(status: str, note: str | None, *keys: str) -> None:
    for key in keys:
        _KEYWORDS[key] = _KEYWORDS[key.translate(_FOLD)] = (status, note)


# Keys are lower-cased and without trailing dots; written with their accents (the usual spelling,
# found by the first look-up) and stored folded too ('Non determine').
_add("not_determined", None, "non déterminé", "non déterminée", "non déterminés", "non déterminées")
_add("not_determined", None, "à déterminer", "indéterminé")
_add("not_applicable", None, "sans objet", "s.o", "so", "s/o", "s. o")
_add("unknown", None, "non connu", "non connue", "non connus", "non connues", "inconnu", "inconnue")
_add("unknown", None, "nc", "n.c", "n/c", "n. c", "nd", "n.d", "n/d", "n. d", "na", "n.a", "n/a", "n. a")
_add("unknown", None, "non disponible", "non disponibles", "indisponible", "données non disponibles")
_add("unknown", None, "donnée non disponible", "données indisponibles", "donnée indisponible")
_add("unknown", None, "non renseigné", "non renseignée", "non renseignés", "non renseignées")
_add("unknown", None, "non observé", "non observée", "non observés", "non observées")
_add("unknown", None, "non mesuré", "non mesurée", "non mesurés", "non mesurées")
_add("unknown", None, "nr", "n.r", "données non renseignées", "donnée non renseignée")
# 'n.s.' (non significatif, RAP files): no meaningful value for that year.
_add("not_applicable", None, "ns", "n.s", "n. s", "non significatif", "non significative")
_add("withheld", None, "drsf", "secret fiscal", "secret statistique")
_add("qualitative", "increase", "hausse", "en hausse", "augmentation", "en augmentation", "légère hausse")
_add("qualitative", "decrease", "baisse", "en baisse", "diminution", "en diminution", "légère baisse")
_add("qualitative", "stable", "stable", "stabilité", "stabilisation")
_add("qualitative", "monitor", "suivi")
_add("qualitative", "met", "rempli", "remplie", "atteint", "atteinte")
_add("qualitative", "not_met", "non rempli", "non remplie", "non atteint", "non atteinte")
_add("qualitative", "partial", "partiel", "partielle", "partiellement rempli", "partiellement atteint")

# Families the exact table cannot list: 'Non mesuré UE', 'DRSF (…)', '… à venir', '≥ N-1'.
_PREFIX_RE = re.compile(r"(?:(?P<unknown>non mesuree?s?|non disponibles?)|(?P<withheld>drsf))\b")
_TO_COME_RE = re.compile(r"\ba venir\b")
_PREVIOUS_YEAR_RE = re.compile(r"(>=|=>|≥|⩾|> ?ou ?=|>|<=|=<|≤|⩽|< ?ou ?=|<) ?n ?- ?1")


def _keyword(text: str) -> tuple[str, str | None] | None:
    key = text.lower()
    found = _KEYWORDS.get(key)
    if found is not None:
        return found
    if not key.isascii():
        key = key.translate(_FOLD)
    key = key.rstrip(". ")
    found = _KEYWORDS.get(key)
    if found is not None:
        return found
    match = _PREFIX_RE.match(key)
    if match:
        return ("unknown" if match["unknown"] else "withheld"), None
    if _TO_COME_RE.search(key):
        return "not_determined", None
    match = _PREVIOUS_YEAR_RE.fullmatch(key)
    if match:
        # '≥ N-1': at least the previous year's value, read as the trend it asks for.
        smaller = "<" in match[1] or match[1] in ("≤", "⩽")
        return "qualitative", "decrease" if smaller else "increase"
    # A keyword with a footnote mark: 'ND*', 'n.d.**', '(nd)*', 'NS *' (a lone '(*)' stays unparsed).
    marked = key.rstrip("* ")
    if marked != key and marked:
        marked = marked.removeprefix("(").removesuffix(")").rstrip(". ")
        found = _KEYWORDS.get(marked)
        if found is not None:
            return found
    return None


# --- shapes around numbers ------------------------------------------------------------------------
_EMPTY = frozenset({"", "-", "–", "—", "−"})
_NUMBER_START = frozenset("0123456789-−+")
_COMPARATOR_START = frozenset("<>=≥≤⩾⩽~≈")

_CMP = r"(?P<cmp>>=|=>|≥|⩾|> ?ou ?=|> ?=|>|<=|=<|≤|⩽|< ?ou ?=|< ?=|<|≈|~)"
_CMP_MAP = {"≥": ">=", "⩾": ">=", "=>": ">=", "≤": "<=", "⩽": "<=", "=<": "<=", "≈": "~"}
_CMP_MAP.update({c: c for c in COMPARATORS})
for _sign in "<>":  # '> ou =', '>ou=', '> =': every spacing the normalised text can have
    for _spelling in ("{} ou =", "{}ou =", "{} ou=", "{}ou=", "{} ="):
        _CMP_MAP[_spelling.format(_sign)] = _sign + "="

# A note after a number: '*' marks (optionally followed by their text), parenthesised comments
# (one nesting level), 'p' or '(p)' for provisoire.
_PAREN = r"\((?:[^()]|\([^()]*\))*\)"
_NOTE = rf"(?P<note>\*+(?: .*)?|{_PAREN}(?: {_PAREN})*|p)"
_UNIT_WORD = r"mois|jours?|semaines?|heures?|minutes?|min"

_BOUND_RE = re.compile(
    rf"{_CMP} ?(?P<num>{_NUM})(?: ?(?P<unit>%|(?:{_UNIT_WORD})\b))?(?: ?{_NOTE})?", re.IGNORECASE
)
_ANNOTATED_RE = re.compile(rf"(?P<plus>\+ ?)?(?P<num>{_NUM})(?: ?(?P<pct>%))?(?: ?{_NOTE})?")
_RANGE_RE = re.compile(
    rf"(?:(?P<word>entre) |de )?(?P<low>{_NUM})(?: ?(?P<pct1>%))?"
    rf" ?(?P<sep>[-–—]|à|a|et) ?(?P<high>{_NUM})(?: ?(?P<pct>%))?",
    re.IGNORECASE,
)
_CENTRAL_RE = re.compile(rf"(?P<low>{_NUM}) ?< ?(?P<mid>{_NUM}) ?< ?(?P<high>{_NUM})")
_DURATION_RE = re.compile(
    rf"(?P<n1>{_NUM}) (?P<u1>{_UNIT_WORD})(?:(?: et|,)? (?P<n2>{_NUM}) (?P<u2>{_UNIT_WORD}))?", re.IGNORECASE
)
_CLOCK_RE = re.compile(r"(?P<h>[0-9]{1,3}) ?h(?: ?(?P<m>[0-5][0-9])(?: ?min)?)?", re.IGNORECASE)
_MINSEC_RE = re.compile(r"(?P<m>[0-9]{1,4})['′](?P<s>[0-5][0-9])(?:''|\"|″|′′)?")
# RAP 2012's export lost '≤'/'≥' to '?': '? 10', '?  1 800', '? 60 min'.
_LOST_COMPARATOR_RE = re.compile(rf"\? ?(?P<num>{_NUM})(?: ?(?P<unit>%|(?:{_UNIT_WORD})\b))?", re.IGNORECASE)
# A spreadsheet reads '3-4' as the 3rd of April and prints it back as '03-avr' (French locale).
# A date with its year ('11-juin-11') is not this damage: it stays unparsed.
_MONTHS = {
    "janv": 1, "fevr": 2, "mars": 3, "avr": 4, "mai": 5, "juin": 6,
    "juil": 7, "aout": 8, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_SPREADSHEET_DATE_RE = re.compile(
    r"(?P<day>[0-9]{1,2})-(?P<month>janv|f[eé]vr|mars|avr|mai|juin|juil|ao[uû]t|sept|oct|nov|d[eé]c)\.?",
    re.IGNORECASE,
)
# A bound on a duration in minutes and seconds: <14' or ≤ 14'30'' (read in minutes, like 12'13'').
_MINSEC_BOUND_RE = re.compile(rf"{_CMP} ?(?P<m>[0-9]{{1,4}})['′](?:(?P<s>[0-5][0-9])(?:''|\"|″|′′)?)?")
# One number first, then words and no other digit: '98,7 % de l'obligation communautaire'.
_NUMBER_IN_TEXT_RE = re.compile(rf"{_NUM} ?%? (?=[^\W\d_]{{2}})[^0-9]*")
_FORMULA_RE = re.compile(
    r"(?:€ ?STR|ESTER|€STER|EONIA|EURIBOR)(?: ?[+\-−] ?" + _NUM + r" ?(?:%|pb|points? de base))?",
    re.IGNORECASE,
)

_UNIT_NAMES = {
    "mois": "mois",
    "jour": "jours",
    "jours": "jours",
    "semaine": "semaines",
    "semaines": "semaines",
    "heure": "heures",
    "heures": "heures",
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
}
# Length of each unit in days; a month is a mean Gregorian month (365.25 / 12).
_UNIT_DAYS = {"minutes": 1 / 1440, "heures": 1 / 24, "jours": 1.0, "semaines": 7.0, "mois": 30.4375}


def _clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = note.strip()
    if note.lower() in ("p", "(p)"):
        return "p"
    return note


def _bound(raw: str, match: re.Match[str]) -> ParsedCell:
    value = _to_float(match["num"])
    if value is None:
        return _cell(raw, "unparsed")
    cmp = _CMP_MAP[match["cmp"].lower()]
    unit = match["unit"]
    if unit is not None and unit != "%":
        unit = _UNIT_NAMES[unit.lower()]
    return _cell(raw, "bound", value, cmp, None, None, unit, _clean_note(match["note"]))


def _range(raw: str, match: re.Match[str]) -> ParsedCell | None:
    sep = match["sep"].lower()
    # 'entre 6 et 8' needs its 'et'; '2 à 4' and '404-412' must not have an 'entre'.
    if (sep == "et") != (match["word"] is not None):
        return None
    low, high = _to_float(match["low"]), _to_float(match["high"])
    if low is None or high is None or low > high:
        return None
    return _cell(raw, "range", None, None, low, high, "%" if match["pct"] or match["pct1"] else None)


def _duration(raw: str, match: re.Match[str]) -> ParsedCell | None:
    value = _to_float(match["n1"])
    unit = _UNIT_NAMES[match["u1"].lower()]
    if value is None:
        return None
    if match["n2"] is not None:
        extra = _to_float(match["n2"])
        unit2 = _UNIT_NAMES[match["u2"].lower()]
        # Largest component first ('27 mois et 3 jours'); anything else is not a usual spelling.
        if extra is None or _UNIT_DAYS[unit2] >= _UNIT_DAYS[unit]:
            return None
        value += extra * _UNIT_DAYS[unit2] / _UNIT_DAYS[unit]
    return _cell(raw, "duration", value, None, None, None, unit)


def _annotated(raw: str, match: re.Match[str]) -> ParsedCell | None:
    plus, pct, note = match["plus"], match["pct"], _clean_note(match["note"])
    if plus is None and pct is None and note is None:
        return None  # plain number: caller's business
    value = _to_float(match["num"])
    if value is None:
        return None
    if plus is not None:
        if match["num"][0] in "-−":
            return None  # '+-5' is not a signed change
        note = "+" if note is None else f"+ {note}"  # printed as a signed change: keep the '+'
    return _cell(raw, "annotated", value, None, None, None, "%" if pct else None, note)


def parse_cell(raw: str) -> ParsedCell:
    """Classify one year cell. Never raises; `value_raw` is `raw` unchanged."""
    try:
        # Plain numbers are three cells in four: their path is inlined.
        stripped = raw.strip()
        if len(stripped) > _MAX_NUMBER:
            return _cell(raw, "unparsed")
        text = " ".join(stripped.split())
        if _NUMBER_RE.fullmatch(text):
            value = _to_float(text)
            return _cell(raw, "unparsed") if value is None else _cell(raw, "numeric", value)
        if text in _EMPTY:
            return _cell(raw, "empty")
        if len(text) > _MAX_TEXT:
            return _cell(raw, "unparsed")
        return _parse(raw, text.replace("’", "'"))
    except Exception:  # a bug must not stop a 300,000-cell load: the cell stays visible as unparsed
        return _cell(raw, "unparsed")


def _parse(raw: str, text: str) -> ParsedCell:
    """Everything but plain numbers and empties; `text` is normalised, non-empty, short."""
    # Dispatch on the first character so that each cell meets only the regexes that can match it.
    first = text[0]
    if first in _NUMBER_START:
        match = _ANNOTATED_RE.fullmatch(text)
        if match:
            cell = _annotated(raw, match)
            if cell is not None:
                return cell
        for regex, build in _NUMBER_SHAPES:
            match = regex.fullmatch(text)
            if match:
                cell = build(raw, match)
                if cell is not None:
                    return cell
        match = _SPREADSHEET_DATE_RE.fullmatch(text)
        if match:
            day, month = float(match["day"]), float(_MONTHS[match["month"].lower().translate(_FOLD)])
            return _cell(raw, "damaged", None, None, day, month, None, "spreadsheet_date")
        return _unparsed(raw, text)

    if first in _COMPARATOR_START:
        match = _BOUND_RE.fullmatch(text)
        if match:
            return _bound(raw, match)
        match = _MINSEC_BOUND_RE.fullmatch(text)
        if match:
            value = int(match["m"]) + (int(match["s"]) / 60 if match["s"] else 0.0)
            return _cell(raw, "bound", value, _CMP_MAP[match["cmp"].lower()], None, None, "minutes")
    if first == "?":
        match = _LOST_COMPARATOR_RE.fullmatch(text)
        if match:
            value = _to_float(match["num"])
            if value is not None:
                unit = match["unit"]
                if unit is not None and unit != "%":
                    unit = _UNIT_NAMES[unit.lower()]
                return _cell(raw, "damaged", value, None, None, None, unit, "lost_comparator")
    found = _keyword(text)
    if found is not None:
        return _cell(raw, found[0], note=found[1])
    if first in "€EeDd":
        if _FORMULA_RE.fullmatch(text):
            return _cell(raw, "formula", note=text)
        match = _RANGE_RE.fullmatch(text)  # 'entre 6 et 8', 'de 2 à 4'
        if match:
            cell = _range(raw, match)
            if cell is not None:
                return cell
    return _cell(raw, "unparsed")


def _unparsed(raw: str, text: str) -> ParsedCell:
    """Unparsed; noted when the text is one number then words (the number is not taken)."""
    if _NUMBER_IN_TEXT_RE.fullmatch(text):
        return _cell(raw, "unparsed", note=NUMBER_IN_TEXT)
    return _cell(raw, "unparsed")


def _clock(raw: str, match: re.Match[str]) -> ParsedCell:
    minutes = match["m"]
    value = int(match["h"]) + (int(minutes) / 60 if minutes else 0.0)
    return _cell(raw, "duration", value, None, None, None, "heures")


def _minsec(raw: str, match: re.Match[str]) -> ParsedCell:
    value = int(match["m"]) + int(match["s"]) / 60
    return _cell(raw, "duration", value, None, None, None, "minutes")


def _central(raw: str, match: re.Match[str]) -> ParsedCell | None:
    low, mid, high = _to_float(match["low"]), _to_float(match["mid"]), _to_float(match["high"])
    if low is None or mid is None or high is None or not low <= mid <= high:
        return None
    return _cell(raw, "range", mid, None, low, high)


# Shapes starting with a number, tried in order after the annotated form.
_NUMBER_SHAPES = (
    (_DURATION_RE, _duration),
    (_RANGE_RE, _range),
    (_CENTRAL_RE, _central),
    (_CLOCK_RE, _clock),
    (_MINSEC_RE, _minsec),
)
