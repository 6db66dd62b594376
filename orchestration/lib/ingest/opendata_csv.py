"""Reader for the Direction du budget's open-data performance CSVs, every layout by name.

One file covers every mission and programme of a vintage: `;` separated, UTF-8 or cp1252 (detected),
CRLF or LF, quoted labels that may contain line breaks. One record per measure (sub-indicator) with
its year columns. Known layouts (`LAYOUTS`):

- PLF/PAP (`plf-2025-performance.csv`): 'Code Indicateur' `P105-1-1`, year columns
  '2022 Réalisation' … '2024 Cible (PAP 2024)' … '2027 Cible';
- RAP 2012–2014 and 2017 (`PERF_SSI_RAP_<year>_…csv`): 'Numéro indicateur' `P105.1.1`,
  'Identifiant sous indicateur', year columns 'Réalisation 2010', 'Prévision 2012 PAP 2012' (the
  target of record), 'Prévision 2012 PAP 2013' (updated forecast), 'Réalisation 2012', then
  'Année cible' + 'Valeur cible' (a target of that year) and, in 2017, 'Degré de réalisation' (the
  Direction du budget's verdict, kept as published);
- RAP 2015–2016: the RAP layout without any id column.

Columns are found by name through one alias table (`ALIASES`), so order and spelling variants do
not matter; year columns are found by their header in both word orders ('2025 Cible',
'Réalisation 2015', 'Prévision 2017 PAP 2017'), so a new vintage in a known layout loads unchanged.
A header that matches no layout is refused with the columns the nearest layout lacks.

The header also says what the document is (`header_identity`): the layout gives the document type
(PLF/PAP layout: PAP; the RAP layouts: RAP) and the year columns give the vintage N. In a RAP N,
every 'Prévision' column is of year N ('Prévision N PAP N', 'Prévision N PAP N+1') and so is the
latest 'Réalisation' ('Réalisation N'; the others are N-2 and N-1); in a PLF N, 'N-1 Cible (PAP
N-1)' is the target of the year before and the earliest plain 'Cible' is N's. Columns that disagree
are an error; a header whose year columns name no vintage (realisations alone) says nothing, and
the folder decides.

Each year cell becomes one `CellRecord` carrying the raw text as published; `cells.parse_cell`
classifies it later. `source_line` is the physical line (1-based, counting line feeds, as
`grep -n` and `wc -l` do) where the record starts; the header is line 1. Records that carry no
indicator (a programme without a performance section) produce no cell and are listed in
`ParsedDocument.skipped` with their line, never dropped silently.
"""

import csv
import io
import re
from pathlib import Path

from orchestration.lib.ingest.records import (
    CellRecord,
    ParsedDocument,
    SkippedRecord,
    SourceFormatError,
    decode_source,
    value_kind_for,
)

SOURCE_FORMAT = "opendata_csv"
DELIMITER = ";"

# A year column: '<year> <qualifier>' or '<value-kind word> <year> [<rest>]'.
_YEAR_FIRST = re.compile(r"^((?:19|20)\d\d)\s+(.*)$", re.DOTALL)
_KIND_FIRST = re.compile(
    r"^(r[ée]alisation|pr[ée]vision|cible)\s+((?:19|20)\d\d)\b\s*(.*)$", re.DOTALL | re.I
)

# Field of the reader -> the column names it goes by in the published files (compared after
# `_normalise`). The first name is the one error messages quote.
ALIASES: dict[str, tuple[str, ...]] = {
    "sector_type": ("Type de secteur",),
    "budget_type": ("Budget", "Type de Mission"),
    "mission_code": ("Code Mission",),
    "mission_label": ("Mission",),
    "programme_code": ("Code Programme", "COD_PGM"),
    "programme_label": ("Programme",),
    "objective_code": ("Code Objectif", "Numéro Objectif"),
    "objective_label": ("Libellé Objectif", "Objectif"),
    "indicator_code": ("Code Indicateur", "Numéro indicateur"),
    "indicator_label": ("Libellé Indicateur", "Indicateur"),
    "ref_programme": (
        "Ref programme pour indicateur mission ou mention 'Indicateur mission' pour indicateur programme",
        "Indicateur de mission?",
        "Stratégique au niveau mission?",
    ),
    "perspective": ("Facteur de performance", "type indicateur"),
    "sub_indicator_id": ("Code Sous Indicateur", "Identifiant sous indicateur"),
    "measure_label": ("Libellé Sous Indicateur", "Sous-indicateur"),
    "unit_raw": ("Unité",),
    "green_budget_rating": ("Cotation Budget Vert / Egalité HF",),
    "target_year": ("Année cible",),
    "target_value": ("Valeur cible",),
    "official_verdict_raw": ("Degré de réalisation",),
}

_COMMON = (
    "budget_type",
    "mission_label",
    "programme_code",
    "programme_label",
    "objective_code",
    "objective_label",
    "indicator_code",
    "indicator_label",
    "perspective",
    "measure_label",
    "unit_raw",
)
# A file must hold every field of one layout; the others of ALIASES are read when present.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "PLF/PAP performance": (
        *_COMMON,
        "sector_type",
        "mission_code",
        "ref_programme",
        "sub_indicator_id",
        "green_budget_rating",
    ),
    "RAP performance with ids (2012-2014, 2017)": (
        *_COMMON,
        "ref_programme",
        "sub_indicator_id",
        "target_year",
        "target_value",
    ),
    "RAP performance without ids (2015-2016)": (*_COMMON, "ref_programme", "target_year", "target_value"),
}

_SECTOR_TYPES = {"programme": "programme", "mission": "mission"}
# 'Type de Mission' of the RAP files -> the PLF's 'Budget' codes.
_BUDGET_TYPES = {
    "budget général": "BG",
    "budgets annexes": "BA",
    "budget annexe": "BA",
    "comptes d'affectation spéciale": "CAS",
    "comptes de concours financiers": "CCF",
}
# 'MAA.2 (P105.1)': a mission objective (mission AA, objective 2) echoing programme objective P105.1.
_MISSION_OBJECTIVE = re.compile(r"^M([A-Z]+)[.-](\w+)\s*(?:\((P\d+)[.-](\w+)\))?$")
_PROGRAMME_OF_CODE = re.compile(r"^(P\d+)[.-]")


def _normalise(name: str) -> str:
    """Column names are compared case-insensitively, whitespace collapsed."""
    return " ".join(name.split()).casefold()


_FIELD_OF_NAME = {_normalise(name): field for field, names in ALIASES.items() for name in names}


def _quoted(field: str) -> str:
    first, *others = ALIASES[field]
    return repr(first) + (f" (or {', '.join(map(repr, others))})" if others else "")


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


def _year_column(name: str) -> tuple[int, str] | None:
    """(year, qualifier) of a year column header, in either word order; None for another column."""
    text = name.strip()
    match = _YEAR_FIRST.match(text)
    if match:
        return int(match[1]), match[2]
    match = _KIND_FIRST.match(text)
    if match:
        return int(match[2]), f"{match[1]} {match[3]}".strip()
    return None


def _read_header(
    names: list[str], path: Path | str
) -> tuple[str, dict[str, int], list[tuple[int, str, int, str]]]:
    """Recognise the layout, map the reader's fields to column indexes and list the year columns.

    Returns (layout, {field: index}, [(index, header, year, value_kind)]) in file order.
    """
    by_field: dict[str, int] = {}
    years: list[tuple[int, str, int, str]] = []
    seen_years: dict[tuple[int, str], str] = {}
    for index, name in enumerate(names):
        field = _FIELD_OF_NAME.get(_normalise(name))
        if field is not None:
            if field in by_field:
                raise SourceFormatError(
                    path, 1, f"column {name!r} appears twice in the header (as {names[by_field[field]]!r})"
                )
            by_field[field] = index
            continue
        year_column = _year_column(name)
        if year_column is None:
            continue  # an unknown column: ignored, still listed in the header
        year, qualifier = year_column
        kind = value_kind_for(qualifier, path, 1, year)
        if (year, kind) in seen_years:
            raise SourceFormatError(
                path, 1, f"year columns {seen_years[(year, kind)]!r} and {name!r} are both {year} {kind}"
            )
        seen_years[(year, kind)] = name
        years.append((index, name, year, kind))
    missing = {layout: [f for f in fields if f not in by_field] for layout, fields in LAYOUTS.items()}
    layout = next((layout for layout, lacking in missing.items() if not lacking), None)
    if layout is None:
        nearest = min(missing, key=lambda name: len(missing[name]))
        hint = ""
        if len(names) == 1 and any(sep in names[0] for sep in ",\t|"):
            hint = f" (the header has a single column: is the delimiter {DELIMITER!r}?)"
        raise SourceFormatError(
            path,
            1,
            f"missing required column(s): {', '.join(_quoted(f) for f in missing[nearest])}"
            f" — the header matches no known layout; the nearest is {nearest!r}{hint}",
        )
    if not years:
        raise SourceFormatError(
            path,
            1,
            "no year column ('<year> <qualifier>', e.g. '2025 Cible', or 'Réalisation 2015') in the header",
        )
    return layout, by_field, years


# Layout -> the document type its header says.
LAYOUT_DOCUMENT_TYPE = {
    "PLF/PAP performance": "PAP",
    "RAP performance with ids (2012-2014, 2017)": "RAP",
    "RAP performance without ids (2015-2016)": "RAP",
}


def header_identity(
    layout: str, years: list[tuple[int, str, int, str]], path: Path | str
) -> tuple[str, int | None, str | None]:
    """(document type, vintage, the year columns that name the vintage, quoted) of a header.

    The vintage is None when no year column names it (the folder decides); year columns naming two
    vintages are an error (line 1)."""
    document_type = LAYOUT_DOCUMENT_TYPE[layout]
    claims: list[tuple[int, str]] = []  # (vintage, header) for each column that names it
    if document_type == "RAP":
        realisations = [(year, header) for _i, header, year, kind in years if kind == "realisation"]
        if realisations:
            claims.append(max(realisations))
        claims += [
            (year, header)
            for _i, header, year, kind in years
            if kind in ("target_of_record", "updated_forecast")
        ]
    else:
        # 'N-1 Cible (PAP N-1)': the target PAP N-1 set for its own year, echoed by PLF N.
        claims += [(year + 1, header) for _i, header, year, kind in years if kind == "target_of_record"]
        targets = [(year, header) for _i, header, year, kind in years if kind == "target"]
        if targets:
            claims.append(min(targets))
    vintages = sorted({vintage for vintage, _header in claims})
    if len(vintages) > 1:
        said = "; ".join(f"{header!r} says {vintage}" for vintage, header in claims)
        raise SourceFormatError(path, 1, f"the year columns of the header disagree on the vintage: {said}")
    if not vintages:
        return document_type, None, None
    ordered = sorted(claims, key=lambda claim: [h for _i, h, _y, _k in years].index(claim[1]))
    return document_type, vintages[0], ", ".join(repr(header) for _vintage, header in ordered)


def read_opendata_csv(path: Path, data: bytes | None = None) -> ParsedDocument:
    """Read one open-data performance CSV. `data` (the file's bytes) spares a second read."""
    if data is None:
        data = Path(path).read_bytes()
    text, encoding = decode_source(data, path)
    # Physical lines as `wc -l` counts them (plus an unterminated last line). Quoted labels hold
    # '\n\r' sequences: csv's line_num would count those as two lines, editors and grep as one.
    line_count = text.count("\n") + (0 if text.endswith("\n") else 1)

    # The header alone first: a file in no known layout is refused before its body is parsed (the
    # csv reader below holds a copy of the whole text; 50 MB of garbage must not cost that).
    first_end = text.find("\n")
    first_line = (text if first_end < 0 else text[:first_end]).rstrip("\r")
    if first_line.strip() and first_line.count('"') % 2 == 0:
        try:
            first_names = next(csv.reader([first_line], delimiter=DELIMITER, strict=True), None)
        except csv.Error:
            first_names = None
        if first_names:
            _read_header(first_names, path)

    # strict: a quoted field still open at the end of the file is an error, not a silently
    # swallowed rest of the file (the non-strict reader accepts it).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITER, strict=True)
    try:
        names = next(reader)
    except StopIteration:  # only a byte order mark: decode_source refuses the rest
        raise SourceFormatError(path, 1, "empty file (no header line)") from None
    except csv.Error as exc:
        raise SourceFormatError(path, 1, f"unreadable header: {exc}") from exc
    layout, col, years = _read_header(names, path)
    document_type, vintage, evidence = header_identity(layout, years, path)
    width = len(names)
    doc = ParsedDocument(
        source_format=SOURCE_FORMAT,
        vintage_year=vintage,
        programme_code=None,
        programme_label=None,
        header={"columns": DELIMITER.join(names), "layout": layout},
        encoding=encoding,
        line_count=line_count,
        document_type=document_type,
        vintage_line=1 if vintage is not None else None,
        vintage_evidence=evidence,
    )

    def get(row: list[str], name: str) -> str:
        index = col.get(name)
        return "" if index is None else row[index].strip()

    i_sub = col.get("sub_indicator_id")
    i_unit = col["unit_raw"]
    has_target_pair = "target_year" in col and "target_value" in col
    year_columns = [
        (position, index, header, year, kind) for position, (index, header, year, kind) in enumerate(years, 1)
    ]
    target_position = len(year_columns) + 1  # 'Année cible' + 'Valeur cible': one more column

    cells = doc.cells
    append = cells.append
    positions: dict[tuple[str, str], int] = {}
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
        doc.record_count = record

        objective_raw = get(row, "objective_code")
        indicator_raw = get(row, "indicator_code")
        programme_code = get(row, "programme_code") or None
        values = [row[index] for _p, index, _h, _y, _k in year_columns]
        target_year_raw = get(row, "target_year") if has_target_pair else ""
        target_value_raw = row[col["target_value"]] if has_target_pair else ""
        if not indicator_raw and not objective_raw:
            if any(v.strip() for v in values) or target_value_raw.strip():
                raise SourceFormatError(path, start, f"record {record}: values without an indicator number")
            # A programme without a performance section: no measure, listed rather than dropped.
            doc.skipped.append(
                SkippedRecord(
                    start,
                    record,
                    programme_code,
                    "no objective nor indicator (a programme without a performance section)",
                )
            )
            continue

        mission_objective = _MISSION_OBJECTIVE.match(objective_raw)
        sector_raw = get(row, "sector_type")
        if "sector_type" in col:
            sector = _SECTOR_TYPES.get(sector_raw.lower())
            if sector is None:
                raise SourceFormatError(
                    path,
                    start,
                    f"record {record}: unknown 'Type de secteur' {row[col['sector_type']]!r} (Programme or Mission)",
                )
        else:
            # RAP files: a mission row has no programme and a mission objective 'MAA.2 (P105.1)'.
            sector = "mission" if mission_objective else "programme"
        mission_code = get(row, "mission_code") or None
        objective_code = objective_raw.replace(".", "-")
        objective_number = objective_code.rsplit("-", 1)[-1]
        ref_programme = get(row, "ref_programme") or None
        if mission_objective and "sector_type" not in col:
            mission_code = mission_code or mission_objective[1]
            if mission_objective[3]:
                # The programme objective it echoes: the indicator number is the programme's.
                objective_code = f"{mission_objective[3]}-{mission_objective[4]}"
                objective_number = mission_objective[4]
            ref_programme = f"{ref_programme} {objective_raw}" if ref_programme else objective_raw
        indicator_code = indicator_raw.replace(".", "-")
        indicator_parts = indicator_code.split("-")
        if len(indicator_parts) < 3 or not all(indicator_parts):
            name = ALIASES["indicator_code"][0] if "sector_type" in col else ALIASES["indicator_code"][1]
            raise SourceFormatError(
                path,
                start,
                f"record {record}: {name!r} {indicator_raw!r} is not like 'P105-1-2' or 'P105.1.2'",
            )
        if programme_code is None and "sector_type" not in col:
            owner = _PROGRAMME_OF_CODE.match(indicator_code)
            programme_code = owner[1] if owner else None
        position_key = (sector, indicator_code)
        position = positions.get(position_key, 0) + 1
        positions[position_key] = position
        perspective = get(row, "perspective").lower() or None
        green = get(row, "green_budget_rating") or None
        budget = get(row, "budget_type")
        budget = _BUDGET_TYPES.get(budget.casefold(), budget) or None
        verdict = row[col["official_verdict_raw"]] if "official_verdict_raw" in col else None
        shared = (
            start,
            record,
            programme_code,
            get(row, "programme_label") or None,
            mission_code,
            get(row, "mission_label") or None,
            budget,
            sector,
            objective_code,
            objective_number,
            get(row, "objective_label"),
            indicator_code,
            f"{indicator_parts[-2]}.{indicator_parts[-1]}",
            get(row, "indicator_label"),
            perspective,
            position,
            get(row, "measure_label"),
            row[i_unit],
        )
        sub_id = _sub_indicator_id(row[i_sub], path, start, record) if i_sub is not None else None
        for (column_position, _index, header, year, kind), value in zip(year_columns, values, strict=True):
            # Positional arguments: keywords cost a third more per cell.
            append(
                CellRecord(
                    *shared, column_position, header, year, kind, value, sub_id, ref_programme, green, verdict
                )
            )
        if has_target_pair and (target_year_raw or target_value_raw.strip()):
            if re.fullmatch(r"(19|20)\d\d", target_year_raw):
                header = f"Valeur cible (Année cible {target_year_raw})"
                append(
                    CellRecord(
                        *shared,
                        target_position,
                        header,
                        int(target_year_raw),
                        "target",
                        target_value_raw,
                        sub_id,
                        ref_programme,
                        green,
                        verdict,
                    )
                )
            else:
                # 'cumulé 2008-2013', or a value without its year: not a target of one year.
                doc.skipped.append(
                    SkippedRecord(
                        start,
                        record,
                        programme_code,
                        f"'Valeur cible' {target_value_raw!r} not loaded: 'Année cible' {target_year_raw!r}"
                        " is not one year",
                    )
                )
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
