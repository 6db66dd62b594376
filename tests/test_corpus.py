"""The synthetic corpus generator (orchestration.tools.corpus), on small corpora."""

import csv
import hashlib
import io
import re
from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

from orchestration.lib.duckdb_io import connection
from orchestration.lib.ingest.farandole import WHITESPACE, read_farandole
from orchestration.lib.ingest.loader import ingest
from orchestration.lib.ingest.opendata_csv import read_opendata_csv
from orchestration.tools import corpus
from orchestration.tools.corpus import format_french, generate, perturb, shift_year_header

from .conftest import CSV_FILE, PROJECT_DIR, SEED_FILE

VINTAGES = 2  # 2024 (PAP texts) and 2025 (RAP texts)
PROGRAMMES = 5
SEED = 7
CSV_RECORDS = 2141
_FRENCH_NUMBER = re.compile(r"(-?)(\d{1,3}(?: \d{3})+|\d+)(?:,(\d+))?")


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("corpus")
    return out, generate(out, VINTAGES, SEED, PROGRAMMES)


@pytest.fixture(scope="module")
def loaded(small, tmp_path_factory) -> tuple[Path, list]:
    """The small corpus loaded into a fresh warehouse: (database, rejections)."""
    out, _summary = small
    db = tmp_path_factory.mktemp("warehouse") / "w.duckdb"
    with connection(db) as con:
        report = ingest(con, out / "raw")
    return db, report.rejected


def _files(raw: Path) -> dict[str, Path]:
    return {p.relative_to(raw).as_posix(): p for p in sorted(raw.rglob("*")) if p.is_file()}


def _digests(raw: Path) -> dict[str, str]:
    return {rel: hashlib.sha256(p.read_bytes()).hexdigest() for rel, p in _files(raw).items()}


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))


def test_summary_and_layout(small):
    out, summary = small
    files = _files(out / "raw")
    assert sorted(files) == sorted(
        [
            "pap/2024/000_9fa5ff6774201ab1.txt",
            "pap/2024/synthetic-plf-2024-performance.csv",
            "pap/2025/plf-2025-performance.csv",
            "pap/2025/synthetic-plf-2025-performance.csv",
            *[f"pap/2024/synthetic-p{n}.txt" for n in (101, 102, 103, 104, 105)],
            *[f"rap/2025/synthetic-p{n}.txt" for n in (101, 102, 103, 104, 105)],
        ]
    )
    assert summary["vintages"] == [2024, 2025]
    assert summary["files"] == len(files) == 14
    assert summary["csv_files"] == 2
    assert summary["csv_records"] == 2 * CSV_RECORDS
    assert summary["csv_cells"] == 2 * CSV_RECORDS * 6
    assert (summary["pap_text_documents"], summary["rap_text_documents"], summary["text_documents"]) == (
        5,
        5,
        10,
    )
    assert summary["bytes"] == sum(p.stat().st_size for p in files.values())
    assert summary["real_files"] == list(corpus.REAL_FILES)
    # The real files are copied byte for byte.
    assert files["pap/2024/000_9fa5ff6774201ab1.txt"].read_bytes() == SEED_FILE.read_bytes()
    assert files["pap/2025/plf-2025-performance.csv"].read_bytes() == CSV_FILE.read_bytes()


def test_every_file_is_read_and_counts_match_the_summary(small):
    out, summary = small
    csv_records = csv_cells = text_cells = methodology = 0
    measures = set()
    for rel, path in _files(out / "raw").items():
        if "synthetic" not in rel:
            continue
        if rel.endswith(".csv"):
            doc = read_opendata_csv(path)
            csv_records += len({c.record_number for c in doc.cells})
            csv_cells += len(doc.cells)
        else:
            doc = read_farandole(path, document_type=rel[:3].upper())
            assert doc.vintage_year == int(rel.split("/")[1])
            text_cells += len(doc.cells)
            methodology += len(doc.methodology)
            measures |= {(rel, c.indicator_code, c.measure_position) for c in doc.cells}
    assert csv_records == summary["csv_records"]
    assert csv_cells == summary["csv_cells"]
    assert text_cells == summary["text_cells"]
    assert len(measures) == summary["text_measures"]
    assert methodology == summary["methodology_sections"]


def test_the_loader_takes_everything_as_synthetic(small, loaded):
    _out, summary = small
    db, rejected = loaded
    assert rejected == []
    with connection(db, read_only=True) as con:
        rows = con.execute(
            "select document_id, source_file, source_format, is_synthetic, cell_count, methodology_count "
            "from raw.source_document order by 1"
        ).fetchall()
        rejected = con.execute("select count(*) from raw.rejected_document").fetchone()[0]
    assert rejected == 0
    assert len(rows) == summary["files"]
    real = [r for r in rows if not r[3]]
    assert [r[0] for r in real] == ["PAP-2024-P352", "PAP-2025"]
    synthetic = [r for r in rows if r[3]]
    assert all(r[0].startswith("SYN-") and "synthetic" in r[1] for r in synthetic)
    assert {r[0] for r in synthetic} >= {
        "SYN-PAP-2024",
        "SYN-PAP-2025",
        "SYN-PAP-2024-P101",
        "SYN-RAP-2025-P105",
    }
    assert sum(r[4] for r in synthetic if r[2] == "opendata_csv") == summary["csv_cells"]
    assert sum(r[4] for r in synthetic if r[2] == "farandole_text") == summary["text_cells"]
    assert sum(r[5] for r in synthetic) == summary["methodology_sections"]


def test_same_seed_same_bytes_other_seed_other_values(small, tmp_path):
    out, _summary = small
    first = _digests(out / "raw")
    again = tmp_path / "again"
    generate(again, VINTAGES, SEED, PROGRAMMES)
    assert _digests(again / "raw") == first
    other = tmp_path / "other"
    generate(other, VINTAGES, SEED + 1, PROGRAMMES)
    changed = {rel for rel, digest in _digests(other / "raw").items() if digest != first[rel]}
    assert changed == {rel for rel in first if "synthetic" in rel}


def test_rerun_rewrites_nothing_and_removes_only_its_own_stale_files(tmp_path):
    out = tmp_path / "c"
    generate(out, 2, SEED, 2)
    raw = out / "raw"
    foreign = raw / "pap" / "2024" / "notes.txt"
    foreign.write_text("kept")
    mtimes = {rel: p.stat().st_mtime_ns for rel, p in _files(raw).items()}
    generate(out, 2, SEED, 2)
    assert {rel: p.stat().st_mtime_ns for rel, p in _files(raw).items()} == mtimes
    summary = generate(out, 1, SEED, 2, real=False)
    # The 2024 CSV and PAP texts, the 2025 RAP texts (2025 is now a PAP vintage), the real copies.
    assert summary["stale_files_removed"] == 1 + 2 + 2 + 2
    assert sorted(_files(raw)) == [
        "pap/2024/notes.txt",
        "pap/2025/synthetic-p101.txt",
        "pap/2025/synthetic-p102.txt",
        "pap/2025/synthetic-plf-2025-performance.csv",
    ]


def test_refuses_to_write_into_the_shipped_sources():
    with pytest.raises(ValueError, match="shipped sources"):
        generate(PROJECT_DIR, 1, SEED, 1)


def test_csv_is_relabelled_and_perturbed_in_the_french_style(small):
    out, _summary = small
    real = _csv_rows(CSV_FILE)
    for vintage in (2024, 2025):
        path = out / "raw" / "pap" / str(vintage) / f"synthetic-plf-{vintage}-performance.csv"
        data, real_data = path.read_bytes(), CSV_FILE.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert data.count(b"\r\n") == real_data.count(b"\r\n")
        assert data.count(b'"') == real_data.count(b'"')
        rows = _csv_rows(path)
        v = vintage
        assert rows[0][-6:] == [
            f"{v - 3} Réalisation",
            f"{v - 2} Réalisation",
            f"{v - 1} Cible (PAP {v - 1})",
            f"{v} Cible",
            f"{v + 1} Cible",
            f"{v + 2} Cible",
        ]
        assert rows[0][:-6] == real[0][:-6]
        assert len(rows) == len(real) == CSV_RECORDS + 1
        numeric = changed = 0
        for new, old in zip(rows[1:], real[1:], strict=True):
            assert new[:-6] == old[:-6]  # labels, codes, units untouched
            for a, b in zip(new[-6:], old[-6:], strict=True):
                mb = _FRENCH_NUMBER.fullmatch(b)
                if mb is None:
                    assert a == b  # 'Sans objet', '>10', 'En hausse', '' … kept as they are
                    continue
                numeric += 1
                changed += a != b
                ma = _FRENCH_NUMBER.fullmatch(a)
                assert ma is not None, (a, b)
                assert len(ma[3] or "") == len(mb[3] or "")  # same number of decimals
                if " " not in mb[2]:
                    assert " " not in ma[2]
        assert numeric > 9000
        assert changed > numeric / 2


def test_mission_rows_repeating_a_programme_row_keep_its_values(small):
    out, _summary = small
    rows = _csv_rows(out / "raw" / "pap" / "2025" / "synthetic-plf-2025-performance.csv")
    header = rows[0]
    i_sub = header.index("Code Sous Indicateur")
    values = defaultdict(set)
    for row in rows[1:]:
        values[row[i_sub]].add(tuple(row[-6:]))
    assert all(len(v) == 1 for v in values.values())


def test_perturb_and_format():
    assert perturb("Sans objet", 0.1) == "Sans objet"
    assert perturb(">10", 0.1) == ">10"
    assert perturb("En hausse", -0.1) == "En hausse"
    assert perturb("2 à 4,5", 0.1) == "2 à 4,5"
    assert perturb("", 0.1) == ""
    assert perturb("12,5", 0.2) == "15,0"
    assert perturb("1 700", 0.1) == "1 870"
    assert perturb("1 700", -0.5) == "850"
    assert perturb("1700", 0.1) == "1870"
    assert perturb("-4,25", 0.1) == "-4,68"
    assert perturb("0", 0.1) == "0"
    assert perturb("99", 0.1, percent=100.0) == "100"
    assert perturb("9,5", 0.2, percent=10.0) == "10,0"  # a mark on 10 stays on its scale
    assert perturb("99", 0.1, percent=None) == "109"
    assert format_french(-0.001, 2) == "0,00"
    assert format_french(1234567.891, 1, grouped=True) == "1 234 567,9"
    assert shift_year_header("2024 Cible (PAP 2024)", -10) == "2014 Cible (PAP 2014)"
    assert shift_year_header("Code Programme", -10) == "Code Programme"


def _skeleton(lines: list[str]) -> list[tuple[str, int]]:
    """The non-blank lines as classes, each with the number of blank lines that follows it."""
    out: list[tuple[str, int]] = []
    in_header = False
    for line in lines:
        if line == "":
            if out:
                out[-1] = (out[-1][0], out[-1][1] + 1)
            continue
        s = line.strip(WHITESPACE)
        if not s:
            kind = "nbsp"
        elif s.startswith("$@FwLOVariable("):
            kind = "var:" + s[15 : s.index("#")]
        elif s in ("OBJECTIF", "INDICATEUR", "Unité", "Précisions méthodologiques"):
            kind = s
        elif re.fullmatch(r"\d+ – .+", s):
            kind = "objective"
        elif re.fullmatch(r"\d+\.\d+ – .+", s):
            kind = "indicator"
        elif s.startswith("(du point de vue"):
            kind = "perspective"
        elif in_header and re.fullmatch(r"\d{4}", s):
            kind = "year"
        elif in_header and s.startswith("("):
            kind = "qualifier"
        elif re.match(r"(Source des données|Mode de calcul|Justification des cibles)", s):
            kind = "heading"
        else:
            kind = "text"
        in_header = kind in ("Unité", "year", "qualifier")
        out.append((kind, 0))
    return out


def test_text_documents_are_laid_out_like_the_seed(small):
    out, _summary = small
    seed_text = SEED_FILE.read_text(encoding="utf-8")
    seed_lines = seed_text.split("\n")
    seed_skeleton = _skeleton(seed_lines)
    seed_pairs = set(pairwise(seed_skeleton))
    for rel, path in _files(out / "raw").items():
        if not (rel.endswith(".txt") and "synthetic" in rel):
            continue
        data = path.read_bytes()
        assert b"\r" not in data and not data.endswith(b"\n")
        text = data.decode("utf-8")
        lines = text.split("\n")
        # The padded keyword lines, the U+00A0 lines and the header lines are the seed's own.
        for line in lines:
            if (
                line.startswith(("OBJECTIF", "INDICATEUR"))
                or line in ("Unité",)
                or not line.strip(WHITESPACE)
            ):
                assert line in seed_lines, repr(line)
            if "(du point de vue" in line:
                assert line.startswith("\xa0\xa0\xa0\xa0 (du point de vue d")
        assert lines[6:12] == seed_lines[6:12]  # enteteSousTitre, title
        # A blank line after every line but a year followed by its qualifier.
        for a, b in pairwise(lines):
            if a and b:
                assert re.fullmatch(r"\d{4}", a) and re.fullmatch(r"\(.+\)", b), (rel, a, b)
        # Every succession of line kinds (and blank runs between them) occurs in the seed.
        skeleton = _skeleton(lines)
        pairs = set(pairwise(skeleton))
        assert pairs <= seed_pairs, (rel, pairs - seed_pairs)


def test_text_tables_hold_the_csv_values_of_their_vintage(small):
    out, _summary = small
    raw = out / "raw"
    pap_csv = read_opendata_csv(raw / "pap" / "2024" / "synthetic-plf-2024-performance.csv")
    rap_csv = read_opendata_csv(raw / "pap" / "2025" / "synthetic-plf-2025-performance.csv")

    def programme_rows(doc, code):
        rows = defaultdict(list)
        for c in doc.cells:
            if c.programme_code == code and c.sector_type == "programme":
                rows[c.record_number].append(c.value_raw.strip() or "–")
        return list(rows.values())

    for number in (101, 102, 103, 104, 105):
        code = f"P{number}"
        pap = read_farandole(raw / "pap" / "2024" / f"synthetic-p{number}.txt")
        assert [(c.year, c.value_kind) for c in pap.cells[:6]] == [
            (2021, "realisation"),
            (2022, "realisation"),
            (2023, "target_of_record"),
            (2024, "target"),
            (2025, "target"),
            (2026, "target"),
        ]
        expected = programme_rows(pap_csv, code)
        assert [c.value_raw for c in pap.cells] == [v for row in expected for v in row]
        rap = read_farandole(raw / "rap" / "2025" / f"synthetic-p{number}.txt", document_type="RAP")
        assert [(c.column_header, c.value_kind) for c in rap.cells[:5]] == [
            ("2023", "realisation"),
            ("2024", "realisation"),
            ("2025 (Prévision PAP 2025)", "target_of_record"),
            ("2025 (Réalisation)", "realisation"),
            ("2027 (Cible PAP 2025)", "target"),  # a multi-year target set by an earlier PAP
        ]
        rap_rows = [rap.cells[k : k + 5] for k in range(0, len(rap.cells), 5)]
        csv_rows = programme_rows(rap_csv, code)
        assert len(rap_rows) == len(csv_rows)
        for cells, row in zip(rap_rows, csv_rows, strict=True):
            assert cells[0].value_raw == row[1]
            assert cells[2].value_raw == row[3]
            assert cells[4].value_raw == row[5]
            if _FRENCH_NUMBER.fullmatch(row[3]) is None:
                assert cells[3].value_raw == row[3]
        # Same measures in the PAP and the RAP: targets and realisations meet on 2024 and 2025.
        assert [(c.indicator_code, c.measure_position) for c in pap.cells[::6]] == [
            (row[0].indicator_code, row[0].measure_position) for row in rap_rows
        ]


def test_every_measure_gets_a_target_and_a_realisation(loaded):
    db, _rejected = loaded
    with connection(db, read_only=True) as con:
        both, total = con.execute(
            """
            with text as (
                select c.indicator_code, c.measure_position, c.year, d.document_type, c.value_kind
                from raw.indicator_cell c join raw.source_document d using (document_id)
                where d.is_synthetic and d.source_format = 'farandole_text'
            ),
            met as (
                select distinct t.indicator_code, t.measure_position
                from text t join text r using (indicator_code, measure_position, year)
                where t.document_type = 'PAP' and t.value_kind = 'target'
                  and r.document_type = 'RAP' and r.value_kind = 'realisation'
            )
            select (select count(*) from met),
                   (select count(distinct (indicator_code, measure_position)) from text)
            """
        ).fetchone()
    assert total > 0 and both == total


def test_every_programme_renders_readably(tmp_path):
    """One vintage, all 144 programmes: odd labels (line breaks, empty) and empty cells stay readable."""
    summary = generate(tmp_path / "c", 1, SEED, real=False)
    assert summary["text_documents"] == 144
    texts = sorted((tmp_path / "c" / "raw" / "pap" / "2025").glob("synthetic-p*.txt"))
    assert len(texts) == 144
    cells = Counter()
    for path in texts:
        for c in read_farandole(path).cells:
            cells[c.value_raw == "–"] += 1
    assert sum(cells.values()) == summary["text_cells"]
    assert cells[True] > 0  # empty CSV cells became '–', never a blank line


def test_cli_prints_a_summary(tmp_path, capsys):
    assert (
        corpus.main(["--out", str(tmp_path / "c"), "--vintages", "1", "--programmes", "1", "--no-real"]) == 0
    )
    printed = capsys.readouterr().out
    assert "CSV records 2,141" in printed and "text" in printed
