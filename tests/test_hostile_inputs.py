"""Hostile input: what the loader and the whole job do with files nobody should publish.

Every case is built by the test from copies of the real sources (`raw/` is never touched), loaded
next to the two shipped documents, and ends with the shipped documents' contract still exact
(`_assert_contract`: PAP-2024-P352 54 cells, 1 not_determined; PAP-2025 12,846 cells, 2,141 records,
1,979 sub-indicator ids; same rows as a load of `raw/` alone). Per-file cases run the loader alone
(`ingest` into an in-memory DuckDB; the quarantined ones of the first table side by side, a path
once per load); one full `make run` takes every
"accepted but hostile" file at once, plus two quarantined ones, and checks the marts, the HTML
reports and the Parquet exports. Outcomes: **accepted** (loaded, values as published), **quarantined**
(a row of `raw.rejected_document` whose error names the file and, when known, the line), **refused**
(the same, decided from the path before reading; the error starts with the path too). Cases already covered by `tests/test_ingest.py`
(file symlink out of RAW_DIR, loose file, `.xlsx`, text twin on a second run, folder/vintage
mismatch by moving the folder, cut before "Précisions méthodologiques") are not repeated.

| # | case (test id) | outcome |
|---|---|---|
| 1 | `zero_bytes_txt`: 0-byte `.txt` | quarantined, line 1: "empty file: expected a Farandole text export" |
| 2 | `zero_bytes_csv`: 0-byte `.csv` next to the good files | quarantined: "empty file (no content)" |
| 3 | `binary_random_txt`: 64 KiB of seeded random bytes | quarantined: "NUL bytes: binary or UTF-16" |
| 4 | `binary_png_csv`: a PNG signature and binary chunks | quarantined: "NUL bytes: binary or UTF-16" |
| 5 | `utf16_bom_txt`: the text export in UTF-16 with BOM | quarantined, line 1: "binary or UTF-16" |
| 6 | `utf16be_no_bom_csv`: the CSV in UTF-16-BE, no BOM | quarantined, line 1: "binary or UTF-16" |
| 7 | `nul_deep_in_csv`: one NUL byte 70 KB into the CSV | quarantined at its line: "NUL bytes" (**fixed**: only the first 64 KiB were looked at, the NUL landed in a label) |
| 8 | `mixed_encoding_csv`: UTF-8 CSV with one cp1252 `é` on line 2 | quarantined, line 2: "invalid UTF-8 (byte 0xe9) … mixed encodings?" (**fixed**: was decoded as cp1252 and blamed line 2088) |
| 9 | `mixed_encoding_txt`: UTF-8 text export with one cp1252 byte | quarantined at that line (**fixed**: was "no OBJECTIF in the document") |
| 10 | `neither_utf8_nor_cp1252_txt`: cp1252 text with a 0x81 byte | quarantined at its line: "neither UTF-8 nor cp1252 (byte 0x81)" |
| 11 | `control_chars_cp1252_txt`: cp1252 text holding ESC | quarantined at its line: "control character U+001B" |
| 12 | `nbsp_only_txt`: a file of only U+00A0 lines | quarantined at the last line: "no OBJECTIF in the document" |
| 13 | `csv_cut_mid_record`: CSV cut inside record 1000 | quarantined at that record's line (1004): "record 1000 has 4 fields, the header has 24" |
| 14 | `csv_cut_in_last_value`: CSV cut inside the last cell (`45` -> `4`) | quarantined, line 2177: "does not end with a line break" (**fixed**: the shortened value was accepted) |
| 15 | `csv_header_only`: the CSV cut after its header | quarantined: "no indicator cell in the file" (**fixed**: an empty document was loaded) |
| 16 | `text_cut_mid_table`: text export cut after 3 cells of a measure | quarantined at the last line: "table cut short" |
| 17 | `text_cut_after_objective`: text export cut after the first objective | quarantined: "no indicator cell in the file" (**fixed**: was loaded with 0 cells) |
| 18 | `csv_unknown_value_kind`: header `2025 Estimation` | quarantined, line 1: "unknown value kind in column header qualifier 'Estimation'" |
| 19 | `text_unknown_value_kind`: qualifier `(Estimation)` | quarantined at the qualifier's line |
| 20 | `text_in_other_vintage_folder`: the 2024 export relabelled P353 (not a copy) in `pap/2025/`, next to the CSV | quarantined, line 1 (the `annee#` marker): "vintage mismatch: the headers say 2024 (annee#2024), the folder pap/2025/ says 2025" |
| 21 | `indicator_of_other_objective`: `2.1` printed under objective 1 | quarantined at its line: "does not belong to the current objective 1" |
| 22 | `duplicate_indicator`: `1.2` printed twice | quarantined at the second: "duplicate indicator 1.2, first at line 93" |
| 23 | `semicolon_unquoted_in_label` | quarantined at the record's line: "record 5 has 25 fields, the header has 24" |
| 24 | `unterminated_quote_repeated`: a label of 100,001 `"`, never closed | quarantined at the record's line: "unterminated quoted field" |
| 25-30 | `sub_id[1e10 / 99999999999999999999 / -5 / 1_000 / ٣ / nan]`: odd `Code Sous Indicateur` | quarantined, line 2: "is not an integer id" (**fixed**: `1e10`, `-5`, `1_000`, `٣` were accepted; the 20-digit id crashed the whole load with a DuckDB ConversionException, every file lost) |
| 31 | `text_too_many_lines`: 300,000 short lines | quarantined: "not a Farandole export of one programme (at most 200,000 lines)" (**fixed**, see 47) |
| 32 | `file_over_256_mb` (sparse) | quarantined before reading: "file larger than 268435456 bytes" |
| 33 | `twin_csv_sorts_after` (fresh warehouse) | the twin quarantined: "duplicate document PAP-2025: already provided by pap/2025/plf-2025-performance.csv" |
| 34 | `twin_csv_sorts_first_known_document` (warehouse already holds PAP-2025) | the twin quarantined, the loaded file keeps its document |
| 35 | `twin_csv_sorts_first_fresh_warehouse` | first file by path wins: the **shipped file** is quarantined as the duplicate (counts hold, one value is the twin's): documented, nothing can tell which is "real" |
| 36 | `symlink_folder_outside`: `pap/2026` -> a folder outside RAW_DIR | refused: "pap/2026: refused: link to the folder …, not followed" (**fixed**: silently skipped, its files never seen) |
| 37 | `symlink_relative_dotdot`: `pap/2026/x.csv` -> `../../../outside.csv` | refused: "outside RAW_DIR" |
| 38 | `dangling_symlink` | refused: "not a regular file" (was quarantined with the OS error at read time) |
| 39 | `fifo`: a named pipe `pap/2026/pipe.csv` | refused: "not a regular file" (**fixed**: the read blocked the load forever) |
| 40 | `directory_named_like_a_file`: `pap/2026/fake.csv/inner.csv` and an empty `x.txt/` | the inner file refused ("not in a <pap\\|rap>/<vintage year>/ folder"); the empty folder ignored |
| 41 | `unreadable_chmod_000` | as root: accepted (root reads it); otherwise quarantined "Permission denied" |
| 42 | `hostile_labels_csv` (quotes, `;`, SQL, `<script>`, `=cmd\\|…` in labels and a cell) | accepted, labels and the cell stored verbatim; the cell `unparsed` |
| 43 | `hostile_labels_txt` (same in a text export: programme, objective, indicator, measure labels) | accepted, verbatim |
| 44 | `crlf_bom_mix_txt`: BOM + CRLF, LF and lone CR mixed | accepted: same cells, same lines as the shipped export |
| 45 | `cp1252_txt`: the export in Windows-1252 | accepted, encoding cp1252, same cells |
| 46 | `csv_five_year_columns` (PLF 2026 headers, `2028 Cible` dropped) | accepted: 10,705 cells (5 per record) |
| 47 | `garbage` (4 MB each here, 50 MB in `make bench`, in a process of its own): `.txt` of short lines, `.csv` of text, random bytes | quarantined each; `make bench`: peak RSS < 800 MB on 50 MB (measured ~350 MB, 1-5 s; a CSV in no known layout is refused on its header line, before its body is parsed) (**fixed**: 50 MB of short lines as `.txt` took 2.9 GB and 27 s) |
| 48 | `big_csv`: 10,000 records here, 200,000 (85 MB) in `make bench`, rebuilt from the real ones, fresh ids, year headers of 2030, `pap/2030/` | accepted, exactly 60,000 cells (1,200,000 in `make bench`: measured ~26-29 s, peak RSS printed; no timed assert) |
| 49 | `label_1_mb` text: a 1,000,000-character measure label in a text export | accepted, verbatim |
| 50 | `label_1_mb` CSV: the same in the CSV | quarantined, line 2: "field larger than field limit (131072)" (Python's csv limit) |
| 51 | `label_of_100k_quotes`: a label of 100,000 `"` (200,002 in the file) | accepted, verbatim |
| 52 | `unicode_file_name`: `PLF 2026 – perf « été » ✓.CSV` in `PAP/2026/` (the CSV, its year headers shifted to 2026) | accepted, `source_file` verbatim |
| 53 | `symlink_inside_raw_dir`: `pap/2026/x.csv` -> `../../.originals/plf-2026.csv` (PLF 2026 headers) | accepted as PAP-2026 (a link inside RAW_DIR is read; the hidden folder `.originals/` it points into is not); `pap/2026/x.csv` -> `../2025/plf-2025-performance.csv`: quarantined, "copy of pap/2025/plf-2025-performance.csv (PAP-2025): the same bytes" (**fixed**: was loaded as PAP-2026, the 2025 values under another vintage) |
| 54 | `text_cut_at_measure_boundary` | accepted with the cells before the cut: a cut between two measures cannot be told from a shorter table (limitation; `cell_count` shows it) |
| 55 | full run (`make run`) with 42, 43, a twin and a linked folder | exit status non-zero only for the (non-blocking) `no_rejected_documents` check; both printed as `QUARANTINED <file>: …`; marts contract exact; labels verbatim in raw, marts, `marts.duckdb` and Parquet (typed strings); scorecard escapes everything and has no `<script>` but its own `scorecard.js`; no payload markup in Data Docs (the values do not appear there) or dbt docs; JSON summary holds the cell as data |
| 56 | same run, `quality-summary.md` | the hostile cell is listed, escaped the markdown way (a backslash before `<`): inert in a Markdown viewer that passes raw HTML, readable in a text editor |

The hypothesis properties of the cell parser (never raises, keeps the raw text, round-trips every
number it formats in French) are in `tests/test_cells.py`.
"""

import csv
import html.parser
import io
import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.ingest.loader import ingest
from orchestration.lib.ingest.opendata_csv import read_opendata_csv
from orchestration.tools.corpus import shift_year_header

from .conftest import CSV_FILE, RAW_DIR, SEED_FILE, make_run, shared_run

SEED_REL = "pap/2024/000_9fa5ff6774201ab1.txt"
CSV_REL = "pap/2025/plf-2025-performance.csv"
SHIPPED = ["PAP-2024-P352", "PAP-2025"]


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A writable copy of the PAP sources only: a hostile file needs good neighbours to prove they
    still land, not the whole RAP history (five more files to read in every case)."""
    target = tmp_path / "raw"
    shutil.copytree(RAW_DIR / "pap", target / "pap")
    return target


# The hostile strings: HTML/JS, attribute breaking, CSV formulas (DDE), SQL, quotes and semicolons.
SCRIPT = '<script>alert("xss")</script>'
IMG = '"><img src=x onerror=alert(1)>'
FORMULA = "=cmd|' /C calc'!A0"
SQL = "'); DROP TABLE raw.indicator_cell; --"
QUOTES = '« l\'"État" » ; point-virgule ; ""doubled""'
HOSTILE_LABELS = {
    "programme": f"{SCRIPT} Programme {QUOTES}",
    "mission": f"{IMG} Mission {SQL}",
    "objective": f"{FORMULA} Objectif {SCRIPT}",
    "indicator": f"@SUM(1+1)*cmd|' /C calc'!A0 Indicateur {IMG}",
    "measure": f"+1+cmd|' /C calc'!A0 Mesure {SQL} {SCRIPT} {QUOTES}",
    "measure2": f"-2+3 Mesure {IMG} {FORMULA}",
}
HOSTILE_CELL = f"{FORMULA} {SCRIPT}"  # a year cell: stored verbatim, classified `unparsed`
PAYLOAD_MARKERS = ("alert(", "onerror=", "cmd|")


# --- helpers ----------------------------------------------------------------------------------------


def seed_text() -> str:
    return SEED_FILE.read_bytes().decode("utf-8")


def csv_bytes() -> bytes:
    return CSV_FILE.read_bytes()


def csv_rows(vintage: int = 2025) -> list[list[str]]:
    """The PLF 2025 CSV's rows; for another vintage its year headers say that vintage (a file must
    lie in the folder of the vintage its headers name)."""
    text = csv_bytes().decode("utf-8-sig")
    header, *records = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    return [[shift_year_header(name, vintage - 2025) for name in header], *records]


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def start_of_line(data: bytes, line: int) -> int:
    """Byte offset of a 1-based physical line (lines end with LF)."""
    pos = 0
    for _ in range(line - 1):
        pos = data.index(b"\n", pos) + 1
    return pos


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line equal to `needle` once stripped (text exports pad with U+00A0)."""
    seen = 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip(" \t\r\xa0") == needle:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} not in the text")


def replace_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


def seed_for(vintage: int, programme: int | None = None) -> str:
    text = seed_text().replace("annee#2024", f"annee#{vintage}")
    return text if programme is None else text.replace("numProg#352", f"numProg#{programme}")


def load(raw: Path, con: duckdb.DuckDBPyConnection | None = None):
    con = con or duckdb.connect()
    return ingest(con, raw), con


def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


_CELL_FINGERPRINT = (
    "select * exclude (source_file) from raw.indicator_cell where document_id in ('PAP-2024-P352', 'PAP-2025') "
    "order by document_id, source_line, column_position"
)


@pytest.fixture(scope="module")
def shipped_cells(tmp_path_factory) -> list[tuple]:
    """The shipped PAP documents' rows, as a load of raw/pap alone gives them."""
    raw = tmp_path_factory.mktemp("shipped") / "raw"
    shutil.copytree(RAW_DIR / "pap", raw / "pap")
    report, con = load(raw)
    assert sorted(report.loaded) == SHIPPED and report.rejected == []
    return rows(con, _CELL_FINGERPRINT)


def _assert_contract(con, shipped_cells: list[tuple] | None = None) -> None:
    """The shipped documents keep exactly their cells."""
    assert rows(
        con,
        "select count(*), count(*) filter (value_status = 'not_determined') from raw.indicator_cell "
        "where document_id = 'PAP-2024-P352'",
    ) == [(54, 1)]
    assert rows(
        con,
        "select count(*), count(distinct record_number), count(distinct sub_indicator_id) "
        "from raw.indicator_cell where document_id = 'PAP-2025'",
    ) == [(12846, 2141, 1979)]
    if shipped_cells is not None:
        assert rows(con, _CELL_FINGERPRINT) == shipped_cells


def _rejection(report, relpath: str):
    found = [r for r in report.rejected if r.source_file == relpath]
    assert len(found) == 1, [(r.source_file, r.error) for r in report.rejected]
    return found[0]


def _assert_quarantined(report, con, relpath: str, fragment: str, line: int | type(...) | None = ...):
    r = _rejection(report, relpath)
    assert r.error.startswith(f"{relpath}:"), r.error
    assert fragment in r.error, r.error
    if line is not ...:
        assert r.error_line == line, (r.error_line, r.error)
        if line is not None:
            assert r.error.startswith(f"{relpath}:{line}: "), r.error
    stored = rows(con, "select error_line, error from raw.rejected_document where source_file = ?", [relpath])
    assert stored == [(r.error_line, r.error)]
    assert sorted(report.loaded) == SHIPPED
    assert rows(con, "select count(*) from raw.source_document where source_file = ?", [relpath]) == [(0,)]


# --- builders of the hostile files -------------------------------------------------------------------


def _random_bytes(n: int, seed: int = 6) -> bytes:
    return random.Random(seed).randbytes(n)


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _random_bytes(4096, 7)


def _nul_deep() -> bytes:
    data = csv_bytes()
    at = data.index(b"\n", 70_000) - 3
    return data[:at] + b"\x00" + data[at:]


def _mixed_csv() -> bytes:
    data = csv_bytes()
    return data.replace(b"(OMP)", b"(OMP) \xe9", 1)  # line 2


def _mixed_txt() -> bytes:
    return seed_for(2026).encode("utf-8").replace(b"\nNb\n", b"\nNb \xe9\n", 1)


def _with_0x81() -> bytes:
    return seed_for(2026).encode("cp1252").replace(b"\nNb\n", b"\nNb \x81\n", 1)


def _with_escape() -> bytes:
    return seed_for(2026).encode("cp1252").replace(b"\nNb\n", b"\nNb \x1b[31m\n", 1)


def _first_nb_line() -> int:
    return line_of(seed_text(), "Nb")


def _cut_mid_record() -> bytes:
    data = csv_bytes()
    return data[: start_of_line(data, _record_line(1000)) + 25]


def _record_line(record: int) -> int:
    """Physical line where a record of the real CSV starts."""
    doc = read_opendata_csv(CSV_FILE, csv_bytes())
    return next(c.source_line for c in doc.cells if c.record_number == record)


def _cut_in_last_value() -> bytes:
    data = csv_bytes()
    assert data.endswith(b";45\r\n")
    return data[: -len(b"5\r\n")]


def _header_only() -> bytes:
    return csv_bytes().split(b"\n", 1)[0] + b"\n"


def _text_cut_mid_table() -> str:
    text = seed_for(2026)
    lines = text.split("\n")
    first_value = line_of(text, "Nb") + 2  # the first cell of indicator 1.1's measure
    return "\n".join(lines[: first_value + 4])  # 3 cells and blank lines


def _text_cut_after_objective() -> str:
    text = seed_for(2026)
    return "\n".join(text.split("\n")[:18])


def _csv_unknown_kind() -> bytes:
    return csv_bytes().replace(b";2025 Cible;", b";2025 Estimation;", 1)


def _text_unknown_kind() -> str:
    text = seed_for(2026)
    return replace_line(text, line_of(text, "(Cible)"), "(Estimation)")


def _indicator_of_other_objective() -> str:
    text = seed_for(2026)
    line = next(i for i, s in enumerate(text.split("\n"), 1) if s.startswith("1.2 "))
    return replace_line(text, line, text.split("\n")[line - 1].replace("1.2 ", "2.1 ", 1))


def _duplicate_indicator() -> str:
    text = seed_for(2026)
    line = next(i for i, s in enumerate(text.split("\n"), 1) if s.startswith("1.3 "))
    return replace_line(text, line, text.split("\n")[line - 1].replace("1.3 ", "1.2 ", 1))


def _unquoted_semicolon() -> bytes:
    data = csv_bytes()
    at = start_of_line(data, 6)
    end = data.index(b"\n", at)
    line = data[at:end]
    fields = line.split(b";")
    fields[15] = fields[15] + b" ; x"  # 'Libellé Sous Indicateur', not quoted
    return data[:at] + b";".join(fields) + data[end:]


def _unterminated_quotes() -> bytes:
    data = csv_bytes()
    at = start_of_line(data, 6)
    fields = data[at : data.index(b"\n", at)].split(b";")
    start = at + sum(len(f) + 1 for f in fields[:15])
    return data[:start] + b'"' * 100_001 + data[start:]


def _sub_id(bad: str):
    def build() -> bytes:
        return csv_bytes().replace(b";21046.0;", f";{bad};".encode(), 1)

    return build


def _too_many_lines() -> str:
    return seed_for(2026) + "\nx" * 300_000


def _twin_csv() -> bytes:
    return csv_bytes().replace(b";67;50;8;", b";68;50;8;", 1)


# id, relative path, builder, expected fragment, expected line (... = not checked)
QUARANTINED = [
    ("zero_bytes_txt", "pap/2026/empty.txt", lambda: b"", "empty file: expected a Farandole text export", 1),
    ("zero_bytes_csv", "pap/2026/empty.csv", lambda: b"", "empty file (no content)", None),
    ("binary_random_txt", "pap/2026/random.txt", lambda: _random_bytes(65536), "NUL bytes: binary or UTF-16", ...),
    ("binary_png_csv", "pap/2026/image.csv", _png, "NUL bytes: binary or UTF-16", 3),
    ("utf16_bom_txt", "pap/2026/utf16.txt", lambda: seed_for(2026).encode("utf-16"), "binary or UTF-16", 1),
    ("utf16be_no_bom_csv", "pap/2026/utf16.csv", lambda: csv_bytes().decode("utf-8-sig").encode("utf-16-be"), "binary or UTF-16", 1),
    ("nul_deep_in_csv", "pap/2026/nul.csv", _nul_deep, "NUL bytes", 175),
    ("mixed_encoding_csv", "pap/2026/mixed.csv", _mixed_csv, "invalid UTF-8 (byte 0xe9) in a file that is otherwise UTF-8", 2),
    ("mixed_encoding_txt", "pap/2026/mixed.txt", _mixed_txt, "invalid UTF-8 (byte 0xe9)", "nb"),
    ("neither_utf8_nor_cp1252_txt", "pap/2026/x81.txt", _with_0x81, "neither UTF-8 nor cp1252 (byte 0x81)", "nb"),
    ("control_chars_cp1252_txt", "pap/2026/esc.txt", _with_escape, "control character U+001B", "nb"),
    ("nbsp_only_txt", "pap/2026/nbsp.txt", lambda: "\xa0\n".encode() * 500, "no OBJECTIF in the document", 500),
    ("csv_cut_mid_record", "pap/2026/cut.csv", _cut_mid_record, "record 1000 has 4 fields, the header has 24", "record1000"),
    ("csv_cut_in_last_value", "pap/2026/cut.csv", _cut_in_last_value, "record 2141 does not end with a line break", 2177),
    ("csv_header_only", "pap/2026/header.csv", _header_only, "no indicator cell in the file", None),
    ("text_cut_mid_table", "pap/2026/cut.txt", _text_cut_mid_table, "table cut short", ...),
    ("text_cut_after_objective", "pap/2026/cut.txt", _text_cut_after_objective, "no indicator cell in the file", None),
    ("csv_unknown_value_kind", "pap/2026/kind.csv", _csv_unknown_kind, "unknown value kind in column header qualifier 'Estimation'", 1),
    ("text_unknown_value_kind", "pap/2026/kind.txt", _text_unknown_kind, "unknown value kind in column header qualifier '(Estimation)'", "estimation"),
    ("text_in_other_vintage_folder", "pap/2025/000_p353.txt", lambda: seed_for(2024, 353), "vintage mismatch: the headers say 2024 (annee#2024), the folder pap/2025/ says 2025", 1),
    ("indicator_of_other_objective", "pap/2026/p352.txt", _indicator_of_other_objective, "indicator 2.1 does not belong to the current objective 1", ...),
    ("duplicate_indicator", "pap/2026/p352.txt", _duplicate_indicator, "duplicate indicator 1.2, first at line 93", ...),
    ("semicolon_unquoted_in_label", "pap/2026/semi.csv", _unquoted_semicolon, "record 5 has 25 fields, the header has 24", 6),
    ("unterminated_quote_repeated", "pap/2026/quotes.csv", _unterminated_quotes, "unterminated quoted field", 6),
    *[
        (f"sub_id[{bad}]", "pap/2026/ids.csv", _sub_id(bad), f"record 1: 'Code Sous Indicateur' is not an integer id: {bad!r}", 2)
        for bad in ("1e10", "99999999999999999999", "-5", "1_000", "٣", "nan")
    ],
    ("text_too_many_lines", "pap/2026/long.txt", _too_many_lines, "not a Farandole export of one programme (at most 200,000 lines)", None),
    ("twin_csv_sorts_after", "pap/2025/zz-plf-2025-performance.csv", _twin_csv, f"duplicate document PAP-2025: already provided by {CSV_REL}", None),
]  # fmt: skip


def _expected_line(data: bytes, line):
    if line == "nb":
        return _first_nb_line()
    if line == "estimation":
        return line_of(data.decode("utf-8"), "(Estimation)")
    if line == "record1000":
        return _record_line(1000)
    return line


@pytest.fixture(scope="module")
def quarantined_loads(tmp_path_factory) -> dict[str, tuple]:
    """The QUARANTINED files loaded next to the shipped PAP sources, as few loads as their paths
    allow (a path once per load; 6 loads, not 31, each reading the shipped documents again):
    {case id: (report, connection, the file's bytes, the shipped documents' rows)}."""
    batches: list[dict[str, tuple]] = []
    for case in QUARANTINED:
        batch = next((b for b in batches if case[1] not in b), None)
        if batch is None:
            batches.append(batch := {})
        batch[case[1]] = case
    loads = {}
    for batch in batches:
        raw = tmp_path_factory.mktemp("quarantined") / "raw"
        shutil.copytree(RAW_DIR / "pap", raw / "pap")
        files = {}
        for case_id, relpath, build, *_ in batch.values():
            data = build()
            files[case_id] = data.encode("utf-8") if isinstance(data, str) else data
            (raw / relpath).parent.mkdir(parents=True, exist_ok=True)
            (raw / relpath).write_bytes(files[case_id])
        report, con = load(raw)
        cells = rows(con, _CELL_FINGERPRINT)  # read once per load: 12,900 rows
        loads |= {case_id: (report, con, data, cells) for case_id, data in files.items()}
    yield loads
    for _report, con, *_ in loads.values():
        con.close()


@pytest.mark.xdist_group("quarantined_loads")  # one worker builds the loads
@pytest.mark.parametrize(
    ("case_id", "relpath", "fragment", "line"),
    [pytest.param(case[0], case[1], *case[3:], id=case[0]) for case in QUARANTINED],
)
def test_quarantined(quarantined_loads, shipped_cells, case_id, relpath, fragment, line):
    """Each file is quarantined with the documented error (file and line); the shipped ones land intact."""
    report, con, data, cells = quarantined_loads[case_id]
    _assert_quarantined(report, con, relpath, fragment, _expected_line(data, line))
    _assert_contract(con)
    assert cells == shipped_cells


def test_file_over_256_mb_is_quarantined_unread(raw_copy, shipped_cells):
    """A sparse 257 MB file: quarantined from its size alone ("file larger than 268435456 bytes")."""
    path = raw_copy / "pap" / "2026" / "huge.csv"
    path.parent.mkdir()
    with path.open("wb") as handle:
        handle.truncate(257 * 1024 * 1024)
    report, con = load(raw_copy)
    _assert_quarantined(report, con, "pap/2026/huge.csv", "file larger than 268435456 bytes", None)
    _assert_contract(con, shipped_cells)


# --- the same document twice --------------------------------------------------------------------------


def test_twin_sorting_first_cannot_take_a_loaded_document(raw_copy, shipped_cells):
    """Warehouse already holding PAP-2025: a changed copy sorting first is the one quarantined."""
    report, con = load(raw_copy)
    assert sorted(report.loaded) == SHIPPED
    (raw_copy / "pap" / "2025" / "a-copy.csv").write_bytes(_twin_csv())
    report, con = load(raw_copy, con)
    r = _rejection(report, "pap/2025/a-copy.csv")
    assert r.error == f"pap/2025/a-copy.csv: duplicate document PAP-2025: already provided by {CSV_REL}"
    assert report.loaded == [] and sorted(report.unchanged) == SHIPPED
    _assert_contract(con, shipped_cells)


def test_twin_sorting_first_on_a_fresh_warehouse_wins(raw_copy, shipped_cells):
    """Fresh warehouse, both files new: the first by path provides PAP-2025 and the shipped file is
    quarantined as the duplicate, naming the other. Documented: no content tells which is "real";
    the counts hold, the one changed value is the twin's."""
    (raw_copy / "pap" / "2025" / "a-copy.csv").write_bytes(_twin_csv())
    report, con = load(raw_copy)
    r = _rejection(report, CSV_REL)
    assert r.error == f"{CSV_REL}: duplicate document PAP-2025: already provided by pap/2025/a-copy.csv"
    _assert_contract(con)  # counts only: one value differs
    assert rows(con, "select value_raw from raw.indicator_cell where record_number = 1 and year = 2022") == [
        ("68",)
    ]


# --- links, pipes, folders, permissions ---------------------------------------------------------------


def test_symlinked_folder_outside_raw_dir_is_refused(raw_copy, tmp_path, shipped_cells):
    """`pap/2026` -> a folder outside RAW_DIR holding a valid export: refused, named, not followed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(CSV_FILE, outside / "plf-2026-performance.csv")
    os.symlink(outside, raw_copy / "pap" / "2026")
    report, con = load(raw_copy)
    _assert_quarantined(report, con, "pap/2026", "refused: link to the folder", None)
    assert str(outside) in _rejection(report, "pap/2026").error
    _assert_contract(con, shipped_cells)


def test_relative_symlink_escaping_raw_dir_is_refused(raw_copy, tmp_path, shipped_cells):
    """`pap/2026/x.csv` -> `../../../outside.csv` (a relative link climbing out): refused."""
    shutil.copy(CSV_FILE, tmp_path / "outside.csv")
    (raw_copy / "pap" / "2026").mkdir()
    os.symlink("../../../outside.csv", raw_copy / "pap" / "2026" / "x.csv")
    assert (raw_copy / "pap" / "2026" / "x.csv").exists()
    report, con = load(raw_copy)
    _assert_quarantined(report, con, "pap/2026/x.csv", "outside RAW_DIR", None)
    _assert_contract(con, shipped_cells)


def test_dangling_symlink_is_refused(raw_copy, shipped_cells):
    (raw_copy / "pap" / "2026").mkdir()
    os.symlink("gone.csv", raw_copy / "pap" / "2026" / "x.csv")
    report, con = load(raw_copy)
    _assert_quarantined(report, con, "pap/2026/x.csv", "not a regular file", None)
    _assert_contract(con, shipped_cells)


def test_named_pipe_is_refused_without_blocking(raw_copy, shipped_cells):
    """A FIFO named like an export: refused before any read (reading it would wait forever)."""
    import signal

    (raw_copy / "pap" / "2026").mkdir()
    os.mkfifo(raw_copy / "pap" / "2026" / "pipe.csv")
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("ingest blocked on a FIFO")))
    signal.alarm(30)
    try:
        report, con = load(raw_copy)
    finally:
        signal.alarm(0)
    _assert_quarantined(report, con, "pap/2026/pipe.csv", "not a regular file", None)
    _assert_contract(con, shipped_cells)


def test_directory_named_like_a_file(raw_copy, shipped_cells):
    """`pap/2026/fake.csv/inner.csv`: refused (one folder too deep); an empty folder `x.txt`: ignored."""
    (raw_copy / "pap" / "2026" / "fake.csv").mkdir(parents=True)
    (raw_copy / "pap" / "2026" / "x.txt").mkdir()
    shutil.copy(CSV_FILE, raw_copy / "pap" / "2026" / "fake.csv" / "inner.csv")
    report, con = load(raw_copy)
    assert [r.source_file for r in report.rejected] == ["pap/2026/fake.csv/inner.csv"]
    _assert_quarantined(
        report, con, "pap/2026/fake.csv/inner.csv", "not in a <pap|rap>/<vintage year>/ folder", None
    )
    _assert_contract(con, shipped_cells)


def test_unreadable_file(raw_copy, shipped_cells):
    """chmod 000. Honest outcome: as root (this container, CI images) the file is read and accepted;
    for any other user it is quarantined with the OS error ("Permission denied")."""
    path = raw_copy / "pap" / "2026" / "locked.txt"
    path.parent.mkdir()
    path.write_text(seed_for(2026), encoding="utf-8")
    path.chmod(0)
    try:
        report, con = load(raw_copy)
    finally:
        path.chmod(0o644)
    if os.geteuid() == 0:
        assert sorted(report.loaded) == [*SHIPPED, "PAP-2026-P352"] and report.rejected == []
    else:
        _assert_quarantined(report, con, "pap/2026/locked.txt", "Permission denied", None)
    _assert_contract(con, shipped_cells)


# --- accepted -----------------------------------------------------------------------------------------


def hostile_csv() -> bytes:
    """Two records of a made-up programme P999 (vintage 2019, fresh ids), every label hostile, values
    valid for every `error` rule, one cell hostile (unparsed, a `warn`)."""
    header, *records = csv_rows()
    years = [  # a PLF 2019's: its headers name the vintage of its folder
        "2016 Réalisation",
        "2017 Réalisation",
        "2018 Cible (PAP 2018)",
        "2019 Cible",
        "2020 Cible",
        "2021 Cible",
    ]
    header = header[:18] + years
    col = {name: i for i, name in enumerate(header)}
    template = next(r for r in records if r[col["Type de secteur"]] == "Programme" and r[col["Unité"]] == "%")
    out = [header]
    for n, (label, unit, values) in enumerate(
        [
            (HOSTILE_LABELS["measure"], "%", ["12,5", "50", "60", "70", "75", HOSTILE_CELL]),
            (HOSTILE_LABELS["measure2"], "Nb", ["5", "6", "7", "8", "9", "10"]),
        ],
        1,
    ):
        record = list(template)
        record[col["code_mission_et_indicateur"]] = "ZZ-P999-1-1"
        record[col["Code Mission"]] = "ZZ"
        record[col["Mission"]] = HOSTILE_LABELS["mission"]
        record[col["Code Programme"]] = "P999"
        record[col["Programme"]] = HOSTILE_LABELS["programme"]
        record[col["Code Objectif"]] = "P999-1"
        record[col["Libellé Objectif"]] = HOSTILE_LABELS["objective"]
        record[col["Code Indicateur"]] = "P999-1-1"
        record[col["Libellé Indicateur"]] = HOSTILE_LABELS["indicator"]
        record[col["Code Sous Indicateur"]] = f"{990000 + n}.0"
        record[col["Libellé Sous Indicateur"]] = label
        record[col["Unité"]] = unit
        record[18:24] = values
        out.append(record)
    return to_csv(out)


def hostile_txt() -> str:
    """The P352 export turned into programme P998, vintage 2026, its labels hostile."""
    text = seed_for(2026, 998)
    text = re.sub(
        r"libelleProg#[^)]*\)", lambda _: f"libelleProg#{HOSTILE_LABELS['programme']})", text, count=1
    )
    lines = text.split("\n")
    objective = next(i for i, s in enumerate(lines) if s.startswith("1 – "))
    lines[objective] = f"1 – {HOSTILE_LABELS['objective']}"
    indicator = next(i for i, s in enumerate(lines) if s.startswith("1.1 – "))
    lines[indicator] = f"1.1 – {HOSTILE_LABELS['indicator']}"
    measure = line_of(text, "Nb") - 3  # the label, a blank line, then the unit
    assert lines[measure].startswith("Nombre de produits")
    lines[measure] = HOSTILE_LABELS["measure"]
    return "\n".join(lines)


def _add(raw: Path, relpath: str, data: bytes | str) -> Path:
    path = raw / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _cells(con, document_id: str) -> list[tuple]:
    return rows(
        con,
        "select source_line, column_position, indicator_code, measure_position, measure_label, unit_raw, "
        "column_header, year, value_kind, value_raw, value_status, value_numeric from raw.indicator_cell "
        "where document_id = ? order by source_line, column_position",
        [document_id],
    )


def _accepted(raw: Path, shipped_cells, *extra: str):
    report, con = load(raw)
    assert report.rejected == [], [r.error for r in report.rejected]
    assert sorted(report.loaded) == sorted([*SHIPPED, *extra])
    _assert_contract(con, shipped_cells)
    return con


def test_hostile_labels_csv_are_stored_verbatim(raw_copy, shipped_cells):
    _add(raw_copy, "pap/2019/hostile-labels.csv", hostile_csv())
    con = _accepted(raw_copy, shipped_cells, "PAP-2019")
    got = rows(
        con,
        "select distinct programme_label, mission_label, objective_label, indicator_label, measure_label "
        "from raw.indicator_cell where document_id = 'PAP-2019' order by measure_label",
    )
    h = HOSTILE_LABELS
    assert got == sorted(
        [
            (h["programme"], h["mission"], h["objective"], h["indicator"], m)
            for m in (h["measure"], h["measure2"])
        ],
        key=lambda r: r[4],
    )
    assert rows(con, "select value_status from raw.indicator_cell where value_raw = ?", [HOSTILE_CELL]) == [
        ("unparsed",)
    ]


def test_hostile_labels_txt_are_stored_verbatim(raw_copy, shipped_cells):
    _add(raw_copy, "pap/2026/p998-hostile.txt", hostile_txt())
    con = _accepted(raw_copy, shipped_cells, "PAP-2026-P998")
    h = HOSTILE_LABELS
    assert rows(
        con, "select programme_label from raw.source_document where document_id = 'PAP-2026-P998'"
    ) == [(h["programme"],)]
    assert rows(
        con,
        "select distinct objective_label, indicator_label, measure_label from raw.indicator_cell "
        "where document_id = 'PAP-2026-P998' and indicator_number = '1.1'",
    ) == [(h["objective"], h["indicator"], h["measure"])]
    assert rows(con, "select count(*) from raw.indicator_cell where document_id = 'PAP-2026-P998'") == [(54,)]


def _mixed_line_endings(text: str) -> bytes:
    """Each line break at random CRLF, LF or CR (a CR never directly followed by an LF: that is a CRLF)."""
    rng = random.Random(11)
    body = ""
    for line in text.split("\n")[:-1]:
        choices = ["\r\n", "\r"] if body.endswith("\r") and not line else ["\r\n", "\n", "\r"]
        body += line + rng.choice(choices)
    return b"\xef\xbb\xbf" + (body + text.split("\n")[-1]).encode("utf-8")


def test_crlf_bom_mix_gives_the_same_cells(raw_copy, shipped_cells):
    """BOM + CRLF, LF and lone CR mixed at random: accepted, same cells on the same lines."""
    _add(raw_copy, "pap/2026/mixed-eol.txt", _mixed_line_endings(seed_for(2026)))
    con = _accepted(raw_copy, shipped_cells, "PAP-2026-P352")
    assert _cells(con, "PAP-2026-P352") == _cells(con, "PAP-2024-P352")


def test_windows_1252_text_is_accepted(raw_copy, shipped_cells):
    _add(raw_copy, "pap/2026/cp1252.txt", seed_for(2026).encode("cp1252"))
    con = _accepted(raw_copy, shipped_cells, "PAP-2026-P352")
    assert rows(con, "select encoding from raw.source_document where document_id = 'PAP-2026-P352'") == [
        ("cp1252",)
    ]
    assert _cells(con, "PAP-2026-P352") == _cells(con, "PAP-2024-P352")


def test_csv_with_five_year_columns(raw_copy, shipped_cells):
    header, *records = csv_rows(2026)
    drop = header.index("2028 Cible")
    trimmed = [[v for i, v in enumerate(r) if i != drop] for r in [header, *records]]
    _add(raw_copy, "pap/2026/five-years.csv", to_csv(trimmed))
    con = _accepted(raw_copy, shipped_cells, "PAP-2026")
    assert rows(
        con,
        "select count(*), count(distinct column_position), max(year) from raw.indicator_cell "
        "where document_id = 'PAP-2026'",
    ) == [(5 * 2141, 5, 2027)]


def _with_label(label: str) -> bytes:
    header, *records = csv_rows(2026)
    records[0][header.index("Libellé Sous Indicateur")] = label
    return to_csv([header, *records])


def test_label_of_100k_quotes_is_stored_verbatim(raw_copy, shipped_cells):
    """A label of 100,000 `"` (200,002 in the file, quoted and doubled): accepted, verbatim."""
    label = '"' * 100_000
    _add(raw_copy, "pap/2026/quotes.csv", _with_label(label))
    con = _accepted(raw_copy, shipped_cells, "PAP-2026")
    assert rows(
        con,
        "select distinct measure_label from raw.indicator_cell where document_id = 'PAP-2026' and record_number = 1",
    ) == [(label,)]


def test_label_of_1_mb_in_a_text_export_is_stored_verbatim(raw_copy, shipped_cells):
    label = "<b>x</b>" * 125_000
    text = seed_for(2026)
    _add(raw_copy, "pap/2026/long-label.txt", replace_line(text, line_of(text, "Nb") - 2, label))
    con = _accepted(raw_copy, shipped_cells, "PAP-2026-P352")
    assert rows(
        con,
        "select distinct measure_label from raw.indicator_cell where document_id = 'PAP-2026-P352' "
        "and indicator_number = '1.1'",
    ) == [(label,)]


def test_label_of_1_mb_in_a_csv_is_quarantined(raw_copy, shipped_cells):
    """Python's csv field limit (131,072 characters) stops it: quarantined at the record's line."""
    _add(raw_copy, "pap/2026/long-label.csv", _with_label("x" * 1_000_000))
    report, con = load(raw_copy)
    _assert_quarantined(report, con, "pap/2026/long-label.csv", "field larger than field limit (131072)", 2)
    _assert_contract(con, shipped_cells)


def test_unicode_file_name_is_kept(raw_copy, shipped_cells):
    relpath = "PAP/2026/PLF 2026 – perf « été » ✓.CSV"
    _add(raw_copy, relpath, to_csv(csv_rows(2026)))
    con = _accepted(raw_copy, shipped_cells, "PAP-2026")
    assert rows(con, "select source_file from raw.source_document where document_id = 'PAP-2026'") == [
        (relpath,)
    ]
    assert rows(
        con, "select distinct source_file from raw.indicator_cell where document_id = 'PAP-2026'"
    ) == [(relpath,)]


def test_symlink_inside_raw_dir_is_read(raw_copy, shipped_cells):
    """A link that stays inside RAW_DIR is an ordinary file: read, accepted under its folder's vintage
    when its headers say that vintage."""
    _add(raw_copy, ".originals/plf-2026.csv", to_csv(csv_rows(2026)))  # a hidden folder: not read itself
    (raw_copy / "pap" / "2026").mkdir()
    os.symlink("../../.originals/plf-2026.csv", raw_copy / "pap" / "2026" / "x.csv")
    con = _accepted(raw_copy, shipped_cells, "PAP-2026")
    assert rows(con, "select count(*) from raw.indicator_cell where document_id = 'PAP-2026'") == [(12846,)]


def test_symlink_inside_raw_dir_to_a_loaded_file_is_a_copy(raw_copy, shipped_cells):
    """`pap/2026/x.csv` -> `../2025/plf-2025-performance.csv`: the same bytes as PAP-2025, so a copy,
    not PAP-2026 (its headers say 2025 too): refused, naming the file it repeats."""
    (raw_copy / "pap" / "2026").mkdir()
    os.symlink("../2025/plf-2025-performance.csv", raw_copy / "pap" / "2026" / "x.csv")
    report, con = load(raw_copy)
    _assert_quarantined(report, con, "pap/2026/x.csv", f"copy of {CSV_REL} (PAP-2025): the same bytes", None)
    _assert_contract(con, shipped_cells)


def test_text_cut_at_a_measure_boundary_is_undetectable(raw_copy, shipped_cells):
    """Limitation, documented: a cut exactly between two measures leaves a well-formed shorter table.
    The file is accepted with the cells before the cut; the cell count in raw.source_document shows it."""
    text = seed_for(2026)
    lines = text.split("\n")
    _add(raw_copy, "pap/2026/cut.txt", "\n".join(lines[:262]))
    con = _accepted(raw_copy, shipped_cells, "PAP-2026-P352")
    assert rows(con, "select cell_count from raw.source_document where document_id = 'PAP-2026-P352'") == [
        (24,)
    ]
    assert _cells(con, "PAP-2026-P352") == _cells(con, "PAP-2024-P352")[:24]


# --- big files ----------------------------------------------------------------------------------------

# Sizes that keep what the 50 MB files and the 200,000-row CSV check (the garbage's short lines
# are more than a text export may hold; a CSV far larger than the shipped one) at a tenth or less of the
# bytes. Their full size, the loader's time and peak RSS (the bar: < 800 MB on the 50 MB garbage),
# are `make bench`'s (orchestration/tools/bench.py, `loader_stress`).
GARBAGE_BYTES = 4 * 1024 * 1024
BIG_CSV_RECORDS = 10_000


def test_garbage_is_quarantined(raw_copy):
    """Three garbage files: short text lines as `.txt`, text as `.csv`, seeded random bytes as
    `.txt`. Each quarantined with a clear error."""
    from orchestration.tools.bench import write_garbage

    write_garbage(raw_copy / "pap" / "2026", GARBAGE_BYTES)
    report, con = load(raw_copy)
    assert sorted(report.loaded) == SHIPPED
    rejected = {r.source_file: r.error for r in report.rejected}
    assert set(rejected) == {"pap/2026/garbage.txt", "pap/2026/garbage.csv", "pap/2026/random.txt"}
    assert "not a Farandole export of one programme" in rejected["pap/2026/garbage.txt"]
    assert "missing required column(s)" in rejected["pap/2026/garbage.csv"]
    assert "NUL bytes: binary or UTF-16" in rejected["pap/2026/random.txt"]
    assert dict(rows(con, "select document_id, count(*) from raw.indicator_cell group by 1")) == {
        "PAP-2024-P352": 54,
        "PAP-2025": 12846,
    }


def test_big_csv_is_accepted(raw_copy):
    """10,000 records rebuilt from the real ones (fresh sub-indicator ids) in `pap/2030/`: accepted,
    exactly 60,000 cells."""
    from orchestration.tools.bench import write_big_csv

    write_big_csv(raw_copy / "pap" / "2030" / "plf-2030-performance.csv", BIG_CSV_RECORDS)
    report, con = load(raw_copy)
    assert report.rejected == []
    assert dict(rows(con, "select document_id, count(*) from raw.indicator_cell group by 1")) == {
        "PAP-2024-P352": 54,
        "PAP-2025": 12846,
        "PAP-2030": 6 * BIG_CSV_RECORDS,
    }


# --- the whole job ------------------------------------------------------------------------------------


class _Markup(html.parser.HTMLParser):
    """Every start tag and attribute name of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [name for name, _ in attrs]))

    def handle_data(self, data):
        self.text.append(data)


def _markup(page: str) -> _Markup:
    parser = _Markup()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One `make run` on the shipped PAP sources plus the accepted hostile files (P999 CSV, P998 text),
    a changed twin of the CSV and a symlinked folder out of RAW_DIR (both quarantined)."""

    def build(base: Path) -> None:
        raw = base / "raw"
        shutil.copytree(RAW_DIR / "pap", raw / "pap")
        _add(raw, "pap/2019/hostile-labels.csv", hostile_csv())
        _add(raw, "pap/2026/p998-hostile.txt", hostile_txt())
        _add(raw, "pap/2025/zz-plf-2025-performance.csv", _twin_csv())
        outside = base / "outside"
        outside.mkdir()
        shutil.copy(CSV_FILE, outside / "plf-2027-performance.csv")
        os.symlink(outside, raw / "pap" / "2027")
        result = make_run(base / "data", raw)
        (base / "result.json").write_text(
            json.dumps({"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr})
        )

    base = shared_run(tmp_path_factory, "hostile_run", build)
    kept = json.loads((base / "result.json").read_text())
    return base / "data", subprocess.CompletedProcess(["make", "run"], **kept)


def test_full_run_quarantines_clearly_and_keeps_the_contract(hostile_run):
    data, result = hostile_run
    out = result.stdout + result.stderr
    # The only failing check is the quarantine's: the run says so and names both files.
    assert "FAILED  raw/rejected_document · no_rejected_documents" in out, out[-3000:]
    assert len(re.findall(r"^\s+FAILED ", result.stdout, re.M)) == 1, out[-3000:]
    assert (
        "QUARANTINED pap/2025/zz-plf-2025-performance.csv: duplicate document PAP-2025: "
        f"already provided by {CSV_REL}" in out
    )
    assert f"QUARANTINED pap/2027: refused: link to the folder {data.parent / 'outside'}, not followed" in out
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        _assert_contract(con)
        assert rows(
            con,
            "select document_id from raw.source_document order by 1",
        ) == [("PAP-2019",), ("PAP-2024-P352",), ("PAP-2025",), ("PAP-2026-P998",)]
    with duckdb.connect(str(data / "marts.duckdb"), read_only=True) as con:
        assert rows(
            con,
            "select count(*) from marts.fct_indicator_value where document_id in ('PAP-2024-P352', 'PAP-2025')",
        ) == [(11934,)]
        assert rows(
            con,
            "select attainment_status, target_value, target_document_id, realisation_value, "
            "realisation_document_id from marts.fct_target_attainment where measure_key = '30157' and year = 2023",
        ) == [("met", 6.0, "PAP-2024-P352", 6.0, "PAP-2025")]
        assert rows(
            con,
            "select first_value, latest_value from marts.fct_target_revision "
            "where measure_key = '30157' and year = 2025 and value_kind = 'target'",
        ) == [(7.0, 5.0)]


def test_full_run_keeps_hostile_labels_verbatim_in_marts_and_parquet(hostile_run):
    data, _result = hostile_run
    h = HOSTILE_LABELS
    expected = {
        "dim_programme": ("programme_label", "programme_code in ('P998', 'P999')", {h["programme"]}),
        "dim_objective": ("objective_label", "objective_code in ('P998-1', 'P999-1')", {h["objective"]}),
        "dim_indicator": ("indicator_label", "indicator_code in ('P998-1-1', 'P999-1-1')", {h["indicator"]}),
        "dim_measure": (
            "measure_label",
            "indicator_code in ('P998-1-1', 'P999-1-1')",
            {h["measure"], h["measure2"]},
        ),
    }
    for db in ("warehouse.duckdb", "marts.duckdb"):
        with duckdb.connect(str(data / db), read_only=True) as con:
            for table, (column, where, values) in expected.items():
                got = {r[0] for r in rows(con, f"select {column} from marts.{table} where {where}")}
                assert got == values, (db, table, got)
            assert rows(
                con, "select value_status from marts.fct_indicator_value where value_raw = ?", [HOSTILE_CELL]
            ) == [("unparsed",)]
    # Parquet: plain strings, read back equal (nothing evaluates a formula in a typed column).
    with duckdb.connect() as con:
        for table, (column, where, values) in expected.items():
            path = data / "exports" / f"{table}.parquet"
            got = {
                r[0] for r in rows(con, f"select {column} from read_parquet(?) where {where}", [str(path)])
            }
            assert got == values, (table, got)
            [(kind,)] = rows(
                con,
                "select type from parquet_schema(?) where name = ?",
                [str(path), column],
            )
            assert kind == "BYTE_ARRAY"
        assert rows(
            con,
            "select count(*) from read_parquet(?) where value_raw = ?",
            [str(data / "exports" / "fct_indicator_value.parquet"), HOSTILE_CELL],
        ) == [(1,)]


def test_full_run_escapes_hostile_labels_in_every_html_report(hostile_run):
    data, _result = hostile_run
    reports = data / "reports"
    scorecard = sorted((reports / "scorecard").glob("*.html"))
    data_docs = sorted((reports / "data-docs").rglob("*.html"))
    dbt_docs = [reports / "dbt-docs" / "index.html"]
    assert scorecard and data_docs and dbt_docs[0].exists()
    shown = False
    for page in [*scorecard, *data_docs, *dbt_docs]:
        text = page.read_text(encoding="utf-8")
        # The payloads never arrive as markup: no script element, no event handler, no injected img.
        assert SCRIPT not in text and IMG not in text, page
        assert not re.search(r"<img\s+src=x", text, re.I), page
        parsed = _markup(text)
        for tag, attributes in parsed.tags:
            assert not (tag == "img" and "onerror" in attributes), page
        if page.parent.name == "scorecard":
            # the scorecard's one script is its own file (the filters), never one a payload brings
            assert re.findall(r"<script\b[^>]*>", text, re.I) == ['<script src="scorecard.js" defer>'], page
            assert [t for t, _ in parsed.tags if t == "script"] == ["script"], page
            if any(marker in "".join(parsed.text) for marker in PAYLOAD_MARKERS):
                shown = True
                # escaped: the page's text (after entity decoding) holds the label as published
                assert "&lt;script&gt;" in text, page
    assert shown, "the hostile labels should appear (escaped) in the scorecard"
    p999 = (reports / "scorecard" / "P999.html").read_text(encoding="utf-8")
    assert HOSTILE_LABELS["measure"] in "".join(_markup(p999).text)


def test_full_run_quality_summary_json_holds_the_hostile_cell_as_data(hostile_run):
    """The hostile cell breaks the `warn` rule cell_not_unparsed: the JSON summary lists it as a string."""
    data, _result = hostile_run
    summary = json.loads((data / "reports" / "quality-summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "passed_with_warnings"
    [rule] = [r for r in summary["rules"] if r["rule"] == "cell_not_unparsed"]
    assert HOSTILE_CELL in [row.get("value_raw") for row in rule["rows"]]


def test_full_run_quality_summary_md_escapes_markup(hostile_run):
    data, _result = hostile_run
    md = (data / "reports" / "quality-summary.md").read_text(encoding="utf-8")
    assert "alert(" in md  # the hostile row is listed...
    # ...escaped the markdown way (\<script\> is text); the template's own code spans aside
    assert re.search(r"(?<!\\)<", re.sub(r"`[^`]*`", "", md)) is None
    assert "&lt;" not in md and "&#" not in md  # no HTML entity to read in a text editor
