"""What every source reader produces, whatever the format.

A reader turns one source file into a `ParsedDocument`: header facts, one `CellRecord` per year cell
of every indicator table (raw text only; `cells.parse_cell` classifies it later) and the
methodology texts. A reader that cannot make sense of a file raises `SourceFormatError`, which
names the file and the line, so the loader can quarantine that file and keep the others.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib.vocabularies import vocabulary

# The contract's vocabulary of value kinds (docs/contract.md), declared by the seed ref_value_kind.
VALUE_KINDS = vocabulary("value_kind")


class SourceFormatError(ValueError):
    """A source file that does not follow its format. Always names the file and, if known, the line."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


@dataclass(slots=True)
class CellRecord:
    """One year cell of one measure (row) of one indicator table, as published."""

    source_line: int  # physical 1-based line of the cell (text) or of the record's first line (CSV)
    record_number: int | None  # CSV: 1-based data record; text export: None
    programme_code: str | None  # 'P352'; None for a mission-level row
    programme_label: str | None
    mission_code: str | None  # 'AA'; None when the document does not say
    mission_label: str | None
    budget_type: str | None  # BG, BA, CAS, CCF
    sector_type: str  # 'programme' or 'mission'
    objective_code: str  # 'P352-1' or 'MAA-1'
    objective_number: str  # '1' as printed
    objective_label: str
    indicator_code: str  # 'P352-1-1' or 'MAA-1-1'
    indicator_number: str  # '1.1' as printed
    indicator_label: str
    perspective: str | None  # citoyen, usager, contribuable (lower case)
    measure_position: int  # 1-based row of the measure in its indicator table (text) / in its indicator (CSV)
    measure_label: str
    unit_raw: str  # the unit exactly as printed ('' when none)
    column_position: int  # 1-based year column of the table
    # the header as printed, qualifier included: '2023 (Cible PAP 2023)', '2024 Cible (PAP 2024)'
    column_header: str
    year: int
    value_kind: str  # one of VALUE_KINDS
    value_raw: str  # the cell exactly as published
    sub_indicator_id: int | None = None  # CSV 'Code Sous Indicateur'
    ref_programme: str | None = None  # CSV: '(Indicateur du P105)' on mission rows
    green_budget_rating: str | None = None  # CSV 'Cotation Budget Vert / Egalité HF'
    official_verdict_raw: str | None = None  # RAP CSV 'Degré de réalisation', as published (per row)


@dataclass(slots=True)
class MethodologyRecord:
    """One methodology section of one indicator ('Précisions méthodologiques')."""

    indicator_code: str
    section: str  # source_des_donnees, mode_de_calcul, justification_des_cibles, note, commentaire
    heading: str  # the heading as printed
    text: str
    source_line_start: int
    source_line_end: int


@dataclass(slots=True)
class SkippedRecord:
    """A source record (or part of one) that yields no cell, with why: listed, never dropped silently."""

    source_line: int
    record_number: int | None
    programme_code: str | None
    reason: str


@dataclass(slots=True)
class ParsedDocument:
    source_format: str  # 'farandole_text' or 'opendata_csv'
    # The vintage the content says (text: the annee# header variable; CSV: its year columns), None
    # when it says none (the folder decides).
    vintage_year: int | None
    programme_code: str | None  # text export: 'P352'; CSV (all programmes): None
    programme_label: str | None
    header: dict[str, str] = field(default_factory=dict)  # raw header variables / CSV column names
    encoding: str = "utf-8"
    line_count: int = 0
    cells: list[CellRecord] = field(default_factory=list)
    methodology: list[MethodologyRecord] = field(default_factory=list)
    record_count: int | None = None  # CSV: data records read (blank lines aside); text: None
    skipped: list[SkippedRecord] = field(default_factory=list)
    document_type: str | None = None  # CSV: PAP or RAP, from the layout; text: None (both read alike)
    vintage_line: int | None = None  # the line that says the vintage (CSV: the header, 1)
    vintage_evidence: str | None = None  # what says it, as printed: "'Réalisation 2017', …", "annee#2024"


def decode_source(data: bytes, path: Path | str) -> tuple[str, str]:
    """Decode a published text file: UTF-8 (BOM or not), else cp1252. Returns (text, encoding).

    Refuses what is not text (NUL bytes: binary or UTF-16) rather than guessing.
    """
    if not data.strip():
        raise SourceFormatError(path, None, "empty file (no content)")
    # The whole file, not a prefix: a NUL deep in a file would otherwise land in a label or a value.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise SourceFormatError(
            path,
            _first_line_with(data, b"\x00"),
            "not a text file in UTF-8 or cp1252 (NUL bytes: binary or UTF-16)",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # UTF-8 with a stray byte (a hand edit in another encoding) is not cp1252: decoding it as
        # cp1252 would garble every accented letter and report an error far from the culprit.
        utf8_sequences = sum(1 for _ in _UTF8_SEQUENCE.finditer(data))
        if utf8_sequences > data.decode("utf-8", "replace").count("\ufffd"):
            line = data[: exc.start].count(b"\n") + 1
            raise SourceFormatError(
                path,
                line,
                f"invalid UTF-8 (byte 0x{data[exc.start]:02x}) in a file that is otherwise UTF-8:"
                " mixed encodings?",
            ) from exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFormatError(
            path, line, f"neither UTF-8 nor cp1252 (byte 0x{data[exc.start]:02x})"
        ) from exc
    # cp1252 decodes almost anything: insist the result looks like text, not binary noise.
    control = _CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        raise SourceFormatError(
            path, line, f"not a text file (control character U+{ord(control.group()):04X})"
        )
    return text, "cp1252"


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _first_line_with(data: bytes, needle: bytes) -> int | None:
    pos = data.find(needle)
    return None if pos < 0 else data[:pos].count(b"\n") + 1


_QUALIFIER_KINDS = (
    # (pattern on the qualifier, lower-cased, accents kept) -> value kind. Order matters.
    (re.compile(r"^pr[ée]vision actualis[ée]e"), "updated_forecast"),
    (re.compile(r"^(cible|pr[ée]vision) (du )?pap\b"), "target_of_record"),
    (re.compile(r"^cible( finale)?$"), "target"),
    (re.compile(r"^pr[ée]vision$"), "forecast"),
    (re.compile(r"^r[ée]alisation$"), "realisation"),
)
_PAP_YEAR = re.compile(r"\bpap (\d{4})\b")


def value_kind_for(qualifier: str, path: Path | str, line: int | None, year: int | None = None) -> str:
    """Value kind of a year column from its qualifier: '' (text PAP: a realised year), 'Cible',
    'Cible PAP 2023', 'Prévision actualisée', 'Réalisation'…  An unknown qualifier is an error:
    guessing would publish a target as a realisation.

    A 'Prévision/Cible PAP Y' column of year `year` is the target of record when Y is the column's
    year (PAP Y set it: 'Prévision 2012 PAP 2012' in RAP 2012, '2024 Cible (PAP 2024)' in PLF 2025),
    the forecast updated by a later PAP when Y is after it ('Prévision 2012 PAP 2013'), and a
    multi-year target set by an earlier PAP when Y is before it ('2020 Cible PAP 2019')."""
    q = re.sub(r"[\s()]+", " ", qualifier).strip().lower()
    if q == "":
        return "realisation"
    for pattern, kind in _QUALIFIER_KINDS:
        if pattern.search(q):
            if kind == "target_of_record" and year is not None:
                pap = _PAP_YEAR.search(q)
                if pap is not None and int(pap[1]) > year:
                    return "updated_forecast"
                if pap is not None and int(pap[1]) < year:
                    return "target"
            return kind
    raise SourceFormatError(path, line, f"unknown value kind in column header qualifier {qualifier!r}")
