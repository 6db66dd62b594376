"""Reader for the open-data CSV 'PLF <year> – Performance de la dépense (PAP)'.

One file covers every mission and programme of a vintage: `;` separated, UTF-8 (BOM or not),
CRLF or LF, quoted labels that may contain line breaks. One record per measure (sub-indicator) with
its six year columns ('2022 Réalisation' … '2027 Cible'). Columns are found by name, so their order
may change; year columns are found by their header ('<year> <qualifier>'), so next year's file
works unchanged.

Each year cell becomes one `CellRecord` carrying the raw text as published; `cells.parse_cell`
classifies it later. `source_line` is the physical line (1-based, counting line feeds, as
`grep -n` and `wc -l` do) where the record starts; the header is line 1.
"""

import csv
import io
import re
from pathlib import Path

from orchestration.lib.records import (
    CellRecord,
    ParsedDocument,
    SourceFormatError,
    decode_source,
    value_kind_for,
)

SOURCE_FORMAT = "opendata_csv"
DELIMITER = ";"

_YEAR_HEADER = re.compile(r"^(\d{4})\s+(.*)$", re.DOTALL)

# Field of the reader -> column name as published (compared after `_normalise`).
_COLUMNS = {
    "sector_type": "Type de secteur",
    "budget_type": "Budget",
    "mission_code": "Code Mission",
    "mission_label": "Mission",
    "programme_code": "Code Programme",
    "programme_label": "Programme",
    "objective_code": "Code Objectif",
    "objective_label": "Libellé Objectif",
    "indicator_code": "Code Indicateur",
    "indicator_label": "Libellé Indicateur",
    "ref_programme": (
        "Ref programme pour indicateur mission ou mention 'Indicateur mission' pour indicateur programme"
    ),
    "perspective": "Facteur de performance",
    "sub_indicator_id": "Code Sous Indicateur",
    "measure_label": "Libellé Sous Indicateur",
    "unit_raw": "Unité",
    "green_budget_rating": "Cotation Budget Vert / Egalité HF",
}

_REQUIRED = {" ".join(name.split()).casefold() for name in _COLUMNS.values()}
_SECTOR_TYPES = {"programme": "programme", "mission": "mission"}


def _normalise(name: str) -> str:
    """Column names are compared case-insensitively, whitespace collapsed."""
    return " ".join(name.split()).casefold()


_ID_RE = re.compile(r"([0-9]{1,18})(?:\.0+)?")  # ASCII digits only; 18 digits fit a BIGINT


def _sub_indicator_id(raw: str, path: Path | str, line: int, record: int) -> int | None:
    """'21046.0' (the file went through pandas) -> 21046; '' -> None; anything else is an error
    ('1e10', '-5', '1_000', other scripts' digits, ids too long for the warehouse's BIGINT)."""
    text = raw.strip()
    if not text:
        return None
    match = _ID_RE.fullmatch(text)
    if match is None:
        raise SourceFormatError(
            path, line, f"record {record}: 'Code Sous Indicateur' is not an integer id: {raw!r}"
        )
    return int(match[1])


def _read_header(
    names: list[str], path: Path | str
) -> tuple[dict[str, int], list[tuple[int, str, int, str]]]:
    """Map the reader's fields to column indexes and list the year columns.

    Returns ({field: index}, [(index, header, year, value_kind)]) in file order.
    """
    by_name: dict[str, int] = {}
    years: list[tuple[int, str, int, str]] = []
    seen_years: dict[tuple[int, str], str] = {}
    for index, name in enumerate(names):
        match = _YEAR_HEADER.match(name.strip())
        if match:
            year = int(match.group(1))
            kind = value_kind_for(match.group(2), path, 1, year)
            if (year, kind) in seen_years:
                raise SourceFormatError(
                    path, 1, f"year columns {seen_years[(year, kind)]!r} and {name!r} are both {year} {kind}"
                )
            seen_years[(year, kind)] = name
            years.append((index, name, year, kind))
            continue
        key = _normalise(name)
        if key in by_name and key in _REQUIRED:
            raise SourceFormatError(path, 1, f"column {name!r} appears twice in the header")
        by_name.setdefault(key, index)
    missing = [column for column in _COLUMNS.values() if _normalise(column) not in by_name]
    if missing:
        hint = ""
        if len(names) == 1 and any(sep in names[0] for sep in ",\t|"):
            hint = f" (the header has a single column: is the delimiter {DELIMITER!r}?)"
        raise SourceFormatError(path, 1, f"missing required column(s): {', '.join(map(repr, missing))}{hint}")
    if not years:
        raise SourceFormatError(
            path, 1, "no year column ('<year> <qualifier>', e.g. '2025 Cible') in the header"
        )
    return {field: by_name[_normalise(column)] for field, column in _COLUMNS.items()}, years


def read_opendata_csv(path: Path, data: bytes | None = None) -> ParsedDocument:
    """Read one open-data PAP performance CSV. `data` (the file's bytes) spares a second read."""
    if data is None:
        data = Path(path).read_bytes()
    text, encoding = decode_source(data, path)
    # Physical lines as `wc -l` counts them (plus an unterminated last line). Quoted labels hold
    # '\n\r' sequences: csv's line_num would count those as two lines, editors and grep as one.
    line_count = text.count("\n") + (0 if text.endswith("\n") else 1)

    # strict: a quoted field still open at the end of the file is an error, not a silently
    # swallowed rest of the file (the non-strict reader accepts it).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITER, strict=True)
    try:
        names = next(reader)
    except StopIteration:  # only a byte order mark: decode_source refuses the rest
        raise SourceFormatError(path, 1, "empty file (no header line)") from None
    except csv.Error as exc:
        raise SourceFormatError(path, 1, f"unreadable header: {exc}") from exc
    col, years = _read_header(names, path)
    width = len(names)
    doc = ParsedDocument(
        source_format=SOURCE_FORMAT,
        vintage_year=None,
        programme_code=None,
        programme_label=None,
        header={"columns": DELIMITER.join(names)},
        encoding=encoding,
        line_count=line_count,
    )

    i_sector, i_budget = col["sector_type"], col["budget_type"]
    i_mcode, i_mlabel = col["mission_code"], col["mission_label"]
    i_pcode, i_plabel = col["programme_code"], col["programme_label"]
    i_ocode, i_olabel = col["objective_code"], col["objective_label"]
    i_icode, i_ilabel = col["indicator_code"], col["indicator_label"]
    i_ref, i_persp = col["ref_programme"], col["perspective"]
    i_sub, i_measure = col["sub_indicator_id"], col["measure_label"]
    i_unit, i_green = col["unit_raw"], col["green_budget_rating"]
    year_columns = [
        (position, index, header, year, kind) for position, (index, header, year, kind) in enumerate(years, 1)
    ]

    cells = doc.cells
    append = cells.append
    positions: dict[str, int] = {}
    line = 1 + _header_line_breaks(names)  # last physical line consumed so far
    previous_line_num = reader.line_num
    record = record_start = 0
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SourceFormatError(
                path,
                start,
                f"record {record + 1}: malformed CSV from this line on (unterminated quoted field?): {exc}",
            ) from exc
        # One line per record, plus the line feeds inside its quoted fields (only when the csv
        # module saw more than one line: the common case costs nothing).
        if reader.line_num - previous_line_num > 1:
            line += 1 + sum(field.count("\n") for field in row)
        else:
            line += 1
        previous_line_num = reader.line_num
        if not row:  # a blank line
            continue
        record += 1
        record_start = start
        if len(row) != width:
            raise SourceFormatError(
                path, start, f"record {record} has {len(row)} fields, the header has {width}"
            )

        sector = _SECTOR_TYPES.get(row[i_sector].strip().lower())
        if sector is None:
            raise SourceFormatError(
                path,
                start,
                f"record {record}: unknown 'Type de secteur' {row[i_sector]!r} (Programme or Mission)",
            )
        objective_code = row[i_ocode].strip()
        indicator_code = row[i_icode].strip()
        indicator_parts = indicator_code.split("-")
        if len(indicator_parts) < 3 or not all(indicator_parts):
            raise SourceFormatError(
                path, start, f"record {record}: 'Code Indicateur' {row[i_icode]!r} is not like 'P105-1-2'"
            )
        position = positions.get(indicator_code, 0) + 1
        positions[indicator_code] = position
        programme_code = row[i_pcode].strip() or None
        perspective = row[i_persp].strip().lower() or None
        ref = row[i_ref].strip() or None
        green = row[i_green].strip() or None
        shared = (
            start,
            record,
            programme_code,
            row[i_plabel].strip() or None,
            row[i_mcode].strip() or None,
            row[i_mlabel].strip() or None,
            row[i_budget].strip() or None,
            sector,
            objective_code,
            objective_code.rsplit("-", 1)[-1],
            row[i_olabel].strip(),
            indicator_code,
            f"{indicator_parts[-2]}.{indicator_parts[-1]}",
            row[i_ilabel].strip(),
            perspective,
            position,
            row[i_measure].strip(),
            row[i_unit],
        )
        sub_id = _sub_indicator_id(row[i_sub], path, start, record)
        for column_position, index, header, year, kind in year_columns:
            # Positional arguments: keywords cost a third more per cell.
            append(CellRecord(*shared, column_position, header, year, kind, row[index], sub_id, ref, green))
    if record and not text.endswith(("\n", "\r")):
        # A published export ends with a line break: one that stops mid-line was cut, and a cut
        # inside the last field would silently shorten a value ('1 941,9' -> '1 94').
        raise SourceFormatError(
            path,
            record_start,
            f"record {record} does not end with a line break: the file was truncated in its last record?",
        )
    return doc


def _header_line_breaks(names: list[str]) -> int:
    """Line feeds inside the header's quoted names (normally none)."""
    return sum(name.count("\n") for name in names)
