"""Reader for the budget directorate's Farandole text export of PAP "Objectifs et indicateurs".

The export is one paragraph (or one table cell) per line, blank lines between them:

    $@FwLOVariable(annee#2024)            header variables (older exports: annee,2019)
    $@FwLOVariable(numProg#352)
    OBJECTIF
    1 – label                             en dash, or a hyphen
    INDICATEUR
    1.1 – label
    (du point de vue du citoyen)          optional
    Unité                                 the table, flattened one cell per line:
    2021                                    year column headers, each optionally followed by
    2023                                    its qualifier on the next (non-blank) line
    (Cible PAP 2023)
    <measure label>                         then per measure: label, unit, one cell per column
    Nb
    5 …
    Précisions méthodologiques            methodology: Source des données, Mode de calcul,
    Source des données : …                Justification des cibles, NB : …

Choices worth knowing:

* A line is blank when it holds only whitespace (ASCII, U+00A0, U+202F, U+2007, U+FEFF); the export
  pads its "empty" lines with U+00A0. Inside a table such a line is a separator, never an empty
  cell or an empty unit: the real export has none, and a table with an empty cell therefore fails
  the cell count check (an error, not a silent shift of values into the wrong years).
* Lines are counted like a text editor does: LF, CRLF and a lone CR each end one line.
* The qualifier of a year column is taken from the next non-blank line when it is fully
  parenthesised; '2023 (Cible)' on a single line is accepted too.
* Methodology headings are recognised at the start of a paragraph only, alone on their line
  ('Source des données', trailing spaces allowed) or followed by a colon and text
  ('Source des données : …'). `heading` is the heading words as printed, without the colon.
  A heading printed twice gives two records. Text before any heading is section 'commentaire'
  (heading ''). Paragraphs of a section are joined with a blank line.
* Text between an objective's label and its first INDICATEUR, and before the first OBJECTIF, is
  not kept (the export has none besides the document title).
"""

import re
from pathlib import Path

from orchestration.lib.records import (
    CellRecord,
    MethodologyRecord,
    ParsedDocument,
    SourceFormatError,
    decode_source,
    value_kind_for,
)

SOURCE_FORMAT = "farandole_text"
DOCUMENT_TYPES = ("PAP", "RAP")
# The real export of a programme has a few hundred lines (448 for P352), the largest a few thousand.
MAX_LINES = 200_000

# What surrounds a line's content and is not content: ASCII whitespace, no-break spaces, BOM.
_WS = " \t\r\n\x0b\x0c\xa0\u2007\u202f\ufeff"

_HEADER_VAR_RE = re.compile(r"\$@FwLOVariable\(\s*([^#,()\s]+)\s*[#,](.*)\)")
_OBJECTIVE_RE = re.compile(r"(\d+)\s*[–—-]\s*(\S.*)")
_INDICATOR_RE = re.compile(r"(\d+)\.(\d+)\s*[–—-]\s*(\S.*)")
_PERSPECTIVE_RE = re.compile(
    r"\(\s*du\s+point\s+de\s+vue\s+(?:du\s+|de\s+la\s+|de\s+l['’]\s*)?(\w+)\s*\)", re.I
)
_PERSPECTIVES = ("citoyen", "usager", "contribuable")
_UNIT_HEADER = ("Unité", "Unite", "UNITÉ", "UNITE")
_YEAR_RE = re.compile(r"(\d{4})(?:\s*(\(.*\)))?")
_NOT_A_YEAR_RE = re.compile(r"\d{1,3}|\d{5,}|\d{4}\S.*|\d+\s*\(.*\)")
_PRECISIONS_RE = re.compile(r"pr[ée]cisions\s+m[ée]thodologiques\s*:?", re.I)
_HEADING_RE = re.compile(
    r"(?P<h>sources?\s+des?\s+donn[ée]es|modes?\s+de\s+calcul|justifications?\s+des\s+cibles"
    r"|n\.?\s?b\.?(?=\s*:))\s*(?::\s*(?P<rest>.*))?",
    re.I,
)
_SECTION_BY_INITIAL = {
    "s": "source_des_donnees",
    "m": "mode_de_calcul",
    "j": "justification_des_cibles",
    "n": "note",
}
_HAS_LETTER_RE = re.compile(r"[^\W\d_]")


def read_farandole(
    path: Path | str, data: bytes | None = None, *, document_type: str = "PAP"
) -> ParsedDocument:
    """Parse one Farandole text export ("Objectifs et indicateurs de performance" of one programme).

    `data` is the file's bytes (read from `path` when None); `path` is used in error messages.
    Raises `SourceFormatError(path, line, message)` for a file that does not follow the format.
    """
    if document_type not in DOCUMENT_TYPES:
        raise ValueError(f"document_type must be one of {DOCUMENT_TYPES}, not {document_type!r}")
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise SourceFormatError(
            path, 1, "empty file: expected a Farandole text export ($@FwLOVariable header)"
        )
    text, encoding = decode_source(data, path)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    breaks = text.count("\n")
    if breaks >= MAX_LINES:
        # Each line costs ~100 bytes of bookkeeping: 50 MB of short lines would take gigabytes.
        raise SourceFormatError(
            path,
            None,
            f"{breaks + 1} lines: not a Farandole export of one programme (at most {MAX_LINES:,} lines)",
        )
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the final line break ends the last line, it does not open a new one
    items = [(number, s) for number, line in enumerate(lines, 1) if (s := line.strip(_WS))]
    doc = ParsedDocument(
        source_format=SOURCE_FORMAT,
        vintage_year=None,
        programme_code=None,
        programme_label=None,
        encoding=encoding,
        line_count=len(lines),
    )
    _Parser(path, items, doc).parse()
    return doc


def _quote(s: str, limit: int = 70) -> str:
    return repr(s if len(s) <= limit else s[: limit - 1] + "…")


class _Parser:
    """Recursive descent over the non-blank lines (line number, stripped text)."""

    def __init__(self, path: Path, items: list[tuple[int, str]], doc: ParsedDocument):
        self.path = path
        self.items = items
        self.doc = doc
        self.header_lines: dict[str, int] = {}
        self.programme_code = ""
        self.objective_number: str | None = None
        self.objective_label = ""
        self.objective_line = 0
        self.objectives: dict[str, int] = {}
        self.indicators: dict[str, int] = {}

    def error(self, line: int | None, message: str) -> SourceFormatError:
        return SourceFormatError(self.path, line, message)

    def last_line(self) -> int:
        return self.doc.line_count

    # -- document level ------------------------------------------------------------------------

    def parse(self) -> None:
        items = self.items
        n = len(items)
        i = 0
        while i < n:  # preamble: header variables and the document title
            line, s = items[i]
            if s == "OBJECTIF":
                break
            if s == "INDICATEUR":
                raise self.error(line, "INDICATEUR before any OBJECTIF (expected an 'OBJECTIF' line first)")
            if s.startswith("$@"):
                self.header_variable(line, s)
            i += 1
        if i == n:
            raise self.error(
                self.last_line(),
                "no OBJECTIF in the document (expected an 'OBJECTIF' line, then '1 – label')",
            )
        self.check_header(items[i][0])
        while i < n:
            line, s = items[i]
            if s == "OBJECTIF":
                i = self.objective(i)
            elif s == "INDICATEUR":
                i = self.indicator(i)
            else:
                if s.startswith("$@"):
                    self.header_variable(line, s)
                i += 1

    def header_variable(self, line: int, s: str) -> None:
        m = _HEADER_VAR_RE.fullmatch(s)
        if m is None:
            raise self.error(
                line, f"expected a header variable like '$@FwLOVariable(annee#2024)', found {_quote(s)}"
            )
        name, value = m[1], m[2].strip(_WS)
        header = self.doc.header
        if name in header and header[name] != value:
            raise self.error(
                line,
                f"header variable {name} given twice: {header[name]!r} at line {self.header_lines[name]},"
                f" then {value!r}",
            )
        header[name] = value
        self.header_lines.setdefault(name, line)

    def check_header(self, line: int) -> None:
        header = self.doc.header
        for name in ("annee", "numProg"):
            if name not in header:
                raise self.error(
                    line,
                    f"missing header variable {name} before the first OBJECTIF"
                    f" (expected '$@FwLOVariable({name}#…)')",
                )
        annee, num = header["annee"], header["numProg"]
        if not re.fullmatch(r"\d{4}", annee):
            raise self.error(
                self.header_lines["annee"], f"header variable annee is not a 4-digit year: {annee!r}"
            )
        if not re.fullmatch(r"\d+", num):
            raise self.error(
                self.header_lines["numProg"], f"header variable numProg is not a number: {num!r}"
            )
        self.doc.vintage_year = int(annee)
        self.programme_code = "P" + num
        self.doc.programme_code = self.programme_code
        self.doc.programme_label = header.get("libelleProg")

    def objective(self, i: int) -> int:
        keyword_line = self.items[i][0]
        line, s = self.next_item(i, "objective number and label like '1 – label' after OBJECTIF")
        m = _OBJECTIVE_RE.fullmatch(s)
        if m is None:
            raise self.error(
                line,
                f"expected objective number and label like '1 – label' after OBJECTIF (line {keyword_line}),"
                f" found {_quote(s)}",
            )
        number = m[1]
        if number in self.objectives:
            raise self.error(line, f"duplicate objective {number}, first at line {self.objectives[number]}")
        self.objectives[number] = line
        self.objective_number, self.objective_label, self.objective_line = number, m[2], line
        return i + 2

    def next_item(self, i: int, expected: str) -> tuple[int, str]:
        if i + 1 >= len(self.items):
            raise self.error(self.last_line(), f"expected {expected}, found end of file")
        return self.items[i + 1]

    # -- indicator -----------------------------------------------------------------------------

    def indicator(self, i: int) -> int:
        items = self.items
        n = len(items)
        keyword_line = items[i][0]
        if self.objective_number is None:  # pragma: no cover - the preamble loop catches it first
            raise self.error(keyword_line, "INDICATEUR before any OBJECTIF")
        line, s = self.next_item(i, "indicator number and label like '1.1 – label' after INDICATEUR")
        m = _INDICATOR_RE.fullmatch(s)
        if m is None:
            raise self.error(
                line,
                f"expected indicator number and label like '1.1 – label' after INDICATEUR"
                f" (line {keyword_line}), found {_quote(s)}",
            )
        a, b, label = m[1], m[2], m[3]
        number = f"{a}.{b}"
        if int(a) != int(self.objective_number):
            raise self.error(
                line,
                f"indicator {number} does not belong to the current objective {self.objective_number}"
                f" (line {self.objective_line}): expected {self.objective_number}.x",
            )
        if number in self.indicators:
            raise self.error(line, f"duplicate indicator {number}, first at line {self.indicators[number]}")
        self.indicators[number] = line
        i += 2
        perspective = None
        if i < n and items[i][1].startswith("("):
            p_line, p = items[i]
            pm = _PERSPECTIVE_RE.fullmatch(p)
            if pm is None or pm[1].lower() not in _PERSPECTIVES:
                raise self.error(
                    p_line,
                    f"expected the indicator's perspective like '(du point de vue du citoyen)'"
                    f" (citoyen, usager or contribuable), found {_quote(p)}",
                )
            perspective = pm[1].lower()
            i += 1
        if i >= n or items[i][1] not in _UNIT_HEADER:
            found = "end of file" if i >= n else _quote(items[i][1])
            raise self.error(
                items[i][0] if i < n else self.last_line(),
                f"expected 'Unité' (start of the table of indicator {number}), found {found}",
            )
        ind = _Indicator(
            objective_code=f"{self.programme_code}-{self.objective_number}",
            objective_number=self.objective_number,
            objective_label=self.objective_label,
            code=f"{self.programme_code}-{a}-{b}",
            number=number,
            label=label,
            perspective=perspective,
        )
        i = self.table(i, ind)
        if i < n and _PRECISIONS_RE.fullmatch(items[i][1]):
            i = self.methodology(i + 1, ind.code)
        return i

    # -- table ---------------------------------------------------------------------------------

    def table(self, i: int, ind: "_Indicator") -> int:
        """Parse the table starting at the 'Unité' line items[i]; return the index after it."""
        items = self.items
        n = len(items)
        path = self.path
        table_line = items[i][0]
        i += 1
        columns: list[tuple[str, int, str]] = []  # (header, year, value kind)
        while i < n:
            line, s = items[i]
            m = _YEAR_RE.fullmatch(s)
            if m is not None:
                qualifier, q_line = m[2], line
                if qualifier is None and i + 1 < n:
                    next_line, q = items[i + 1]
                    if q[0] == "(" and q[-1] == ")":
                        qualifier, q_line = q, next_line
                        i += 1
                kind = value_kind_for(qualifier or "", path, q_line, int(m[1]))
                header = f"{m[1]} {qualifier}" if qualifier else m[1]
                columns.append((header, int(m[1]), kind))
                i += 1
                continue
            if _NOT_A_YEAR_RE.fullmatch(s):
                raise self.error(
                    line,
                    f"year column header {_quote(s)} is not a 4-digit year (table of indicator {ind.number}"
                    f" at line {table_line})",
                )
            if s[0] == "(" and s[-1] == ")":
                raise self.error(
                    line,
                    f"column qualifier {_quote(s)} does not follow a year line"
                    f" (table of indicator {ind.number} at line {table_line})",
                )
            break
        if not columns:
            found = "end of file" if i >= n else _quote(items[i][1])
            raise self.error(
                items[i][0] if i < n else table_line,
                f"table of indicator {ind.number} at line {table_line} has no year columns:"
                f" expected a 4-digit year after 'Unité', found {found}",
            )
        start = i
        while i < n:
            s = items[i][1]
            if (
                s == "INDICATEUR"
                or s == "OBJECTIF"
                or s[0] == "$"
                or (s[0] in "Pp" and _PRECISIONS_RE.fullmatch(s))
            ):
                break
            i += 1
        self.check_body(items[start:i], len(columns), ind, table_line, i)
        self.emit_cells(items[start:i], columns, ind)
        return i

    def check_body(
        self, body: list[tuple[int, str]], ncol: int, ind: "_Indicator", table_line: int, end: int
    ) -> None:
        """Check the table body (label, unit and `ncol` cells per measure) before any cell is emitted.

        `end` is the index of the item that ended the table (len(items) at end of file).
        """
        group = ncol + 2
        count = len(body)
        if end < len(self.items):
            end_line, end_text = self.items[end]
            end_what = f"{_quote(end_text)} (line {end_line})"
            complete = _PRECISIONS_RE.fullmatch(end_text) is not None
        else:
            end_line = self.last_line()
            end_what = f"end of file (line {end_line})"
            complete = False
        where = f"table of indicator {ind.number} at line {table_line}"
        if count == 0:
            raise self.error(
                end_line,
                f"{'' if complete else 'table cut short: '}{where} has no measure rows:"
                f" expected a measure label, its unit and {ncol} cells, found {end_what}",
            )
        short = count % group != 0
        count_msg = (
            f"{where}: {count} non-blank lines after the year headers, not a multiple of {group}"
            f" (label, unit and {ncol} cells per measure)"
        )
        for k in range(0, count, group):
            label_line, label = body[k]
            if not _HAS_LETTER_RE.search(label):
                previous = f' after measure "{body[k - group][1]}"' if k else ""
                raise self.error(
                    label_line,
                    f"expected a measure label at line {label_line}{previous}, found {_quote(label)}:"
                    f" a cell is probably missing or extra ({where}, {count} non-blank lines after the year"
                    f" headers for {group} per measure)",
                )
            if not short:
                continue
            cells = body[k + 2 : k + group]
            for j, (cell_line, cell) in enumerate(cells):
                if _looks_like_label(cell):
                    raise self.error(
                        cell_line,
                        f'missing cell: measure "{label}" (line {label_line}) has {j} cells for {ncol}'
                        f" year columns: line {cell_line} {_quote(cell)} looks like the next measure's label;"
                        f" {count_msg}",
                    )
            if len(cells) < ncol:
                if complete:
                    raise self.error(
                        label_line,
                        f'missing cell: measure "{label}" (line {label_line}) has {len(cells)} cells'
                        f" for {ncol} year columns before {end_what}; {count_msg}",
                    )
                raise self.error(
                    end_line,
                    f'table cut short: measure "{label}" (line {label_line}) has {len(cells)} cells'
                    f" for {ncol} year columns at {end_what}; {count_msg}",
                )
        if short:  # pragma: no cover - the last group is always short when the count is not a multiple
            raise self.error(table_line, count_msg)

    def emit_cells(
        self, body: list[tuple[int, str]], columns: list[tuple[str, int, str]], ind: "_Indicator"
    ) -> None:
        cells = self.doc.cells
        group = len(columns) + 2
        programme_code = self.programme_code
        programme_label = self.doc.programme_label
        for position, k in enumerate(range(0, len(body), group), 1):
            label = body[k][1]
            unit = body[k + 1][1]
            for column, ((cell_line, value), (header, year, kind)) in enumerate(
                zip(body[k + 2 : k + group], columns, strict=True), 1
            ):
                cells.append(
                    CellRecord(
                        source_line=cell_line,
                        record_number=None,
                        programme_code=programme_code,
                        programme_label=programme_label,
                        mission_code=None,
                        mission_label=None,
                        budget_type=None,
                        sector_type="programme",
                        objective_code=ind.objective_code,
                        objective_number=ind.objective_number,
                        objective_label=ind.objective_label,
                        indicator_code=ind.code,
                        indicator_number=ind.number,
                        indicator_label=ind.label,
                        perspective=ind.perspective,
                        measure_position=position,
                        measure_label=label,
                        unit_raw=unit,
                        column_position=column,
                        column_header=header,
                        year=year,
                        value_kind=kind,
                        value_raw=value,
                    )
                )

    # -- methodology ---------------------------------------------------------------------------

    def methodology(self, i: int, indicator_code: str) -> int:
        """Parse 'Précisions méthodologiques' from items[i]; return the index of the next section."""
        items = self.items
        n = len(items)
        out = self.doc.methodology
        current: list | None = None  # [section, heading, paragraphs, first line, last line]
        while i < n:
            line, s = items[i]
            if s == "INDICATEUR" or s == "OBJECTIF" or s.startswith("$@FwLOVariable"):
                break
            i += 1
            m = _HEADING_RE.fullmatch(s) if s[0] in "SsMmJjNn" else None
            if m is not None:
                if current is not None:
                    out.append(_methodology_record(indicator_code, current))
                rest = m["rest"]
                rest = rest.strip(_WS) if rest else ""
                heading = m["h"]
                current = [
                    _SECTION_BY_INITIAL[heading[0].lower()],
                    heading,
                    [rest] if rest else [],
                    line,
                    line,
                ]
                continue
            if current is None:
                current = ["commentaire", "", [], line, line]
            current[2].append(s)
            current[4] = line
        if current is not None:
            out.append(_methodology_record(indicator_code, current))
        return i


class _Indicator:
    __slots__ = (
        "code",
        "label",
        "number",
        "objective_code",
        "objective_label",
        "objective_number",
        "perspective",
    )

    def __init__(
        self, *, objective_code, objective_number, objective_label, code, number, label, perspective
    ):
        self.objective_code = objective_code
        self.objective_number = objective_number
        self.objective_label = objective_label
        self.code = code
        self.number = number
        self.label = label
        self.perspective = perspective


def _methodology_record(indicator_code: str, current: list) -> MethodologyRecord:
    section, heading, paragraphs, first, last = current
    return MethodologyRecord(
        indicator_code=indicator_code,
        section=section,
        heading=heading,
        text="\n\n".join(paragraphs),
        source_line_start=first,
        source_line_end=last,
    )


def _looks_like_label(s: str) -> bool:
    """A measure label rather than a cell value: long text of several words (diagnostics only)."""
    return len(s) >= 40 and sum(1 for w in s.split() if _HAS_LETTER_RE.search(w)) >= 5
