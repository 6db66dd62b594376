"""Writer of Farandole text exports, the format `orchestration.lib.ingest.farandole` reads.

It owns the layout of a written export, not its wording: the keywords, header variable names,
perspective and qualifier words, the blank and the dash are the reader's constants. Five layouts:

* `PAP`: the PAP 2024 export (`raw/pap/2024/000_9fa5ff6774201ab1.txt`): `OBJECTIF` alone then
  `1 – label`, a year column's qualifier in parentheses on the line after its year
  (`2023` / `(Cible PAP 2023)`), header variables `$@FwLOVariable(annee#2024)`.
* `RAP_PAGE`: a RAP one-programme page (`tests/fixtures/rap_2019_p129_page.txt`): the number on the
  keyword's line (`OBJECTIF 1`, `INDICATEUR 1.1     mission`), the label on the next, bare
  qualifiers over lines (`2019` / `Prévision` / `PAP 2019`), `$@FwLOStyle(…)` directives among the
  header variables and after each OBJECTIF line.
* `OLDER_PAP`: an older PAP (`tests/fixtures/pap_2023_p129_older_layout.txt`): like a RAP page,
  without directives nor keyword padding, header variables `$@FwLOVariable(annee,2023)`.

* `RAP_2019`, `RAP_2021`: the RAP pages of 2019 and 2021 on (see the constants below), whose
  tables are followed by 'Commentaires techniques'.

One paragraph per line and an empty line after each, except between a year and its qualifier
lines; U+00A0 padding paragraphs where the export has them; LF; no final line break. A cell that is
blank (whitespace only) is printed as a U+00A0 paragraph, which the reader takes for a cell only
among a measure's last cells: anywhere else it is an error. The table is always followed by a padding
paragraph (the reader tells a blank last cell from that padding).

`write_farandole(document, layout)` returns the text; it raises `ValueError` for what the reader
would not read back as given: a label or cell on several lines or with surrounding whitespace, a
label without a letter, a blank cell followed by a non-blank one, a row of the wrong length, an
unknown qualifier, a mission indicator in the PAP layout, an indicator numbered outside its objective.
It does not re-parse its texts: a measure label that reads as the format's own lines ('OBJECTIF 2',
'Précisions méthodologiques', 'Réalisation' right after the year headers…) is the caller's to avoid.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from orchestration.lib.ingest.farandole import (
    BLANK,
    DASH,
    INDICATOR_KEYWORD,
    MISSION_MARK,
    OBJECTIVE_KEYWORD,
    PERSPECTIVES,
    PRECISIONS_HEADING,
    PROGRAMME_LABEL_VARIABLE,
    PROGRAMME_VARIABLE,
    QUALIFIER_WORDS,
    TECHNICAL_COMMENTS_HEADING,
    UNIT_HEADING,
    WHITESPACE,
    YEAR_VARIABLE,
)
from orchestration.lib.ingest.records import SourceFormatError, value_kind_for

SUBTITLE = "Objectifs et indicateurs de performance"  # the export's sub-title and title
SUBTITLE_VARIABLE = "enteteSousTitre"
PERSPECTIVE_PAD = BLANK * 4 + " "  # before '(du point de vue …)'
_PAD = BLANK * 3
_HEADER_STYLES = ("TitreDocument", "police#Marianne;taille#9;gras#1", "SousTitre")  # RAP page
_OBJECTIVE_STYLE = "TitreObjectif"
_FIRST_QUALIFIER_WORDS = QUALIFIER_WORDS[:3]
HAS_LETTER_RE = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    number_on_keyword: bool  # 'OBJECTIF 1' + label, not 'OBJECTIF' + '1 – label'
    bare_qualifiers: bool  # 'Prévision' / 'PAP 2019' over lines, not '(Prévision PAP 2019)'
    header_separator: str  # '#' or ','
    styles: bool  # $@FwLOStyle directives
    keyword_padding: str  # after 'OBJECTIF 1' / 'INDICATEUR 1.2'
    mission_spacing: str  # between 'INDICATEUR 1.1' and 'mission'
    # the heading of the prose after a table: the RAP pages' 'Commentaires techniques'
    methodology_heading: str = PRECISIONS_HEADING


PAP = Layout("pap", False, False, "#", False, " " + _PAD, "")
RAP_PAGE = Layout("rap_page", True, True, "#", True, " " + _PAD, " " * 5)
OLDER_PAP = Layout("older_pap", True, True, ",", False, "", " ")
# RAP 2019 pages (FR_2019_PLR_BG_PGM_307_PERF): comma header variables, the number on the keyword's
# line, bare qualifiers, 'Commentaires techniques'.
RAP_2019 = Layout("rap_2019", True, True, ",", False, "", " " * 5, TECHNICAL_COMMENTS_HEADING)
# RAP 2021 pages (FR_2021_PLR_BG_PGM_124_PERF, …_159_PERF): '#' header variables, the keyword alone
# then '1 – label' as in the PAP 2024, but bare qualifiers over lines and 'Commentaires techniques'.
RAP_2021 = Layout("rap_2021", False, True, "#", False, " " + _PAD, "", TECHNICAL_COMMENTS_HEADING)
LAYOUTS = (PAP, RAP_PAGE, OLDER_PAP, RAP_2019, RAP_2021)


@dataclass(frozen=True, slots=True)
class Column:
    year: int
    # the qualifier words, no parentheses ('Cible PAP 2023', 'Prévision actualisée'); None: none
    # printed (a realised year in a PAP)
    qualifier: str | None = None

    def header(self, layout: Layout) -> str:
        """The `column_header` the reader gives this column in `layout`."""
        if self.qualifier is None:
            return str(self.year)
        return (
            f"{self.year} {self.qualifier}" if layout.bare_qualifiers else f"{self.year} ({self.qualifier})"
        )


@dataclass(slots=True)
class Measure:
    label: str
    unit: str
    cells: Sequence[str]  # one per column, as printed; a blank last cell is printed U+00A0


@dataclass(slots=True)
class Indicator:
    number: str  # '1.2'
    label: str
    columns: Sequence[Column]
    measures: Sequence[Measure]
    perspective: str | None = None  # citoyen, usager, contribuable
    mission: bool = False  # a mission-level indicator ('INDICATEUR 1.1 mission'; not in PAP)
    # paragraphs after 'Précisions méthodologiques' ('Source des données : …'), one line each;
    # none: no such heading
    methodology: Sequence[str] = ()


@dataclass(slots=True)
class Objective:
    number: str  # '1'
    label: str
    indicators: Sequence[Indicator] = ()


@dataclass(slots=True)
class Document:
    vintage: int  # header variable annee
    programme_number: str  # numProg: '352'
    programme_label: str | None = None  # libelleProg
    objectives: Sequence[Objective] = field(default_factory=list)
    subtitle: str | None = SUBTITLE  # enteteSousTitre and the title; None: neither


def write_farandole(document: Document, layout: Layout = PAP) -> str:
    """The text of `document` as a Farandole export in `layout` (see the module's docstring)."""
    lines: list[str] = []
    add = lines.append

    def para(text: str) -> None:
        add(text)
        add("")

    if not re.fullmatch(r"\d{4}", str(document.vintage)) or not document.programme_number.isdigit():
        raise ValueError(f"vintage {document.vintage!r} / programme {document.programme_number!r}")
    variables = [(YEAR_VARIABLE, str(document.vintage)), (PROGRAMME_VARIABLE, document.programme_number)]
    if document.programme_label is not None:
        variables.append((PROGRAMME_LABEL_VARIABLE, _line("programme label", document.programme_label)))
    if document.subtitle is not None:
        variables.append((SUBTITLE_VARIABLE, _line("subtitle", document.subtitle)))
    for k, (name, value) in enumerate(variables):
        if layout.styles and k:
            para(f"$@FwLOStyle({_HEADER_STYLES[(k - 1) % len(_HEADER_STYLES)]})")
        para(f"$@FwLOVariable({name}{layout.header_separator}{value})")
    para(BLANK)
    if document.subtitle is not None:
        para(document.subtitle)
        add("")
    objectives: set[str] = set()
    for position, objective in enumerate(document.objectives):
        number = objective.number
        if not re.fullmatch(r"\d+", number) or number in objectives:
            raise ValueError(f"objective number {number!r}: not a number, or given twice")
        objectives.add(number)
        if position:
            para(BLANK)
        label = _label("objective", number, objective.label)
        if layout.number_on_keyword:
            para(f"{OBJECTIVE_KEYWORD} {number}{layout.keyword_padding}")
            if layout.styles:
                para(f"$@FwLOStyle({_OBJECTIVE_STYLE})")
            para(label)
        else:
            para(f"{OBJECTIVE_KEYWORD} {_PAD}")
            para(f"{number} {DASH} {label}")
        para(BLANK)
        add("")
        indicators: set[str] = set()
        for k, indicator in enumerate(objective.indicators):
            if k:
                para(BLANK)
            _indicator(para, add, indicator, number, indicators, layout)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def _indicator(para, add, indicator: Indicator, objective: str, seen: set[str], layout: Layout) -> None:
    number = indicator.number
    m = re.fullmatch(r"(\d+)\.(\d+)", number)
    if m is None or int(m[1]) != int(objective) or number in seen:
        raise ValueError(
            f"indicator number {number!r} in objective {objective}: expected {objective}.x, once"
        )
    seen.add(number)
    label = _label("indicator", number, indicator.label)
    if layout.number_on_keyword:
        mark = f"{layout.mission_spacing}{MISSION_MARK}" if indicator.mission else layout.keyword_padding
        para(f"{INDICATOR_KEYWORD} {number}{mark}")
        para(label)
    elif indicator.mission:
        raise ValueError(f"indicator {number}: the {layout.name} layout has no mission mark")
    else:
        para(f"{INDICATOR_KEYWORD} {_PAD} {_PAD}")
        para(f"{number} {DASH} {label}")
    if indicator.perspective is not None:
        para(f"{PERSPECTIVE_PAD}({PERSPECTIVES[indicator.perspective]})")
    para(BLANK)
    para(UNIT_HEADING)
    columns = indicator.columns
    if not columns or not indicator.measures:
        raise ValueError(f"indicator {number}: a table has at least one year column and one measure")
    qualified = sum(1 for c in columns if c.qualifier is not None)
    if layout.bare_qualifiers and 0 < qualified < len(columns):
        raise ValueError(
            f"indicator {number}: in the {layout.name} layout every column has a qualifier or none"
        )
    for column in columns:
        add(str(column.year))
        if column.qualifier is not None:
            for line in _qualifier_lines(column, layout, number):
                add(line)
        add("")
    for measure in indicator.measures:
        cells = measure.cells
        if len(cells) != len(columns):
            raise ValueError(
                f"indicator {number}: measure {measure.label!r} has {len(cells)} cells for {len(columns)}"
            )
        para(_label("measure", number, measure.label))
        para(_line(f"unit of a measure of indicator {number}", measure.unit))
        # the blank cells that end the measure (a RAP leaves the years not yet known blank)
        trailing = len(cells) - next(
            (k for k in range(len(cells), 0, -1) if cells[k - 1].strip(WHITESPACE)), 0
        )
        for k, cell in enumerate(cells):
            if cell.strip(WHITESPACE):
                para(_line(f"cell of indicator {number}", cell))
            elif k >= len(cells) - trailing:
                para(BLANK)
            else:
                raise ValueError(
                    f"indicator {number}: a blank cell is read as a cell only among a measure's last"
                )
    para(BLANK)  # the padding that closes the table
    if indicator.methodology:
        para(layout.methodology_heading)
        for paragraph in indicator.methodology:
            if "\n" in paragraph or "\r" in paragraph:
                raise ValueError(f"indicator {number}: a methodology paragraph holds a line break")
            para(paragraph)


def _qualifier_lines(column: Column, layout: Layout, indicator: str) -> list[str]:
    """'Prévision PAP 2019' -> ['(Prévision PAP 2019)'], or bare: ['Prévision', 'PAP 2019']."""
    words = column.qualifier.split()
    try:
        value_kind_for(column.qualifier, "<writer>", None, column.year)
    except SourceFormatError:
        words = []
    if not words or words[0] not in _FIRST_QUALIFIER_WORDS:
        raise ValueError(
            f"indicator {indicator}: unknown qualifier {column.qualifier!r} of year {column.year}"
        )
    if not layout.bare_qualifiers:
        return [f"({' '.join(words)})"]
    lines = [words[0]]
    for word in words[1:]:
        if re.fullmatch(r"\d{4}", word):
            lines[-1] += " " + word
        elif word in QUALIFIER_WORDS:
            lines.append(word)
        else:
            raise ValueError(
                f"indicator {indicator}: {word!r} is not a qualifier word ({column.qualifier!r})"
            )
    return lines


def _line(what: str, text: str) -> str:
    if not text or "\n" in text or "\r" in text or text.strip(WHITESPACE) != text:
        raise ValueError(f"{what} {text!r}: expected one line of text, no surrounding whitespace")
    return text


def _label(what: str, number: str, text: str) -> str:
    _line(f"{what} {number} label", text)
    if HAS_LETTER_RE.search(text) is None:
        raise ValueError(f"{what} {number} label {text!r}: a label has a letter")
    return text
