"""The CSV file behind every table of the scorecard: the same rows, written beside the pages.

Owns the rows of each table as data (one function a kind of table, built from the rows the template
prints, so a CSV has exactly the rows of its table) and the writing of the files under `csv/` of the
scorecard folder. A measure's small years table is a part of its page's `<page>.measures.csv` (one
file a page, not one a measure: 4,795 files of 300 bytes would cost more disk than they hold), and
its link names its rows with the fragment of RFC 7111 (`P129.measures.csv#row=6-9`; the header is
row 1). The files are UTF-8 without a byte-order mark, a header line, commas, fields quoted when they
hold a comma, a quote or a line break (`csv.QUOTE_MINIMAL`), lines ending CRLF (RFC 4180). A cell
holds the marts' value, not its display: a share as 0.4512 (not "45 %"), a verdict as its code; a
cell the page shows as "met/assessed" keeps that text. Text a spreadsheet would run as a formula
(starting with `=`, `+`, `@`, a tab or a carriage return, or a `-` not followed by a number) is
written with a leading apostrophe.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

CSV_DIR = "csv"
# a field a spreadsheet would read as a formula; a printed negative number ("-3", "- 2,5 %") is not one
_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?!$|[\s\d.,]*\d[\s\d.,]*%?$))")


@dataclass(frozen=True)
class Link:
    href: str  # relative to the pages; for a part of a file, with its RFC 7111 fragment (#row=6-9)
    rows: int  # data rows, the header apart

    def part(self, first: int, count: int) -> "Link":
        """Data rows first..first+count-1 (1-based) of this file: rows first+1.. of RFC 7111, the
        header being row 1."""
        return Link(f"{self.href}#row={first + 1}-{first + count}", count)


def _field(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return "'" + text if isinstance(value, str) and _FORMULA.match(text) else text


class CsvWriter:
    """Writes the CSV files of one rendering under `out_dir/csv/` and removes those it did not write."""

    def __init__(self, out_dir: Path) -> None:
        self.root = out_dir / CSV_DIR
        self.written: set[Path] = set()

    def write(self, name: str, header: list[str], rows: list[list]) -> Link:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([_field(h) for h in header])
        writer.writerows([[_field(v) for v in row] for row in rows])
        data = buffer.getvalue().encode("utf-8")
        if not path.exists() or path.read_bytes() != data:  # unchanged files keep their time stamp
            path.write_bytes(data)
        self.written.add(path)
        return Link(f"{CSV_DIR}/{name}", len(rows))

    def remove_stale(self) -> None:
        if not self.root.exists():
            return
        for path in sorted(self.root.rglob("*.csv")):
            if path not in self.written:
                path.unlink()
        for folder in sorted((p for p in self.root.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()


# --- the rows of each kind of table ----------------------------------------------------------------

RATE_ROWS = ("targets_assessed", "met", "improved", "not_improved", "no_data", "not_retained")


def has_official(rates: dict[int, dict]) -> bool:
    """The rate table prints the official rows (the template's test, in one place)."""
    return any(r["official_assessed"] for r in rates.values())


def rate_rows(years: list[int], rates: dict[int, dict]) -> tuple[list[str], list[list]]:
    """A `rate_table`: one row per count, then the share, then the official rows where there are any."""
    rows = [[name, *(rates[y][name] if y in rates else None for y in years)] for name in RATE_ROWS]
    rows.append(["share_met", *(rates[y]["share_met"] if y in rates else None for y in years)])
    if has_official(rates):

        def ratio(y: int, a: str, b: str) -> str | None:
            r = rates.get(y)
            return f"{r[a]}/{r[b]}" if r and r[b] else None

        rows += [
            [
                "official_met/official_assessed",
                *(ratio(y, "official_met", "official_assessed") for y in years),
            ],
            ["official_share_met", *(rates[y]["official_share_met"] if y in rates else None for y in years)],
            ["agreeing/both_assessed", *(ratio(y, "agreeing", "both_assessed") for y in years)],
        ]
    return ["row", *years], rows


SHARE_COLUMNS = ("share_met", "met", "targets_assessed", "official_share_met", "agreeing", "both_assessed")


def _share_fields(years: list[int], rates: dict[int, dict]) -> list:
    return [rates[y][c] if y in rates else None for y in years for c in SHARE_COLUMNS]


def _share_header(years: list[int]) -> list[str]:
    return [f"{c}_{y}" for y in years for c in SHARE_COLUMNS]


def index_programme_rows(years, missions, programme_counts, programme_rates) -> tuple[list[str], list[list]]:
    """The index's missions and their programmes: a mission row, then its programmes' rows."""
    header = [
        "level",
        "mission_code",
        "mission_label",
        "programme_code",
        "programme_label",
        "measures",
        "revised_measures",
        "below_achieved_measures",
        *_share_header(years),
    ]
    rows = []
    for m in missions:
        rows.append(
            ["mission", m.code, m.label, None, None, None, None, None, *_share_fields(years, m.rates)]
        )
        for p in m.programmes:
            c = programme_counts[p["programme_code"]]
            rows.append(
                [
                    "programme",
                    m.code,
                    m.label,
                    p["programme_code"],
                    p["programme_label"],
                    c["measures"],
                    c["revised_measures"],
                    c["below_achieved_measures"],
                    *_share_fields(years, programme_rates.get(p["programme_code"], {})),
                ]
            )
    return header, rows


def mission_programme_rows(years, mission, programme_counts, programme_rates) -> tuple[list[str], list[list]]:
    """A mission page's programmes."""
    header = ["programme_code", "programme_label", "measures", *_share_header(years)]
    rows = [
        [
            p["programme_code"],
            p["programme_label"],
            programme_counts[p["programme_code"]]["measures"],
            *_share_fields(years, programme_rates.get(p["programme_code"], {})),
        ]
        for p in mission.programmes
    ]
    return header, rows


def measure_year_rows(years: list[int], view) -> list[list]:
    """A measure's years table, in its page's measures file: realisation, target, our verdict and the
    official one as printed, one column a year of the scorecard (empty where the measure has none)."""
    by_year = {c.year: c for c in view.cells}

    def row(name: str, attribute: str) -> list:
        cells = [by_year.get(y) for y in years]
        return [view.key, view.label, name, *(getattr(c, attribute) if c else None for c in cells)]

    rows = [row("realisation", "realisation"), row("target", "target"), row("verdict", "verdict")]
    if view.has_official:
        rows.append(row("official_verdict_raw", "official_raw"))
    return rows


def measure_year_header(years: list[int]) -> list[str]:
    return ["measure_key", "measure_label", "row", *years]


def index_measure_rows(verdict_years: list[int], items: list) -> tuple[list[str], list[list]]:
    """The index's measures: where each one is, and our verdict in each year that has verdicts."""
    header = [
        "mission_code",
        "programme_code",
        "indicator_number",
        "measure_key",
        "measure_label",
        "unit",
        *(f"verdict_{y}" for y in verdict_years),
    ]
    rows = [
        [
            i.mission_code,
            i.programme_code,
            i.indicator_number,
            i.key,
            i.label,
            i.unit,
            *(i.verdicts.get(y) for y in verdict_years),
        ]
        for i in items
    ]
    return header, rows
