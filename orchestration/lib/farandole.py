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

# The format's wording, shared with its writer (orchestration.lib.farandole_writer).
OBJECTIVE_KEYWORD, INDICATOR_KEYWORD, MISSION_MARK = "OBJECTIF", "INDICATEUR", "mission"
YEAR_VARIABLE, PROGRAMME_VARIABLE, PROGRAMME_LABEL_VARIABLE = "annee", "numProg", "libelleProg"
UNIT_HEADING, PRECISIONS_HEADING = "Unité", "Précisions méthodologiques"
PERSPECTIVES = {  # perspective -> its wording, printed in parentheses under the indicator's label
    "citoyen": "du point de vue du citoyen",
    "usager": "du point de vue de l'usager",
    "contribuable": "du point de vue du contribuable",
}
# A year column's qualifier words as printed ('Prévision PAP 2019', 'Cible', 'Prévision actualisée'),
# besides years; the first word is one of the first three. _QUALIFIER_*_RE accept them (any accents).
QUALIFIER_WORDS = ("Réalisation", "Prévision", "Cible", "finale", "actualisée", "du", "PAP")
BLANK = "\xa0"  # the content of an "empty" paragraph (padding, or a blank last cell)
DASH = "–"  # between a number and its label ('1 – label'); a hyphen or em dash is read too
# What surrounds a line's content and is not content: ASCII whitespace, no-break spaces, BOM.
WHITESPACE = _WS = " \t\r\n\x0b\x0c\xa0\u2007\u202f\ufeff"

_HEADER_VAR_RE = re.compile(r"\$@FwLOVariable\(\s*([^#,()\s]+)\s*[#,](.*)\)")
_STYLE_RE = re.compile(r"\$@FwLOStyle\(.*\)")
# 'OBJECTIF' / 'INDICATEUR' alone (PAP 2024), or with the number (RAP, older PAP), 'mission' after it.
_KEYWORD_RE = re.compile(
    rf"{OBJECTIVE_KEYWORD}(?:\s+(?P<obj>\d+))?"
    rf"|{INDICATOR_KEYWORD}(?:\s+(?P<ind>\d+\.\d+)(?:\s+(?P<mission>(?i:{MISSION_MARK})))?)?"
)
# a keyword and a number that is neither layout ('INDICATEUR 1.2 transversal'); longer lines are text
_KEYWORD_LIKE_RE = re.compile(rf"(?:{OBJECTIVE_KEYWORD}|{INDICATOR_KEYWORD})\s+\d[\d.]*(?:\s+\S+)?")
_MISSION_REF = "(Indicateur Mission)"  # ref_programme of a mission indicator's programme row (CSV)
_OBJECTIVE_RE = re.compile(r"(\d+)\s*[–—-]\s*(\S.*)")
_INDICATOR_RE = re.compile(r"(\d+)\.(\d+)\s*[–—-]\s*(\S.*)")
_PERSPECTIVE_RE = re.compile(
    r"\(\s*du\s+point\s+de\s+vue\s+(?:du\s+|de\s+la\s+|de\s+l['’]\s*)?(\w+)\s*\)", re.I
)
_PERSPECTIVES = tuple(PERSPECTIVES)
_UNIT_HEADER = (UNIT_HEADING, "Unite", "UNITÉ", "UNITE")
_YEAR_RE = re.compile(r"(\d{4})(?:\s*(\(.*\)))?")
_NOT_A_YEAR_RE = re.compile(r"\d{1,3}|\d{5,}|\d{4}\S.*|\d+\s*\(.*\)")
_QUALIFIER_WORD = r"(?:r[ée]alisation|pr[ée]vision|cible|finale|actualis[ée]e|du|pap|\d{4})"
# a bare qualifier's first line ('Réalisation', 'Prévision', 'Cible', 'Prévision PAP 2019'…)
_QUALIFIER_FIRST_RE = re.compile(rf"(?i:(?:r[ée]alisation|pr[ée]vision|cible)(?:\s+{_QUALIFIER_WORD})*)")
# and its continuation lines ('PAP 2019', 'actualisée', 'finale'): qualifier words, not a lone year
_QUALIFIER_NEXT_RE = re.compile(rf"(?i:(?!\d){_QUALIFIER_WORD}(?:\s+{_QUALIFIER_WORD})*)")
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
        s = line.strip(_WS)
        if s:
            if s[0] != "$" or _STYLE_RE.fullmatch(s) is None:
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


def _quote(s: str, limit: int = 70) -> str:
    return repr(s if len(s) <= limit else s[: limit - 1] + "…")


class _Parser:
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
        m = _KEYWORD_RE.fullmatch(s)
        if m is None and _KEYWORD_LIKE_RE.fullmatch(s):
            raise self.error(
                line,
                f"expected 'OBJECTIF', 'OBJECTIF 1', 'INDICATEUR' or 'INDICATEUR 1.1' (then optionally"
                f" 'mission') alone on the line, found {_quote(s)}",
            )
        return m

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
            m = _OBJECTIVE_RE.fullmatch(s)
            if m is None:
                raise self.error(
                    line,
                    f"expected objective number and label like '1 – label' after OBJECTIF (line {keyword_line}),"
                    f" found {_quote(s)}",
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
        expected = f"the label of {what} after {_quote(keyword)} (line {keyword_line})"
        line, s = self.next_item(i, expected)
        if (
            _HAS_LETTER_RE.search(s) is None
            or s.startswith("$@")
            or s in _UNIT_HEADER
            or _PRECISIONS_RE.fullmatch(s)
            or _PERSPECTIVE_RE.fullmatch(s)
            or self.keyword(line, s) is not None
        ):
            raise self.error(line, f"expected {expected}, found {_quote(s)}")
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
            mission=keyword["mission"] is not None,
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
        table_line = items[i][0]
        i += 1
        columns, i = self.year_columns(i, ind, table_line)
        start = i
        while i < n:
            line, s = items[i]
            if (
                s[0] == "$"
                or (s[0] in "Pp" and _PRECISIONS_RE.fullmatch(s))
                or self.keyword(line, s) is not None
            ):
                break
            i += 1
        measures = self.measures(start, i, len(columns))
        self.check_body(measures, start, i, len(columns), ind, table_line)
        self.emit_cells(measures, columns, ind)
        return i

    def year_columns(
        self, i: int, ind: "_Indicator", table_line: int
    ) -> tuple[list[tuple[str, int, str]], int]:
        """The year column headers from items[i]: ([(header, year, value kind)], index after them)."""
        items = self.items
        n = len(items)
        path = self.path
        columns: list[tuple[str, int, str]] = []  # (header, year, value kind)
        unqualified: list[tuple[int, int, int]] = []  # (column index, year, line) without qualifier
        bare = None  # a column header with a bare qualifier ('2019 Réalisation'), if any
        while i < n:
            line, s = items[i]
            m = _YEAR_RE.fullmatch(s)
            if m is None:
                if _NOT_A_YEAR_RE.fullmatch(s):
                    raise self.error(
                        line,
                        f"year column header {_quote(s)} is not a 4-digit year (table of indicator"
                        f" {ind.number} at line {table_line})",
                    )
                if s[0] == "(" and s[-1] == ")":
                    raise self.error(
                        line,
                        f"column qualifier {_quote(s)} does not follow a year line"
                        f" (table of indicator {ind.number} at line {table_line})",
                    )
                break
            year = int(m[1])
            qualifier, q_line = m[2], line
            i += 1
            if qualifier is None and i < n:
                next_line, q = items[i]
                if q[0] == "(" and q[-1] == ")":
                    qualifier, q_line = q, next_line
                    i += 1
                elif _QUALIFIER_FIRST_RE.fullmatch(q):  # 'Prévision' / 'PAP 2019': bare, over lines
                    parts = [q]
                    i += 1
                    while i < n and _QUALIFIER_NEXT_RE.fullmatch(items[i][1]):
                        parts.append(items[i][1])
                        i += 1
                    qualifier, q_line = " ".join(parts), next_line
            if i + 1 < n:
                u_line, u = items[i]
                if (
                    u[0] != "("
                    and _HAS_LETTER_RE.search(u)
                    and _YEAR_RE.fullmatch(items[i + 1][1])
                    and not _YEAR_RE.fullmatch(u)
                    and not _NOT_A_YEAR_RE.fullmatch(u)
                ):
                    # followed by a year header: not the first measure label, an unknown qualifier
                    joined = f"{qualifier} {u}" if qualifier else u
                    raise self.error(
                        u_line,
                        f"unknown value kind in column header qualifier {joined!r}: {_quote(u)} after"
                        f" year column {year} (line {line}) is not a qualifier word (Réalisation,"
                        f" Prévision, Cible, PAP <year>, actualisée…) (table of indicator {ind.number}"
                        f" at line {table_line})",
                    )
            kind = value_kind_for(qualifier or "", path, q_line, year)
            header = f"{m[1]} {qualifier}" if qualifier else m[1]
            if qualifier is None:
                unqualified.append((len(columns), year, line))
            elif bare is None and qualifier[0] != "(":
                bare = header
            columns.append((header, year, kind))
        if not columns:
            found = "end of file" if i >= n else _quote(items[i][1])
            raise self.error(
                items[i][0] if i < n else table_line,
                f"table of indicator {ind.number} at line {table_line} has no year columns:"
                f" expected a 4-digit year after 'Unité', found {found}",
            )
        if bare is not None and unqualified:
            column, year, line = unqualified[0]
            if column == len(columns) - 1 and i < n:  # the last column: its qualifier was not known
                line, found = items[i]
                what = f"{_quote(found)} (line {line}) is not a known qualifier"
            else:
                what = "it has none"
            raise self.error(
                line,
                f"year column {year} has no qualifier while the other columns of the table of indicator"
                f" {ind.number} at line {table_line} have one (like {bare!r}): {what}"
                f" (expected Réalisation, Prévision, Cible, PAP <year>, actualisée…)",
            )
        return columns, i

    def blank_cell_after(self, k: int, end: int) -> tuple[int, str] | None:
        """The blank line right after items[k], when it can be a measure's last cell."""
        found = self.blanks.get(k)
        if not found or (k == end - 1 and len(found) == 1):  # the padding that closes the table
            return None
        return found[0]

    def measures(self, start: int, end: int, ncol: int) -> list[tuple[int, list[tuple[int, str]]]]:
        """Cut the table body items[start:end] into measures: [(index of the label, cells)].

        Each measure is a label, a unit and `ncol` cells; its last cell may be a blank line. The
        last measure has fewer cells when the body is short (`check_body` says why)."""
        items = self.items
        out: list[tuple[int, list[tuple[int, str]]]] = []
        k = start
        while k < end:
            cells: list[tuple[int, str]] = []
            j = k + 2  # the first cell, after the label and the unit
            if k + 1 < end:
                while len(cells) < ncol:
                    if len(cells) == ncol - 1:
                        blank = self.blank_cell_after(j - 1, end)
                        if blank is not None:
                            cells.append(blank)
                            break
                    if j >= end:
                        break
                    cells.append(items[j])
                    j += 1
            out.append((k, cells))
            k = j
        return out

    def check_body(
        self,
        measures: list[tuple[int, list[tuple[int, str]]]],
        start: int,
        end: int,
        ncol: int,
        ind: "_Indicator",
        table_line: int,
    ) -> None:
        """Check the table body (label, unit and `ncol` cells per measure) before any cell is emitted.

        `end` is the index of the item that ended the table (len(items) at end of file).
        """
        items = self.items
        group = ncol + 2
        count = end - start
        if end < len(items):
            end_line, end_text = items[end]
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
        short = len(measures[-1][1]) < ncol
        blank = sum(1 for _, cells in measures for _, cell in cells if not cell.strip(_WS))
        blank_what = f" and {blank} blank last cells" if blank else ""
        count_msg = (
            f"{where}: {count} non-blank lines{blank_what} after the year headers, not a multiple of"
            f" {group} (label, unit and {ncol} cells per measure)"
        )
        for position, (k, cells) in enumerate(measures):
            label_line, label = items[k]
            if not _HAS_LETTER_RE.search(label):
                previous = f' after measure "{items[measures[position - 1][0]][1]}"' if position else ""
                raise self.error(
                    label_line,
                    f"expected a measure label at line {label_line}{previous}, found {_quote(label)}:"
                    f" a cell is probably missing or extra ({where}, {count} non-blank lines{blank_what}"
                    f" after the year headers for {group} per measure)",
                )
            if not short:
                continue
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
        if short:  # pragma: no cover - the last measure is the short one, caught above
            raise self.error(table_line, count_msg)

    def emit_cells(
        self,
        measures: list[tuple[int, list[tuple[int, str]]]],
        columns: list[tuple[str, int, str]],
        ind: "_Indicator",
    ) -> None:
        items = self.items
        cells = self.doc.cells
        programme_code = self.programme_code
        programme_label = self.doc.programme_label
        ref_programme = _MISSION_REF if ind.mission else None
        for position, (k, measure_cells) in enumerate(measures, 1):
            label = items[k][1]
            unit = items[k + 1][1]
            for column, ((cell_line, value), (header, year, kind)) in enumerate(
                zip(measure_cells, columns, strict=True), 1
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
                        ref_programme=ref_programme,
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
            if s.startswith("$@FwLOVariable") or self.keyword(line, s) is not None:
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
        "mission",
        "number",
        "objective_code",
        "objective_label",
        "objective_number",
        "perspective",
    )

    def __init__(
        self,
        *,
        objective_code,
        objective_number,
        objective_label,
        code,
        number,
        label,
        perspective,
        mission=False,
    ):
        self.objective_code = objective_code
        self.objective_number = objective_number
        self.objective_label = objective_label
        self.code = code
        self.number = number
        self.label = label
        self.perspective = perspective
        self.mission = mission  # 'INDICATEUR 1.1 mission': a mission-level indicator


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
