"""Reader for the budget directorate's Farandole text export of PAP and RAP "Objectifs et indicateurs".

The export is one paragraph (or one table cell) per line, blank lines between them:

    $@FwLOVariable(annee#2024)            header variables (older exports: annee,2019)
    $@FwLOVariable(numProg#352)           ($@FwLOStyle(…) directives may come between them)
    OBJECTIF                              PAP 2024 layout: the keyword alone, then
    1 – label                             number and label (en dash, or a hyphen)
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

RAP one-programme pages and older PAP vintages print the number on the keyword's line, the label
on the next, and the qualifier of a year column as bare words over one or more lines:

    OBJECTIF 1
    label
    INDICATEUR 1.1     mission            'mission': a mission-level indicator
    label
    Unité
    2019                                  '2019 Réalisation'
    Réalisation
    2019                                  '2019 Prévision PAP 2019' (in RAP 2019: the target of record)
    Prévision
    PAP 2019
    2019                                  '2019 Prévision actualisée'
    Prévision
    actualisée
    2020                                  '2020 Cible PAP 2019'
    Cible
    PAP 2019

Choices worth knowing:

* A line is blank when it holds only whitespace (ASCII, U+00A0, U+202F, U+2007, U+FEFF); the export
  pads its "empty" paragraphs with U+00A0 and separates paragraphs with empty lines. Inside a table
  a non-empty blank line (U+00A0, spaces…) is an empty cell in one place only: the last cell of a
  measure, right after the cell before it (a RAP leaves a measure's last cell blank). Anywhere else
  it is padding, and the last such line after a table's last cell is the padding that closes the
  table (the export prints one before 'Précisions méthodologiques'), never a cell: a table whose
  last measure ends with a blank cell has two. A measure missing a cell that is not such a blank
  line fails the cell count check (an error, not a silent shift of values into the wrong years). A
  blank cell keeps its line as published in `value_raw` (a U+00A0); `cells.parse_cell` classifies
  it `empty`.
* RAP pages (2019 on) end a table with 'Commentaires techniques' instead of 'Précisions
  méthodologiques': either heading ends the table and opens the methodology. A measure may end
  with several blank cells (the years not yet known). A table that does not read whole is read
  measure by measure: a measure that cannot be read (a cell missing or extra) is held as a skipped
  record (`ParsedDocument.skipped`, its label's line and why) and the rest of the page lands; a
  file that ends inside a table is still an error. A measure missing a cell whose next label is
  short (under 40 characters) cannot be told from a whole one: it takes that label as its last
  cell, and the next measure is held.
* Lines are counted like a text editor does: LF, CRLF and a lone CR each end one line.
* A `$@FwLOStyle(…)` line (a layout directive) is skipped wherever it stands.
* The qualifier of a year column is taken from the next non-blank line when it is fully
  parenthesised; '2023 (Cible)' on a single line is accepted too. Bare qualifier lines are made of
  the words Réalisation, Prévision, Cible, finale, actualisée, du, PAP and years; the first must start
  with Réalisation, Prévision or Cible. They are joined with a space ('Prévision PAP 2019'), and
  `column_header` is the year, a space and that qualifier. A line with letters that follows a year
  column and is itself followed by a year is an unknown qualifier: an error. In a table whose
  columns have bare qualifiers every column must have one (an unqualified last column means its
  qualifier was not recognised and was about to be read as the first measure label).
* 'INDICATEUR 1.1 mission' marks a mission-level indicator. The page is one programme's: its cells
  keep the programme's codes (P129-1, P129-1-1) and sector_type 'programme', and carry
  ref_programme '(Indicateur Mission)', as the open-data CSV's programme rows of mission indicators
  do. A keyword line with a number and at most one more word that is neither layout
  ('INDICATEUR 1.2 transversal') is an error: it would otherwise be swallowed into the previous
  methodology text with the whole indicator. Longer lines are text ('OBJECTIF 2025 : …').
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

from orchestration.lib.ingest.farandole_format import (  # noqa: F401 (the format's names; the public ones re-exported)
    BLANK,
    DASH,
    DOCUMENT_TYPES,
    HAS_LETTER_RE,
    HEADER_VAR_RE,
    HEADING_RE,
    INDICATOR_KEYWORD,
    INDICATOR_RE,
    KEYWORD_LIKE_RE,
    KEYWORD_RE,
    MAX_LINES,
    MISSION_MARK,
    OBJECTIVE_KEYWORD,
    OBJECTIVE_RE,
    PERSPECTIVE_NAMES,
    PERSPECTIVE_RE,
    PERSPECTIVES,
    PRECISIONS_HEADING,
    PRECISIONS_RE,
    PROGRAMME_LABEL_VARIABLE,
    PROGRAMME_VARIABLE,
    QUALIFIER_WORDS,
    SECTION_BY_INITIAL,
    SOURCE_FORMAT,
    STYLE_RE,
    TECHNICAL_COMMENTS_HEADING,
    UNIT_HEADER,
    UNIT_HEADING,
    WHITESPACE,
    YEAR_VARIABLE,
    Indicator,
    quoted,
)
from orchestration.lib.ingest.farandole_tables import TableParsing
from orchestration.lib.ingest.records import (
    MethodologyRecord,
    ParsedDocument,
    SourceFormatError,
    decode_source,
)


def read_farandole(
    path: Path | str, data: bytes | None = None, *, document_type: str = "PAP"
) -> ParsedDocument:
    """Parse one Farandole text export ("Objectifs et indicateurs de performance" of one programme).

    `data` is the file's bytes (read from `path` when None); `path` is used in error messages.
    `document_type` is 'PAP' or 'RAP': both read alike, the lines themselves tell the layouts apart.
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
    items: list[tuple[int, str]] = []  # the non-blank lines: (line number, stripped text)
    blanks: dict[int, list[tuple[int, str]]] = {}  # item index -> the blank lines right after it
    append = items.append
    for number, line in enumerate(lines, 1):
        s = line.strip(WHITESPACE)
        if s:
            if s[0] != "$" or STYLE_RE.fullmatch(s) is None:
                append((number, s))
        elif line:  # whitespace, not empty: a padding paragraph, or a blank table cell
            blanks.setdefault(len(items) - 1, []).append((number, line))
    doc = ParsedDocument(
        source_format=SOURCE_FORMAT,
        vintage_year=None,
        programme_code=None,
        programme_label=None,
        encoding=encoding,
        line_count=len(lines),
    )
    _Parser(path, items, blanks, doc).parse()
    return doc


class _Parser(TableParsing):
    """Recursive descent over the non-blank lines (line number, stripped text)."""

    def __init__(
        self,
        path: Path,
        items: list[tuple[int, str]],
        blanks: dict[int, list[tuple[int, str]]],
        doc: ParsedDocument,
    ):
        self.path = path
        self.items = items
        self.blanks = blanks
        self.doc = doc
        self.header_lines: dict[str, int] = {}
        self.header_markers: dict[str, str] = {}
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
            if self.keyword(line, s) is not None:
                if s[0] == "O":
                    break
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
            keyword = self.keyword(line, s)
            if keyword is None:
                if s.startswith("$@"):
                    self.header_variable(line, s)
                i += 1
            elif s[0] == "O":
                i = self.objective(i, keyword)
            else:
                i = self.indicator(i, keyword)

    def keyword(self, line: int, s: str) -> re.Match | None:
        """The match of an OBJECTIF / INDICATEUR line, None for any other line."""
        if s[0] not in "OI":
            return None
        m = KEYWORD_RE.fullmatch(s)
        if m is None and KEYWORD_LIKE_RE.fullmatch(s):
            raise self.error(
                line,
                f"expected 'OBJECTIF', 'OBJECTIF 1', 'INDICATEUR' or 'INDICATEUR 1.1' (then optionally"
                f" 'mission') alone on the line, found {quoted(s)}",
            )
        return m

    def header_variable(self, line: int, s: str) -> None:
        m = HEADER_VAR_RE.fullmatch(s)
        if m is None:
            raise self.error(
                line, f"expected a header variable like '$@FwLOVariable(annee#2024)', found {quoted(s)}"
            )
        name, value = m[1], m[2].strip(WHITESPACE)
        header = self.doc.header
        if name in header and header[name] != value:
            raise self.error(
                line,
                f"header variable {name} given twice: {header[name]!r} at line {self.header_lines[name]},"
                f" then {value!r}",
            )
        header[name] = value
        if name not in self.header_lines:
            self.header_lines[name] = line
            self.header_markers[name] = s[s.index("(") + 1 : s.rindex(")")]  # 'annee#2024' as printed

    def check_header(self, line: int) -> None:
        header = self.doc.header
        for name in (YEAR_VARIABLE, PROGRAMME_VARIABLE):
            if name not in header:
                raise self.error(
                    line,
                    f"missing header variable {name} before the first OBJECTIF"
                    f" (expected '$@FwLOVariable({name}#…)')",
                )
        annee, num = header[YEAR_VARIABLE], header[PROGRAMME_VARIABLE]
        if not re.fullmatch(r"\d{4}", annee):
            raise self.error(
                self.header_lines[YEAR_VARIABLE], f"header variable annee is not a 4-digit year: {annee!r}"
            )
        if not re.fullmatch(r"\d+", num):
            raise self.error(
                self.header_lines[PROGRAMME_VARIABLE], f"header variable numProg is not a number: {num!r}"
            )
        self.doc.vintage_year = int(annee)
        self.doc.vintage_line = self.header_lines[YEAR_VARIABLE]
        self.doc.vintage_evidence = self.header_markers[YEAR_VARIABLE]
        self.programme_code = "P" + num
        self.doc.programme_code = self.programme_code
        self.doc.programme_label = header.get(PROGRAMME_LABEL_VARIABLE)

    def objective(self, i: int, keyword: re.Match) -> int:
        keyword_line = self.items[i][0]
        if keyword["obj"] is not None:  # 'OBJECTIF 1', the label on the next line
            number, line = keyword["obj"], keyword_line
            label = self.label_after(i, f"objective {number}")
        else:
            line, s = self.next_item(i, "objective number and label like '1 – label' after OBJECTIF")
            m = OBJECTIVE_RE.fullmatch(s)
            if m is None:
                raise self.error(
                    line,
                    f"expected objective number and label like '1 – label' after OBJECTIF (line {keyword_line}),"
                    f" found {quoted(s)}",
                )
            number, label = m[1], m[2]
        if number in self.objectives:
            raise self.error(line, f"duplicate objective {number}, first at line {self.objectives[number]}")
        self.objectives[number] = line
        self.objective_number, self.objective_label, self.objective_line = number, label, line
        return i + 2

    def next_item(self, i: int, expected: str) -> tuple[int, str]:
        if i + 1 >= len(self.items):
            raise self.error(self.last_line(), f"expected {expected}, found end of file")
        return self.items[i + 1]

    def label_after(self, i: int, what: str) -> str:
        """The label on the line after the keyword line items[i] ('OBJECTIF 1', 'INDICATEUR 1.1')."""
        keyword_line, keyword = self.items[i]
        expected = f"the label of {what} after {quoted(keyword)} (line {keyword_line})"
        line, s = self.next_item(i, expected)
        if (
            HAS_LETTER_RE.search(s) is None
            or s.startswith("$@")
            or s in UNIT_HEADER
            or PRECISIONS_RE.fullmatch(s)
            or PERSPECTIVE_RE.fullmatch(s)
            or self.keyword(line, s) is not None
        ):
            raise self.error(line, f"expected {expected}, found {quoted(s)}")
        return s

    # -- indicator -----------------------------------------------------------------------------

    def indicator(self, i: int, keyword: re.Match) -> int:
        items = self.items
        n = len(items)
        keyword_line = items[i][0]
        if self.objective_number is None:  # pragma: no cover - the preamble loop catches it first
            raise self.error(keyword_line, "INDICATEUR before any OBJECTIF")
        if keyword["ind"] is not None:  # 'INDICATEUR 1.1 [mission]', the label on the next line
            number, line = keyword["ind"], keyword_line
            a, b = number.split(".")
            label = self.label_after(i, f"indicator {number}")
        else:
            line, s = self.next_item(i, "indicator number and label like '1.1 – label' after INDICATEUR")
            m = INDICATOR_RE.fullmatch(s)
            if m is None:
                raise self.error(
                    line,
                    f"expected indicator number and label like '1.1 – label' after INDICATEUR"
                    f" (line {keyword_line}), found {quoted(s)}",
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
            pm = PERSPECTIVE_RE.fullmatch(p)
            if pm is None or pm[1].lower() not in PERSPECTIVE_NAMES:
                raise self.error(
                    p_line,
                    f"expected the indicator's perspective like '(du point de vue du citoyen)'"
                    f" (citoyen, usager or contribuable), found {quoted(p)}",
                )
            perspective = pm[1].lower()
            i += 1
        if i >= n or items[i][1] not in UNIT_HEADER:
            found = "end of file" if i >= n else quoted(items[i][1])
            raise self.error(
                items[i][0] if i < n else self.last_line(),
                f"expected 'Unité' (start of the table of indicator {number}), found {found}",
            )
        ind = Indicator(
            objective_code=f"{self.programme_code}-{self.objective_number}",
            objective_number=self.objective_number,
            objective_label=self.objective_label,
            code=f"{self.programme_code}-{a}-{b}",
            number=number,
            label=label,
            perspective=perspective,
            mission=keyword["mission"] is not None,
        )
        i = self.table(i, ind)
        if i < n and PRECISIONS_RE.fullmatch(items[i][1]):
            i = self.methodology(i + 1, ind.code)
        return i

    # -- methodology ---------------------------------------------------------------------------

    def methodology(self, i: int, indicator_code: str) -> int:
        """Parse 'Précisions méthodologiques' from items[i]; return the index of the next section."""
        items = self.items
        n = len(items)
        out = self.doc.methodology
        current: list | None = None  # [section, heading, paragraphs, first line, last line]
        while i < n:
            line, s = items[i]
            if s.startswith("$@FwLOVariable") or self.keyword(line, s) is not None:
                break
            i += 1
            m = HEADING_RE.fullmatch(s) if s[0] in "SsMmJjNn" else None
            if m is not None:
                if current is not None:
                    out.append(_methodology_record(indicator_code, current))
                rest = m["rest"]
                rest = rest.strip(WHITESPACE) if rest else ""
                heading = m["h"]
                current = [
                    SECTION_BY_INITIAL[heading[0].lower()],
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
