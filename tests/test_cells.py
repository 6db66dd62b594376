"""Tests of orchestration.lib.ingest.cells: the classification of one year cell."""

import csv
import math
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.lib.ingest.cells import (
    COMPARATORS,
    DAMAGES,
    DURATION_UNITS,
    NUMBER_IN_TEXT,
    QUALITATIVE_KEYWORDS,
    STATUSES,
    ParsedCell,
    format_french_number,
    parse_cell,
    parse_french_number,
)

REAL_CSV = Path(__file__).resolve().parents[1] / "raw" / "pap" / "2025" / "plf-2025-performance.csv"

NNBSP = "\u202f"
NBSP = "\u00a0"

# raw, status, numeric, comparator, low, high, unit, note
CASES = [
    # numeric
    ("1 941,9", "numeric", 1941.9, None, None, None, None, None),
    (f"3{NBSP}881 200", "numeric", 3881200, None, None, None, None, None),
    ("-6 588,33", "numeric", -6588.33, None, None, None, None, None),
    (f"{NBSP} 12 {NBSP}", "numeric", 12, None, None, None, None, None),
    (f"1{NNBSP}234{NNBSP}567,5", "numeric", 1234567.5, None, None, None, None, None),
    ("−3,5", "numeric", -3.5, None, None, None, None, None),
    ("0", "numeric", 0, None, None, None, None, None),
    ("-45", "numeric", -45, None, None, None, None, None),
    ("6.5", "numeric", 6.5, None, None, None, None, None),
    # empty
    ("", "empty", None, None, None, None, None, None),
    (f"  {NBSP}{NNBSP} ", "empty", None, None, None, None, None, None),
    ("-", "empty", None, None, None, None, None, None),
    ("–", "empty", None, None, None, None, None, None),
    ("—", "empty", None, None, None, None, None, None),
    # not_determined
    ("Non déterminé", "not_determined", None, None, None, None, None, None),
    ("non déterminé", "not_determined", None, None, None, None, None, None),
    ("Non determine", "not_determined", None, None, None, None, None, None),
    ("Cible du plan RP4 à venir", "not_determined", None, None, None, None, None, None),
    # not_applicable
    ("Sans objet", "not_applicable", None, None, None, None, None, None),
    ("sans objet", "not_applicable", None, None, None, None, None, None),
    ("s.o.", "not_applicable", None, None, None, None, None, None),
    ("SO", "not_applicable", None, None, None, None, None, None),
    ("s/o", "not_applicable", None, None, None, None, None, None),
    # unknown
    ("Non connu", "unknown", None, None, None, None, None, None),
    ("Non connue", "unknown", None, None, None, None, None, None),
    ("NC", "unknown", None, None, None, None, None, None),
    ("N.C.", "unknown", None, None, None, None, None, None),
    ("ND", "unknown", None, None, None, None, None, None),
    ("n.d.", "unknown", None, None, None, None, None, None),
    ("NA", "unknown", None, None, None, None, None, None),
    ("N/A", "unknown", None, None, None, None, None, None),
    ("Non disponible", "unknown", None, None, None, None, None, None),
    ("Non Disponible", "unknown", None, None, None, None, None, None),
    ("Données non disponibles", "unknown", None, None, None, None, None, None),
    ("Non renseigné", "unknown", None, None, None, None, None, None),
    ("non observé", "unknown", None, None, None, None, None, None),
    ("Non mesuré UE", "unknown", None, None, None, None, None, None),
    # withheld
    ("DRSF", "withheld", None, None, None, None, None, None),
    ("drsf", "withheld", None, None, None, None, None, None),
    # qualitative
    ("En hausse", "qualitative", None, None, None, None, None, "increase"),
    ("Hausse", "qualitative", None, None, None, None, None, "increase"),
    ("en hausse", "qualitative", None, None, None, None, None, "increase"),
    ("En baisse", "qualitative", None, None, None, None, None, "decrease"),
    ("Baisse", "qualitative", None, None, None, None, None, "decrease"),
    ("en baisse", "qualitative", None, None, None, None, None, "decrease"),
    ("Stable", "qualitative", None, None, None, None, None, "stable"),
    ("Stabilité", "qualitative", None, None, None, None, None, "stable"),
    ("Suivi", "qualitative", None, None, None, None, None, "monitor"),
    (">=N-1", "qualitative", None, None, None, None, None, "increase"),
    ("≥ N-1", "qualitative", None, None, None, None, None, "increase"),
    ("Non rempli", "qualitative", None, None, None, None, None, "not_met"),
    ("Rempli", "qualitative", None, None, None, None, None, "met"),
    ("partiel", "qualitative", None, None, None, None, None, "partial"),
    ("Atteint", "qualitative", None, None, None, None, None, "met"),
    ("Non atteint", "qualitative", None, None, None, None, None, "not_met"),
    # bound
    (">10", "bound", 10, ">", None, None, None, None),
    ("> 5", "bound", 5, ">", None, None, None, None),
    (">=92,5", "bound", 92.5, ">=", None, None, None, None),
    ("≥ 40", "bound", 40, ">=", None, None, None, None),
    ("≥40", "bound", 40, ">=", None, None, None, None),
    ("⩾30", "bound", 30, ">=", None, None, None, None),
    ("≤ 6", "bound", 6, "<=", None, None, None, None),
    ("⩽ 6", "bound", 6, "<=", None, None, None, None),
    ("<=0,20", "bound", 0.2, "<=", None, None, None, None),
    ("< 1 700", "bound", 1700, "<", None, None, None, None),
    ("> ou = 60", "bound", 60, ">=", None, None, None, None),
    ("< ou = 60", "bound", 60, "<=", None, None, None, None),
    ("~80", "bound", 80, "~", None, None, None, None),
    ("≈ 80", "bound", 80, "~", None, None, None, None),
    (">78%", "bound", 78, ">", None, None, "%", None),
    ("> 88%", "bound", 88, ">", None, None, "%", None),
    ("≤ 0,90 (*)", "bound", 0.9, "<=", None, None, None, "(*)"),
    ("<6.5", "bound", 6.5, "<", None, None, None, None),
    ("≤ 7.7", "bound", 7.7, "<=", None, None, None, None),
    (">2024", "bound", 2024, ">", None, None, None, None),
    ("<-47", "bound", -47, "<", None, None, None, None),
    (">3 000 000", "bound", 3000000, ">", None, None, None, None),
    # range
    ("404-412", "range", None, None, 404, 412, None, None),
    ("300-350", "range", None, None, 300, 350, None, None),
    ("2 à 4,5", "range", None, None, 2, 4.5, None, None),
    ("180 à 200", "range", None, None, 180, 200, None, None),
    ("entre 6 et 8", "range", None, None, 6, 8, None, None),
    ("Entre 1,8 et 2.0", "range", None, None, 1.8, 2.0, None, None),
    ("8,3<14,1<19,9", "range", 14.1, None, 8.3, 19.9, None, None),
    ("2 % à 4 %", "range", None, None, 2, 4, "%", None),
    # duration
    ("9 mois", "duration", 9, None, None, None, "mois", None),
    ("5 semaines", "duration", 5, None, None, None, "semaines", None),
    ("27 mois et 3 jours", "duration", 27 + 3 / 30.4375, None, None, None, "mois", None),
    ("9h14", "duration", 9 + 14 / 60, None, None, None, "heures", None),
    ("15h30", "duration", 15.5, None, None, None, "heures", None),
    ("14'23", "duration", 14 + 23 / 60, None, None, None, "minutes", None),
    ("8'29''", "duration", 8 + 29 / 60, None, None, None, "minutes", None),
    ("8’29’’", "duration", 8 + 29 / 60, None, None, None, "minutes", None),
    # a bound on minutes and seconds (PAP 2025 line 1559, RAP 2013)
    ("<14'", "bound", 14, "<", None, None, "minutes", None),
    ("<15'", "bound", 15, "<", None, None, "minutes", None),
    ("≤ 14'30''", "bound", 14.5, "<=", None, None, "minutes", None),
    # annotated
    ("55*", "annotated", 55, None, None, None, None, "*"),
    ("20,0**", "annotated", 20, None, None, None, None, "**"),
    ("-6**", "annotated", -6, None, None, None, None, "**"),
    ("1 (a)", "annotated", 1, None, None, None, None, "(a)"),
    ("0 (c)", "annotated", 0, None, None, None, None, "(c)"),
    ("6,9 (génération 2017)", "annotated", 6.9, None, None, None, None, "(génération 2017)"),
    ("11 (estimation)", "annotated", 11, None, None, None, None, "(estimation)"),
    ("2,1 (valeur semi-définitive)", "annotated", 2.1, None, None, None, None, "(valeur semi-définitive)"),
    ("14,1 (+/- 0,6)", "annotated", 14.1, None, None, None, None, "(+/- 0,6)"),
    ("436 (0,12)", "annotated", 436, None, None, None, None, "(0,12)"),
    ("1,6p", "annotated", 1.6, None, None, None, None, "p"),
    ("368 000 (p)", "annotated", 368000, None, None, None, None, "p"),
    ("41 500p", "annotated", 41500, None, None, None, None, "p"),
    ("2,80 (*)", "annotated", 2.8, None, None, None, None, "(*)"),
    (
        "31,1% * valeur provisoire hors Galileo+EGNOS",
        "annotated",
        31.1,
        None,
        None,
        None,
        "%",
        "* valeur provisoire hors Galileo+EGNOS",
    ),
    (
        "+10,7% (par rapport à la prévision du PLF 2022)",
        "annotated",
        10.7,
        None,
        None,
        None,
        "%",
        "+ (par rapport à la prévision du PLF 2022)",
    ),
    (
        "-2,3% (par rapport à la prévision du PLFG 2023)",
        "annotated",
        -2.3,
        None,
        None,
        None,
        "%",
        "(par rapport à la prévision du PLFG 2023)",
    ),
    ("83%", "annotated", 83, None, None, None, "%", None),
    (f"93,91{NBSP}%", "annotated", 93.91, None, None, None, "%", None),
    ("-45 %", "annotated", -45, None, None, None, "%", None),
    ("0%", "annotated", 0, None, None, None, "%", None),
    ("+1,1", "annotated", 1.1, None, None, None, None, "+"),
    ("+ 8,1", "annotated", 8.1, None, None, None, None, "+"),
    ("+4%", "annotated", 4, None, None, None, "%", "+"),
    # formula
    ("€STR", "formula", None, None, None, None, None, "€STR"),
    ("€STR + 0,10%", "formula", None, None, None, None, None, "€STR + 0,10%"),
    # unparsed
    ("PLAI : 32 PLUS : 43 PLS : 25", "unparsed", None, None, None, None, None, None),
    ("zones détendues: 5,59 zones tendues: 18,52 dont IDF: 22,62", "unparsed", *[None] * 6),
    ("93,64 zone 1 / 386,99 zone 2", "unparsed", None, None, None, None, None, None),
    ("20 / 27", "unparsed", None, None, None, None, None, None),
    ("72;3", "unparsed", None, None, None, None, None, None),
    ("53, 7", "unparsed", None, None, None, None, None, None),
    ("(1,3)", "unparsed", None, None, None, None, None, None),
    ("(*)", "unparsed", None, None, None, None, None, None),
    ("seuil de 88% dépassé", "unparsed", None, None, None, None, None, None),
    ("98,7 % de l'obligation communautaire", "unparsed", *[None] * 5, "number_in_text"),  # RAP 2012
    ("80 % de l'obligation communautaire", "unparsed", *[None] * 5, "number_in_text"),
    ("Pas d'enquête de prévue en 2013", "unparsed", *[None] * 6),  # a year in words is no value
    ("11-juin-11", "unparsed", *[None] * 6),  # a date with its year is not a range made a date
    ("#NOM?", "unparsed", *[None] * 6),
    # damaged: RAP 2012's lost '≤'/'≥' (its file prints '?'), ranges a spreadsheet made dates
    ("? 10", "damaged", 10, None, None, None, None, "lost_comparator"),
    ("?10", "damaged", 10, None, None, None, None, "lost_comparator"),
    ("?  1 800", "damaged", 1800, None, None, None, None, "lost_comparator"),
    ("? 60 min", "damaged", 60, None, None, None, "minutes", "lost_comparator"),
    ("? 90", "damaged", 90, None, None, None, None, "lost_comparator"),
    ("03-avr", "damaged", None, None, 3, 4, None, "spreadsheet_date"),
    ("02-janv", "damaged", None, None, 2, 1, None, "spreadsheet_date"),
    ("03-févr", "damaged", None, None, 3, 2, None, "spreadsheet_date"),
    ("95 + 19 usages transitoires", "unparsed", None, None, None, None, None, None),
    ("412-404", "unparsed", None, None, None, None, None, None),  # low > high: not a range
    ("1.500", "unparsed", None, None, None, None, None, None),  # thousands point or decimal? unknown
    ("12 34", "unparsed", None, None, None, None, None, None),  # not a group of three
    ("1" * 350, "unparsed", None, None, None, None, None, None),  # overflows to inf
    ("x" * 1000, "unparsed", None, None, None, None, None, None),
]


@pytest.mark.parametrize(
    ("raw", "status", "numeric", "comparator", "low", "high", "unit", "note"),
    CASES,
    ids=[repr(case[0])[:40] for case in CASES],
)
def test_parse_cell_table(raw, status, numeric, comparator, low, high, unit, note):
    cell = parse_cell(raw)
    assert cell.value_raw is raw
    assert cell.value_status == status
    assert cell.value_numeric == (None if numeric is None else pytest.approx(numeric, rel=1e-12))
    assert cell.value_comparator == comparator
    assert cell.value_low == low
    assert cell.value_high == high
    assert cell.value_unit == unit
    assert cell.value_note == note


def test_cases_cover_every_status():
    # `held` is given by dbt's staging to a cell a quarantine rule holds, never by the parser
    assert {case[1] for case in CASES} == set(STATUSES) - {"held"}


def test_parsed_cell_is_a_frozen_value():
    cell = parse_cell("≥ 40")
    assert cell == ParsedCell("≥ 40", "bound", 40.0, ">=")
    assert hash(cell) == hash(ParsedCell("≥ 40", "bound", 40.0, ">="))
    with pytest.raises(AttributeError):
        cell.value_status = "numeric"  # type: ignore[misc]


def test_numeric_values_are_floats():
    assert type(parse_cell("12").value_numeric) is float
    assert type(parse_cell("9h").value_numeric) is float


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 941,9", 1941.9),
        (f"1{NNBSP}234{NNBSP}567,5", 1234567.5),
        ("-6 588,33", -6588.33),
        ("0.125", 0.125),
        ("1,5 %", None),
        ("12 34", None),
        ("1.500", None),
        ("", None),
        ("+5", None),
        ("1e5", None),
        ("١٢", None),  # other scripts' digits are not French numbers
    ],
)
def test_parse_french_number(text, expected):
    assert parse_french_number(text) == expected


def test_format_french_number():
    assert format_french_number(1234567.5) == f"1{NNBSP}234{NNBSP}567,5"
    assert format_french_number(-1234.0) == f"-1{NNBSP}234"
    assert format_french_number(0.1) == "0,1"
    assert format_french_number(1e-7) == "0,0000001"
    assert format_french_number(1e16) == f"10{NNBSP}000{NNBSP}000{NNBSP}000{NNBSP}000{NNBSP}000"
    assert format_french_number(-0.0) == "0"
    assert format_french_number(12) == "12"
    with pytest.raises(ValueError):
        format_french_number(math.inf)


# --- the real open-data CSV ------------------------------------------------------------------------

EXPECTED_CSV_COUNTS = {
    "numeric": 9150,
    "empty": 448,
    "not_determined": 709,
    "not_applicable": 1090,
    "unknown": 106,
    "withheld": 87,
    "qualitative": 369,
    "bound": 549,
    "range": 37,
    "duration": 78,
    "annotated": 176,
    "formula": 6,
    "unparsed": 41,
}

EXPECTED_CSV_UNPARSED = [
    "(*)",
    "(1,3)",
    "(2,0)",
    "16 /27",
    "16/27",
    "17 / 27",
    "18 / 27",
    "20 / 27",
    "50, 6",
    "53, 7",
    "66, 5",
    "72;3",
    "87,94 zone 1/ 348,64 zone 2",
    "88, 30",
    "89 + 13 usages transitoires",
    "93,64 zone 1 / 386,99 zone 2",
    "94, 7",
    "95 + 19 usages transitoires",
    "97,22 zone 1 / 393,71 zone 2",
    "97,81 zone 1 / 319,52 zone 2",
    "98,31 zone 1/ 402,63 zone 2",
    "99,43 zone 1 / 395,59 zone 2",
    "PLAI : 32 PLUS : 43 PLS : 25",
    "PLAI : 32 PLUS : 45 PLS : 23",
    "seuil de 88% dépassé",
    "zone détendues : 5,02 zone tendues : 17,25 dont IDF : 21,07",
    "zones détendues: 5,23 zones tendues: 17,97 dont IDF: 21,95",
    "zones détendues: 5,42 zones tendues: 18,34 dont IDF: 22,40",
    "zones détendues: 5,59 zones tendues: 18,52 dont IDF: 22,62",
]


@pytest.fixture(scope="module")
def real_cells() -> list[ParsedCell]:
    with REAL_CSV.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        records = list(reader)
    assert len(records) == 2141
    return [parse_cell(raw) for record in records for raw in record[18:24]]


def test_real_csv_status_counts(real_cells):
    counts = Counter(cell.value_status for cell in real_cells)
    assert dict(counts) == EXPECTED_CSV_COUNTS
    assert sum(counts.values()) == 12846


def test_real_csv_unparsed_values(real_cells):
    unparsed = sorted({cell.value_raw for cell in real_cells if cell.value_status == "unparsed"})
    assert unparsed == EXPECTED_CSV_UNPARSED


def test_real_csv_fields_are_consistent(real_cells):
    for cell in real_cells:
        _check_invariants(cell)


# --- properties --------------------------------------------------------------------------------------

# Characters that reach the deeper branches (numbers, comparators, notes, units, keywords).
CELL_ALPHABET = "0123456789 ,.-−+%*()<>=≥≤⩽⩾~≈?'’pPhminoujrsaeèàéNCDRSF€T/;vj" + NBSP + NNBSP


def _check_invariants(cell: ParsedCell) -> None:
    assert cell.value_status in STATUSES
    for number in (cell.value_numeric, cell.value_low, cell.value_high):
        assert number is None or (type(number) is float and math.isfinite(number))
    if cell.value_status in ("numeric", "bound", "duration", "annotated"):
        assert cell.value_numeric is not None
    if cell.value_status == "bound":
        assert cell.value_comparator in COMPARATORS
    else:
        assert cell.value_comparator is None
    if cell.value_status == "range":
        assert cell.value_low is not None and cell.value_high is not None
        assert cell.value_low <= cell.value_high
        if cell.value_numeric is not None:
            assert cell.value_low <= cell.value_numeric <= cell.value_high
    elif cell.value_note == "spreadsheet_date":
        # a day and a month, in no order: '02-janv' was a '2-1'
        assert 1 <= cell.value_low <= 31 and 1 <= cell.value_high <= 12
    else:
        assert cell.value_low is None and cell.value_high is None
    if cell.value_status == "duration":
        assert cell.value_unit in DURATION_UNITS
    if cell.value_status == "qualitative":
        assert cell.value_note in QUALITATIVE_KEYWORDS
    if cell.value_status == "damaged":
        assert cell.value_note in DAMAGES
        assert (cell.value_numeric is not None) == (cell.value_note == "lost_comparator")
    if cell.value_status in ("numeric", "empty"):
        assert cell.value_note is None and cell.value_unit is None
    if cell.value_status == "unparsed":
        # a number in text is noted, never taken
        assert cell.value_note in (None, NUMBER_IN_TEXT) and cell.value_unit is None
        assert cell.value_numeric is None


@given(st.text())
def test_parse_cell_never_raises_on_any_text(raw):
    cell = parse_cell(raw)
    assert cell.value_raw is raw
    _check_invariants(cell)


@given(st.text(alphabet=CELL_ALPHABET, max_size=40))
def test_parse_cell_never_raises_on_cell_like_text(raw):
    cell = parse_cell(raw)
    assert cell.value_raw is raw
    _check_invariants(cell)
    assert parse_cell(raw) == cell  # deterministic


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_french_number_round_trip_floats(x):
    assert parse_french_number(format_french_number(x)) == x


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_french_number_round_trip_integers(n):
    text = format_french_number(n)
    assert parse_french_number(text) == n
    assert "," not in text


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_formatted_number_is_a_numeric_cell(x):
    cell = parse_cell(format_french_number(x))
    assert cell.value_status == "numeric"
    assert cell.value_numeric == x


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float_is_a_numeric_cell(x):
    cell = parse_cell(f"{NBSP}{format_french_number(x)} ")
    assert (cell.value_status, cell.value_numeric) == ("numeric", x)
