"""Synthetic corpus: the shipped sources plus N synthetic vintages, for benchmarks and load tests.

    uv run python -m orchestration.tools.corpus [--out data/corpus] [--vintages 20] [--seed 2025]
                                                [--programmes N] [--no-real]

writes `<out>/raw/`, a RAW_DIR of its own (point RAW_DIR at it), and `<out>/summary.json` (the
counts, without timings). A relative `--out` is taken from the project folder, like every path of
the settings. The output may never be the project's `raw/` nor lie inside it.

What is written (N vintages ending in 2025, but starting no earlier than 2009 so that every year a
vintage prints, V-3 … V+2, passes the stewards' rule 'year ≥ 2006, the first LOLF budget':
2009 … 2028 by default):

* `raw/pap/<V>/synthetic-plf-<V>-performance.csv`, one per vintage: the real PLF 2025 open-data CSV
  (`raw/pap/2025/plf-2025-performance.csv`), every record kept (2,141), re-labelled for V: each
  year header is shifted by V - 2025, years inside its qualifier too (`V-3 Réalisation;V-2
  Réalisation;V-1 Cible (PAP V-1);V Cible;V+1 Cible;V+2 Cible`). Only the six year cells change:
  a cell that is a plain French number (`-?\\d+(,\\d+)?`, or thousands grouped by single spaces,
  `1 700`) is multiplied by 1 + u, u uniform in ±12 %, and printed back in the same style (decimal
  comma, same number of decimals, grouped only when the original was, no `-0`); a value in a `%`
  unit between 0 and 100 stays between 0 and 100. Every other cell (`Sans objet`, `>10`, `En
  hausse`, `2 à 4,5`, empty…) is kept byte for byte, and so is every other column. The draws u
  come from BLAKE2b of `"<seed>/pap/<V>/<Code Sous Indicateur>"` (stable across runs, platforms
  and PYTHONHASHSEED, and cheaper than seeding a `random.Random` per record), six per record
  whatever the cells hold; the mission rows that repeat a programme row share its sub-indicator id,
  hence its values. Encoding, BOM, CRLF and quoting are the real file's (`csv` with QUOTE_MINIMAL
  rewrites the real file byte for byte).
* `raw/pap/<V>/synthetic-p<NNN>.txt` for the even vintages (2010, 2012, … 2028) and
  `raw/rap/<V>/synthetic-p<NNN>.txt` for the odd ones (2009, … 2027): one Farandole text export
  per programme of the CSV (144 programme codes; programme rows only, mission rows have no
  programme), written by `farandole_writer` in its PAP layout, the seed's
  (`raw/pap/2024/000_9fa5ff6774201ab1.txt`): header variables, title, objectives, indicators with
  the perspective from `Facteur de performance`, their table and a short `Précisions
  méthodologiques` (`Source des données : …`, `Mode de calcul : …`, `Justification des cibles` +
  one paragraph: three sections per indicator). Programmes go by number; objectives, indicators
  and measures keep the CSV order.
  - PAP V, six columns, the values of that vintage's synthetic CSV (same draws):
    `V-3`, `V-2` (no qualifier: realisation), `V-1 (Cible PAP V-1)`, `V (Cible)`, `V+1 (Cible)`,
    `V+2 (Cible)`.
  - RAP V, five columns: `V-2`, `V-1` (no qualifier: realisation), `V (Prévision PAP V)` (a
    target_of_record), `V (Réalisation)` and `V+2 (Cible PAP V)`. Values, from vintage V's
    perturbed CSV row p1…p6: p2, perturb(p3), p4, perturb(p4), p6, the two new draws from
    BLAKE2b of `"<seed>/rap/<V>/<sub-indicator>"`: the realisation of V lands near the target that
    the same RAP prints for V.
  So every text measure (keyed by indicator code and position, the same in PAP and RAP) gets
  targets from the PAPs and realisations from the RAPs for the same years: PAP V targets V…V+2,
  RAP V+1 realises V and V+1.
  Cells are one line each (line breaks in a label or a cell become one space): an empty CSV cell
  is printed `–` (still `empty` for `cells.parse_cell`; a blank line would be a separator), an
  empty unit `sans unité` (mapped in `ref_unit`); an empty measure label takes the indicator's.
* the two real files, copied byte for byte to their real places (`pap/2024/000_9fa5ff6774201ab1.txt`,
  `pap/2025/plf-2025-performance.csv`) unless `--no-real`: the corpus is then "the shipped
  sources + N synthetic vintages".

Every synthetic file has `synthetic` in its name, so the loader marks it synthetic and prefixes its
document id with `SYN-` (`SYN-PAP-2010`, `SYN-PAP-2010-P101`, `SYN-RAP-2009-P101`): they never
collide with the real `PAP-2025` / `PAP-2024-P352`. Files of an earlier run that this run does not
write (a smaller `--vintages`, `--no-real`) are deleted when they are ours (a `synthetic` name or a
real copy); anything else in the tree is left alone. A file whose bytes would not change is not
rewritten, so a second run with the same arguments leaves the tree untouched.

Full size (20 vintages, 144 programmes): 20 CSV files, 42,820 records, 256,920 cells; 1,440 PAP
and 1,440 RAP texts (2,880), 200,310 text cells (36,420 measures, 50,400 methodology sections);
2,902 files, about 39 MB; a few seconds. `generate(out, vintages, seed, programmes=None)` is the
API (`programmes` limits the text documents to the first N programmes by number, P101 first; the
CSV files always hold every record). This module owns what the corpus holds and where; how a
Farandole export is laid out is `orchestration.lib.ingest.farandole_writer`'s.
"""

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib.ingest.farandole import BLANK as NBSP
from orchestration.lib.ingest.farandole import DASH, PERSPECTIVES, WHITESPACE
from orchestration.lib.ingest.farandole_writer import (
    PAP,
    Column,
    Document,
    Indicator,
    Measure,
    Objective,
    write_farandole,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
SOURCE_RAW_DIR = PROJECT_DIR / "raw"
BASE_CSV = "pap/2025/plf-2025-performance.csv"
REAL_FILES = ("pap/2024/000_9fa5ff6774201ab1.txt", BASE_CSV)
BASE_VINTAGE = 2025  # the vintage of the real CSV
LAST_VINTAGE = 2025  # the newest synthetic vintage, unless that would start too early:
EARLIEST_VINTAGE = 2009  # a vintage prints V-3 … V+2; years before 2006 (first LOLF budget) break a rule
DEFAULT_OUT = Path("data/corpus")
DEFAULT_VINTAGES = 20
DEFAULT_SEED = 2025
NOISE = 0.12  # relative amplitude of the perturbation

EMPTY_CELL = DASH  # an empty cell: a dash, not a blank line (a blank is a separator in the format)
EMPTY_UNIT = "sans unité"

_YEAR_HEADER_RE = re.compile(r"(\d{4})(\s+.*)", re.DOTALL)
_YEAR_IN_TEXT_RE = re.compile(r"\b(19|20)\d\d\b")
_FRENCH_NUMBER_RE = re.compile(r"(-?)(\d{1,3}(?: \d{3})+|\d+)(?:,(\d+))?")
_LINE_BREAKS_RE = re.compile(r"\s*[\r\n]+\s*")
_HAS_LETTER_RE = re.compile(r"[^\W\d_]")

_SOURCES = (
    "tableau de suivi du responsable de programme",
    "système d’information financière de l’État (Chorus)",
    "enquête annuelle auprès des services déconcentrés",
    "rapports annuels d’activité des opérateurs du programme",
    "application de gestion des dossiers du programme",
    "données de l’Insee et du service statistique ministériel",
)
_FORMULAS = (
    "rapport entre le nombre de dossiers traités dans les délais et le nombre total de dossiers "
    "traités en année N.",
    "moyenne pondérée des résultats des services, chaque service étant pondéré par son volume "
    "d’activité de l’année N.",
    "numérateur : montant des dépenses constatées en année N ; dénominateur : nombre d’unités "
    "d’œuvre produites sur la même période.",
    "comptage des opérations achevées au 31 décembre de l’année N, quelle que soit leur date de lancement.",
    "écart entre la valeur constatée et la valeur de référence de l’année précédente, rapporté à "
    "cette dernière.",
)
_JUSTIFICATIONS = (
    "La cible tient compte de la trajectoire observée sur les derniers exercices et des moyens "
    "prévus par la loi de programmation.",
    "Les cibles sont reconduites : le niveau atteint est jugé satisfaisant et les efforts portent "
    "sur sa consolidation.",
    "La progression attendue repose sur la généralisation des outils numériques et sur la "
    "réorganisation des services.",
    "La cible intègre l’effet des mesures nouvelles annoncées ; elle sera réexaminée au vu des "
    "résultats de l’année en cours.",
)


# -- the base file --------------------------------------------------------------------------------


@dataclass
class _Indicator:
    number: str  # '1.2'
    label: str
    perspective: str | None
    rows: list[int]  # record indexes (0-based) in the base CSV


@dataclass
class _Objective:
    number: str
    label: str
    indicators: dict[str, _Indicator] = field(default_factory=dict)


@dataclass
class _Programme:
    code: str  # 'P352'
    number: str  # '352'
    label: str
    objectives: dict[str, _Objective] = field(default_factory=dict)


@dataclass
class _Base:
    header: list[str]
    rows: list[list[str]]
    year_columns: list[int]  # indexes of the year columns, in file order
    row_keys: list[str]  # the RNG key of each record (its sub-indicator id)
    percent: list[float | None]  # the scale a value stays within: 100 for '%', N for 'Note sur N'
    programmes: list[_Programme]
    measure_labels: list[str]  # per record, as printed in a text table
    units: list[str]  # per record, as printed in a text table


def _one_line(text: str) -> str:
    """A label or a cell on one line: line breaks (and the spaces around them) become one space."""
    return _LINE_BREAKS_RE.sub(" ", text).strip(WHITESPACE)


def _load_base(path: Path) -> _Base:
    text = path.read_bytes().decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True))
    header, rows = records[0], [r for r in records[1:] if r]
    col = {" ".join(name.split()).casefold(): i for i, name in enumerate(header)}

    def index(name: str) -> int:
        return col[name.casefold()]

    year_columns = [i for i, name in enumerate(header) if _YEAR_HEADER_RE.fullmatch(name.strip())]
    i_sector, i_pcode, i_plabel = index("Type de secteur"), index("Code Programme"), index("Programme")
    i_ocode, i_olabel = index("Code Objectif"), index("Libellé Objectif")
    i_icode, i_ilabel = index("Code Indicateur"), index("Libellé Indicateur")
    i_persp, i_sub = index("Facteur de performance"), index("Code Sous Indicateur")
    i_measure, i_unit = index("Libellé Sous Indicateur"), index("Unité")

    row_keys = [row[i_sub].strip() or f"record-{n}" for n, row in enumerate(rows, 1)]
    percent = [_scale(row[i_unit]) for row in rows]
    units = [_one_line(row[i_unit]) or EMPTY_UNIT for row in rows]
    programmes: dict[str, _Programme] = {}
    measure_labels = []
    for n, row in enumerate(rows):
        indicator_label = _one_line(row[i_ilabel])
        label = _one_line(row[i_measure])
        if not _HAS_LETTER_RE.search(label):
            label = indicator_label if _HAS_LETTER_RE.search(indicator_label) else f"Mesure {label}".strip()
        measure_labels.append(label)
        if row[i_sector].strip().lower() != "programme" or not row[i_pcode].strip():
            continue
        code = row[i_pcode].strip()
        programme = programmes.get(code)
        if programme is None:
            programme = programmes[code] = _Programme(code, code.lstrip("Pp"), _one_line(row[i_plabel]))
        objective_number = row[i_ocode].strip().rsplit("-", 1)[-1]
        objective = programme.objectives.get(objective_number)
        if objective is None:
            objective = programme.objectives[objective_number] = _Objective(
                objective_number, _one_line(row[i_olabel]) or "Objectif sans libellé"
            )
        parts = row[i_icode].strip().split("-")
        indicator_number = f"{parts[-2]}.{parts[-1]}"
        indicator = objective.indicators.get(indicator_number)
        if indicator is None:
            perspective = row[i_persp].strip().lower() or None
            indicator = objective.indicators[indicator_number] = _Indicator(
                indicator_number,
                indicator_label or "Indicateur sans libellé",
                perspective if perspective in PERSPECTIVES else None,
                [],
            )
        indicator.rows.append(n)
    return _Base(
        header=header,
        rows=rows,
        year_columns=year_columns,
        row_keys=row_keys,
        percent=percent,
        programmes=sorted(programmes.values(), key=lambda p: (len(p.number), p.number)),
        measure_labels=measure_labels,
        units=units,
    )


# -- values ---------------------------------------------------------------------------------------


def _scale(unit: str) -> float | None:
    """The bound a perturbed value must not cross: a share stays a share, a mark stays on its scale."""
    unit = unit.strip().lower()
    if unit == "%":
        return 100.0
    match = re.fullmatch(r"note sur (\d+)", unit)
    return float(match.group(1)) if match else None


def perturb(raw: str, u: float, percent: float | None = None) -> str:
    """`raw` times (1 + u) when it is a plain French number, printed in the same style; else `raw`.
    `percent`: the scale (100 for '%', N for 'Note sur N') a value already within it stays within."""
    m = _FRENCH_NUMBER_RE.fullmatch(raw)
    if m is None:
        return raw
    sign, integer, decimals = m.groups()
    grouped = " " in integer
    places = len(decimals) if decimals else 0
    value = float(integer.replace(" ", "") + (f".{decimals}" if decimals else ""))
    if sign:
        value = -value
    new = value * (1.0 + u)
    if percent and 0.0 <= value <= percent:
        new = min(max(new, 0.0), percent)
    return format_french(new, places, grouped)


def format_french(value: float, places: int, grouped: bool = False) -> str:
    """'1 234,5' style: decimal comma, `places` decimals, thousands by single spaces if `grouped`."""
    text = f"{abs(value):,.{places}f}" if grouped else f"{abs(value):.{places}f}"
    text = text.replace(",", " ").replace(".", ",")
    if value < 0 and any(ch in "123456789" for ch in text):
        text = "-" + text
    return text


def shift_year_header(name: str, delta: int) -> str:
    """'2024 Cible (PAP 2024)' shifted by `delta` years; any other column name unchanged."""
    if _YEAR_HEADER_RE.fullmatch(name.strip()) is None:
        return name
    return _YEAR_IN_TEXT_RE.sub(lambda m: str(int(m[0]) + delta), name)


def draws(seed: int, kind: str, vintage: int, key: str, count: int = 6) -> list[float]:
    """`count` (at most 8) numbers uniform in [-1, 1), from BLAKE2b of "<seed>/<kind>/<vintage>/<key>"."""
    digest = hashlib.blake2b(f"{seed}/{kind}/{vintage}/{key}".encode(), digest_size=8 * count).digest()
    return [int.from_bytes(digest[i : i + 8], "big") / 2**63 - 1.0 for i in range(0, 8 * count, 8)]


def _vintage_rows(base: _Base, vintage: int, seed: int) -> list[list[str]]:
    """The base records with their year cells perturbed for `vintage`."""
    out = []
    year_columns = base.year_columns
    for row, key, percent in zip(base.rows, base.row_keys, base.percent, strict=True):
        new = list(row)
        for i, u in zip(year_columns, draws(seed, "pap", vintage, key, len(year_columns)), strict=True):
            new[i] = perturb(row[i], NOISE * u, percent)
        out.append(new)
    return out


def _rap_cells(base: _Base, pap: list[str], n: int, vintage: int, seed: int) -> list[str]:
    """RAP V cells of record `n` from its PAP V cells p1…p6: p2, perturb(p3), p4, perturb(p4), p6."""
    u = draws(seed, "rap", vintage, base.row_keys[n], 2)
    percent = base.percent[n]
    p = [pap[i] for i in base.year_columns]
    return [p[1], perturb(p[2], NOISE * u[0], percent), p[3], perturb(p[3], NOISE * u[1], percent), p[5]]


# -- rendering ------------------------------------------------------------------------------------


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _cell_line(raw: str) -> str:
    return _one_line(raw) or EMPTY_CELL


def pap_columns(vintage: int) -> list[Column]:
    v = vintage
    return [Column(v - 3), Column(v - 2), Column(v - 1, f"Cible PAP {v - 1}")] + [
        Column(year, "Cible") for year in (v, v + 1, v + 2)
    ]


def rap_columns(vintage: int) -> list[Column]:
    v = vintage
    return [
        Column(v - 2),
        Column(v - 1),
        Column(v, f"Prévision PAP {v}"),
        Column(v, "Réalisation"),
        Column(v + 2, f"Cible PAP {v}"),
    ]


def _document(
    programme: _Programme,
    vintage: int,
    columns: list[Column],
    cells_of: dict[int, list[str]],
    base: _Base,
    seed: int,
    document_type: str,
) -> Document:
    """One programme's Farandole export, for `farandole_writer` (its PAP layout)."""

    def indicator(ind: _Indicator) -> Indicator:
        measures = [
            Measure(base.measure_labels[n], base.units[n], [_cell_line(v) for v in cells_of[n]])
            for n in ind.rows
        ]
        methodology = _methodology(programme, ind, vintage, seed, document_type)
        return Indicator(ind.number, ind.label, columns, measures, ind.perspective, methodology=methodology)

    objectives = [
        Objective(o.number, o.label, [indicator(i) for i in o.indicators.values()])
        for o in programme.objectives.values()
    ]
    return Document(vintage, programme.number, programme.label, objectives)


def _methodology(programme, indicator, vintage, seed, document_type) -> list[str]:
    """Three sections: Source des données, Mode de calcul, Justification des cibles."""
    code = f"{programme.code}-{indicator.number.replace('.', '-')}"
    u = draws(seed, "text", vintage, f"{document_type}/{code}", 4)

    def choice(options: tuple[str, ...], k: int) -> str:
        return options[int((u[k] + 1.0) / 2.0 * len(options)) % len(options)]

    paragraphs = [
        f"Source des données{NBSP}: {choice(_SOURCES, 0)} (document synthétique : valeurs du PLF "
        f"{BASE_VINTAGE} perturbées, indicateur {code}, {document_type} {vintage}){NBSP}",
        NBSP,
        f"Mode de calcul{NBSP}:{NBSP}{choice(_FORMULAS, 1)}",
    ]
    if u[2] < 0.0:
        paragraphs.append(
            f"Les valeurs de ce document sont synthétiques{NBSP}: celles du PLF {BASE_VINTAGE}, "
            f"multipliées par un facteur tiré au hasard (graine {seed}, millésime {vintage})."
        )
    return [*paragraphs, "Justification des cibles", choice(_JUSTIFICATIONS, 3)]


# -- the corpus -----------------------------------------------------------------------------------


def vintages_for(count: int) -> list[int]:
    if not 1 <= count <= 100:
        raise ValueError(f"vintages must be between 1 and 100, not {count}")
    first = max(EARLIEST_VINTAGE, LAST_VINTAGE - count + 1)
    return list(range(first, first + count))


def _check_out(raw_out: Path) -> None:
    source = SOURCE_RAW_DIR.resolve()
    target = raw_out.resolve()
    if target == source or source in target.parents or target in source.parents:
        raise ValueError(
            f"refusing to write the synthetic corpus to {raw_out}: it would mix with the shipped "
            f"sources in {SOURCE_RAW_DIR} (use an --out under data/)"
        )


def generate(
    out: Path,
    vintages: int = DEFAULT_VINTAGES,
    seed: int = DEFAULT_SEED,
    programmes: int | None = None,
    *,
    real: bool = True,
    source_dir: Path = SOURCE_RAW_DIR,
) -> dict:
    """Write the corpus under `out/raw` and return its summary (counts, bytes, seconds)."""
    started = time.perf_counter()
    out = Path(out)
    raw_out = out / "raw"
    _check_out(raw_out)
    years = vintages_for(vintages)
    base = _load_base(source_dir / BASE_CSV)
    chosen = base.programmes if programmes is None else base.programmes[: max(programmes, 0)]
    written: dict[str, int] = {}  # relpath -> bytes

    def write(relpath: str, data: bytes) -> None:
        path = raw_out / relpath
        # Unchanged bytes are not rewritten: a re-run keeps the files (and their mtimes) as they are.
        try:
            same = path.stat().st_size == len(data) and path.read_bytes() == data
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            same = False
        if not same:
            path.write_bytes(data)
        written[relpath] = len(data)

    summary = {
        "out": str(out),
        "raw_dir": str(raw_out),
        "seed": seed,
        "vintages": years,
        "programmes": len(chosen),
        "csv_files": 0,
        "csv_records": 0,
        "csv_cells": 0,
        "pap_text_documents": 0,
        "rap_text_documents": 0,
        "text_documents": 0,
        "text_measures": 0,
        "text_cells": 0,
        "methodology_sections": 0,
        "real_files": [],
    }
    for offset, vintage in enumerate(years):
        delta = vintage - BASE_VINTAGE
        rows = _vintage_rows(base, vintage, seed)
        header = [shift_year_header(name, delta) for name in base.header]
        write(f"pap/{vintage}/synthetic-plf-{vintage}-performance.csv", _csv_bytes(header, rows))
        summary["csv_files"] += 1
        summary["csv_records"] += len(rows)
        summary["csv_cells"] += len(rows) * len(base.year_columns)
        is_pap = offset % 2 == 0
        document_type = "PAP" if is_pap else "RAP"
        columns = pap_columns(vintage) if is_pap else rap_columns(vintage)
        for programme in chosen:
            numbers = [
                n for o in programme.objectives.values() for i in o.indicators.values() for n in i.rows
            ]
            if is_pap:
                cells_of = {n: [rows[n][i] for i in base.year_columns] for n in numbers}
            else:
                cells_of = {n: _rap_cells(base, rows[n], n, vintage, seed) for n in numbers}
            document = _document(programme, vintage, columns, cells_of, base, seed, document_type)
            text = write_farandole(document, PAP)
            write(f"{document_type.lower()}/{vintage}/synthetic-p{programme.number}.txt", text.encode())
            summary["pap_text_documents" if is_pap else "rap_text_documents"] += 1
            summary["text_documents"] += 1
            summary["text_measures"] += len(numbers)
            summary["text_cells"] += len(numbers) * len(columns)
            summary["methodology_sections"] += 3 * sum(len(o.indicators) for o in document.objectives)
    synthetic_bytes = sum(written.values())
    if real:
        for relpath in REAL_FILES:
            write(relpath, (source_dir / relpath).read_bytes())
            summary["real_files"].append(relpath)
    summary["carried_exceptions"] = _carry_exceptions(out / "exceptions.csv")
    summary["stale_files_removed"] = _remove_stale(raw_out, set(written))
    summary["files"] = len(written)
    summary["synthetic_bytes"] = synthetic_bytes
    summary["bytes"] = sum(written.values())
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    summary["seconds"] = round(time.perf_counter() - started, 3)
    return summary


def _carry_exceptions(target: Path) -> int:
    """The stewards' exceptions carried over to the synthetic twins of each excepted measure.

    A synthetic text document prints a CSV measure as `<indicator code>#<position>` (the Farandole
    format has no sub-indicator id), so an exception keyed by the sub-indicator id would not reach
    it. Point QUALITY_EXTRA_EXCEPTIONS at the file written here (make bench does)."""
    from orchestration.lib.ingest.opendata_csv import read_opendata_csv
    from orchestration.lib.quality import EXCEPTIONS_FILE, load_exceptions

    twins: dict[str, set[str]] = {}
    for cell in read_opendata_csv(SOURCE_RAW_DIR / BASE_CSV).cells:
        if cell.sector_type == "programme" and cell.sub_indicator_id is not None:
            twins.setdefault(str(cell.sub_indicator_id), set()).add(
                f"{cell.indicator_code}#{cell.measure_position}"
            )
    rows = [
        {**e, "measure_key": twin, "reviewed_by": f"corpus generator (carried from {e['measure_key']})"}
        for e in load_exceptions(EXCEPTIONS_FILE)
        for twin in sorted(twins.get(e["measure_key"], ()))
    ]
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["measure_key", "rule", "reason", "reviewed_by", "reviewed_on"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def _remove_stale(raw_out: Path, written: set[str]) -> int:
    """Delete our files of an earlier run that this run did not write; keep anything else."""
    removed = 0
    for dirpath, _dirnames, filenames in os.walk(raw_out, topdown=False):
        directory = Path(dirpath)
        for name in filenames:
            relpath = (directory / name).relative_to(raw_out).as_posix()
            if relpath not in written and ("synthetic" in name.lower() or relpath in REAL_FILES):
                (directory / name).unlink()
                removed += 1
        if directory != raw_out and not any(directory.iterdir()):
            directory.rmdir()
    return removed


def _print_summary(summary: dict) -> None:
    years = summary["vintages"]
    mb = summary["bytes"] / 1e6
    print(f"corpus {summary['raw_dir']} (vintages {years[0]}..{years[-1]}, seed {summary['seed']})")
    print(
        f"  files {summary['files']} ({mb:.1f} MB): {summary['csv_files']} CSV, "
        f"{summary['text_documents']} text ({summary['pap_text_documents']} PAP, "
        f"{summary['rap_text_documents']} RAP), {len(summary['real_files'])} real"
    )
    print(f"  CSV records {summary['csv_records']:,}, CSV cells {summary['csv_cells']:,}")
    print(
        f"  text measures {summary['text_measures']:,}, text cells {summary['text_cells']:,}, "
        f"methodology sections {summary['methodology_sections']:,}"
    )
    print(f"  {summary['seconds']:.2f} s; point RAW_DIR at {summary['raw_dir']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.tools.corpus",
        description="Write a synthetic corpus: the shipped sources + N synthetic PAP/RAP vintages.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default data/corpus)")
    parser.add_argument("--vintages", type=int, default=DEFAULT_VINTAGES, help="number of vintages (20)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (2025)")
    parser.add_argument("--programmes", type=int, default=None, help="text documents for N programmes only")
    parser.add_argument("--no-real", action="store_true", help="do not copy the two shipped files")
    args = parser.parse_args(argv)
    out = args.out if args.out.is_absolute() else PROJECT_DIR / args.out
    try:
        summary = generate(out, args.vintages, args.seed, args.programmes, real=not args.no_real)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_summary(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
