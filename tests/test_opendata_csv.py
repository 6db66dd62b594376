"""Open-data PAP performance CSV reader: the real PLF 2025 file, then broken copies of it."""

import csv
import dataclasses
import io
from collections import Counter
from pathlib import Path

import pytest

from orchestration.lib.ingest.opendata_csv import read_opendata_csv
from orchestration.lib.ingest.records import SourceFormatError

REAL = Path(__file__).resolve().parents[1] / "raw" / "pap" / "2025" / "plf-2025-performance.csv"
BOM = b"\xef\xbb\xbf"
YEAR_HEADERS_2025 = "2022 Réalisation;2023 Réalisation;2024 Cible (PAP 2024);2025 Cible;2026 Cible;2027 Cible"
YEAR_HEADERS_2026 = "2023 Réalisation;2024 Réalisation;2025 Cible (PAP 2025);2026 Cible;2027 Cible;2028 Cible"


@pytest.fixture(scope="module")
def real_bytes() -> bytes:
    return REAL.read_bytes()


@pytest.fixture(scope="module")
def doc(real_bytes):
    return read_opendata_csv(REAL, real_bytes)


@pytest.fixture(scope="module")
def records(doc):
    """record_number -> the record's cells, in column order."""
    by_record: dict[int, list] = {}
    for cell in doc.cells:
        by_record.setdefault(cell.record_number, []).append(cell)
    return by_record


def values(cells) -> list[str]:
    return [c.value_raw for c in cells]


def write(tmp_path: Path, data: bytes, name: str = "plf-2025-performance.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows_of(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def to_bytes(rows: list[list[str]], delimiter: str = ";") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return BOM + out.getvalue().encode("utf-8")


def replace_line(data: bytes, number: int, old: bytes, new: bytes) -> bytes:
    """Replace `old` by `new` once in physical line `number` (1-based, split on line feeds)."""
    lines = data.split(b"\n")
    assert old in lines[number - 1], (number, old)
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    return b"\n".join(lines)


def raises_at(path: Path, line: int | None, *fragments: str) -> SourceFormatError:
    with pytest.raises(SourceFormatError) as info:
        read_opendata_csv(path)
    error = info.value
    message = str(error)
    assert str(path) in message
    assert error.line == line
    if line is not None:
        assert f"{path}:{line}:" in message
    for fragment in fragments:
        assert fragment in error.message, (fragment, message)
    return error


# --- the real file ----------------------------------------------------------------------------


def test_document_facts(doc):
    assert doc.source_format == "opendata_csv"
    # What the header says: a PLF 2025 ('2024 Cible (PAP 2024)' is the year before's, '2025 Cible' N's).
    assert (doc.document_type, doc.vintage_year, doc.vintage_line) == ("PAP", 2025, 1)
    assert doc.vintage_evidence == "'2024 Cible (PAP 2024)', '2025 Cible'"
    assert doc.programme_code is None and doc.programme_label is None
    assert doc.encoding == "utf-8"
    assert doc.line_count == 2177
    assert doc.methodology == []
    columns = doc.header["columns"].split(";")
    assert len(columns) == 24
    assert columns[0] == "code_mission_et_indicateur"
    assert doc.header["columns"].endswith(YEAR_HEADERS_2025)


def test_counts(doc, records):
    assert len(records) == 2141
    assert sorted(records) == list(range(1, 2142))
    assert len(doc.cells) == 12846
    assert all(len(cells) == 6 for cells in records.values())
    firsts = [cells[0] for cells in records.values()]
    ids = Counter(c.sub_indicator_id for c in firsts)
    assert ids.pop(None) == 1
    assert len(ids) == 1979
    assert Counter(c.sector_type for c in firsts) == {"programme": 1821, "mission": 320}
    assert len({c.programme_code for c in firsts if c.programme_code}) == 144
    assert len({c.indicator_code for c in firsts}) == 968
    assert Counter(c.budget_type for c in firsts) == {"BG": 2026, "CAS": 53, "BA": 44, "CCF": 18}
    assert Counter(c.perspective for c in firsts) == {"citoyen": 1237, "contribuable": 523, "usager": 381}


def test_year_columns(doc):
    columns = {(c.column_position, c.column_header, c.year, c.value_kind) for c in doc.cells}
    assert columns == {
        (1, "2022 Réalisation", 2022, "realisation"),
        (2, "2023 Réalisation", 2023, "realisation"),
        (3, "2024 Cible (PAP 2024)", 2024, "target_of_record"),
        (4, "2025 Cible", 2025, "target"),
        (5, "2026 Cible", 2026, "target"),
        (6, "2027 Cible", 2027, "target"),
    }


def test_first_record(records):
    cells = records[1]
    first = cells[0]
    assert dataclasses.asdict(first) == {
        "source_line": 2,
        "record_number": 1,
        "programme_code": None,
        "programme_label": None,
        "mission_code": "AA",
        "mission_label": "Action extérieure de l'État",
        "budget_type": "BG",
        "sector_type": "mission",
        "objective_code": "MAA-1",
        "objective_number": "1",
        "objective_label": (
            "Promouvoir le multilatéralisme et agir pour une Europe souveraine, unie, démocratique"
        ),
        "indicator_code": "MAA-1-1",
        "indicator_number": "1.1",
        "indicator_label": "Optimiser l'effort français en faveur du maintien de la paix",
        "perspective": "citoyen",
        "measure_position": 1,
        "measure_label": "Évolution des mandats des opérations de maintien de la paix (OMP)",
        "unit_raw": "%",
        "column_position": 1,
        "column_header": "2022 Réalisation",
        "year": 2022,
        "value_kind": "realisation",
        "value_raw": "67",
        "sub_indicator_id": 21046,
        "ref_programme": "(Indicateur du P105)",
        "green_budget_rating": None,  # the 'Cotation' cell is empty: the six values follow it
        "official_verdict_raw": None,  # a RAP column, absent from the PLF layout
    }
    assert values(cells) == ["67", "50", "8", "0", "0", "0"]
    assert [c.year for c in cells] == [2022, 2023, 2024, 2025, 2026, 2027]
    assert {c.source_line for c in cells} == {2}
    # The second measure of the same indicator.
    second = records[2][0]
    assert (second.indicator_code, second.measure_position, second.sub_indicator_id) == ("MAA-1-1", 2, 25927)
    assert values(records[2]) == ["5,1", "5", "5,2", "5,2", "5,2", "5,2"]


def test_programme_row(records):
    row = records[7][0]  # line 8: the first programme row
    assert row.source_line == 8
    assert (row.sector_type, row.programme_code, row.mission_code) == ("programme", "P105", "AA")
    assert row.programme_label.startswith("Action de la France en Europe")
    assert (row.objective_code, row.indicator_code, row.indicator_number) == ("P105-1", "P105-1-1", "1.1")


def test_sub_indicator_30157(records):
    [cells] = [cells for cells in records.values() if cells[0].sub_indicator_id == 30157]
    first = cells[0]
    assert (first.programme_code, first.indicator_code, first.indicator_number) == ("P129", "P129-8-2", "8.2")
    assert (first.objective_code, first.objective_number) == ("P129-8", "8")
    assert {c.year: c.value_raw for c in cells} == {
        2022: "6",
        2023: "6",
        2024: "7",
        2025: "5",
        2026: "5",
        2027: "5",
    }


def test_record_without_sub_indicator_id(records):
    [cells] = [cells for cells in records.values() if cells[0].sub_indicator_id is None]
    assert (cells[0].source_line, cells[0].record_number, cells[0].indicator_code) == (330, 329, "P383-1-1")


def test_embedded_line_breaks_keep_physical_lines(records, real_bytes):
    # Record 443 (line 444) and 444 (line 446) have an indicator label over two lines;
    # record 556 (line 559) has none, 557 (line 560) a measure label over two lines, so 558 starts at 562.
    starts = {n: records[n][0].source_line for n in (442, 443, 444, 445, 556, 557, 558)}
    assert starts == {442: 443, 443: 444, 444: 446, 445: 448, 556: 559, 557: 560, 558: 562}
    assert "subvention \n\ret taux" in records[444][0].indicator_label
    assert records[557][0].measure_label.endswith("créées en\n\rFrance")
    lines = real_bytes.split(b"\n")
    for n, line in starts.items():
        # The physical line (as grep -n counts) starts with the record's code_mission_et_indicateur.
        code = records[n][0].indicator_code
        assert lines[line - 1].split(b";", 1)[0].decode().endswith(code)


def test_last_record(records, real_bytes):
    last = records[2141]
    assert last[0].source_line == 2177
    assert last[0].indicator_code == "P877-1-2"
    assert real_bytes.split(b"\n")[2176].startswith(b"ZF-P877-1-2;")


def test_measure_positions(doc, records):
    by_indicator: dict[str, list[int]] = {}
    for cells in records.values():
        by_indicator.setdefault(cells[0].indicator_code, []).append(cells[0].measure_position)
    assert all(positions == list(range(1, len(positions) + 1)) for positions in by_indicator.values())


def test_path_only(doc):
    assert read_opendata_csv(REAL).cells == doc.cells


# --- variants that must give the same cells --------------------------------------------------


def test_no_bom_and_lf_give_identical_cells(tmp_path, real_bytes, doc):
    data = real_bytes.removeprefix(BOM).replace(b"\r\n", b"\n")
    other = read_opendata_csv(write(tmp_path, data))
    assert other.line_count == doc.line_count
    assert other.cells == doc.cells


def test_next_year_header(tmp_path, real_bytes, doc):
    old = YEAR_HEADERS_2025.encode()
    assert real_bytes.count(old) == 1
    other = read_opendata_csv(write(tmp_path, real_bytes.replace(old, YEAR_HEADERS_2026.encode())))
    columns = {(c.column_position, c.column_header, c.year, c.value_kind) for c in other.cells}
    assert columns == {
        (1, "2023 Réalisation", 2023, "realisation"),
        (2, "2024 Réalisation", 2024, "realisation"),
        (3, "2025 Cible (PAP 2025)", 2025, "target_of_record"),
        (4, "2026 Cible", 2026, "target"),
        (5, "2027 Cible", 2027, "target"),
        (6, "2028 Cible", 2028, "target"),
    }
    assert [c.year for c in other.cells] == [c.year + 1 for c in doc.cells]
    assert [c.value_raw for c in other.cells] == [c.value_raw for c in doc.cells]


def test_columns_reordered_give_the_same_cells(tmp_path, real_bytes, doc):
    rows = rows_of(real_bytes)
    width = len(rows[0])
    years = list(range(width - 6, width))
    others = list(reversed(range(width - 6)))
    order = others[:5] + years + others[5:]  # year columns in the middle, in their order
    data = to_bytes([[row[i] for i in order] for row in rows])
    other = read_opendata_csv(write(tmp_path, data))
    assert other.cells == doc.cells
    assert other.header["columns"].split(";") == [rows[0][i] for i in order]


def test_unknown_extra_column_is_ignored_but_listed(tmp_path, real_bytes, doc):
    rows = rows_of(real_bytes)
    data = to_bytes([[*rows[0][:3], "Commentaire", *rows[0][3:]]] + [[*r[:3], "x", *r[3:]] for r in rows[1:]])
    other = read_opendata_csv(write(tmp_path, data))
    assert other.cells == doc.cells
    assert "Commentaire" in other.header["columns"].split(";")


# --- broken copies: errors name the file and the line ----------------------------------------


def test_comma_delimited_names_missing_columns(tmp_path, real_bytes):
    path = write(tmp_path, to_bytes(rows_of(real_bytes), delimiter=","))
    raises_at(path, 1, "missing required column", "'Code Indicateur' (or 'Numéro indicateur')", "delimiter")


def test_missing_required_column(tmp_path, real_bytes):
    rows = rows_of(real_bytes)
    drop = rows[0].index("Code Indicateur")
    data = to_bytes([[cell for i, cell in enumerate(row) if i != drop] for row in rows])
    error = raises_at(write(tmp_path, data), 1, "'Code Indicateur'")
    assert "'Code Objectif'" not in str(error)


def test_header_without_year_column(tmp_path, real_bytes):
    data = real_bytes.replace(YEAR_HEADERS_2025.encode(), b"a;b;c;d;e;f", 1)
    raises_at(write(tmp_path, data), 1, "no year column")


def test_unknown_value_kind(tmp_path, real_bytes):
    data = replace_line(real_bytes, 1, b";2025 Cible;", b";2025 Objectif interne;")
    raises_at(write(tmp_path, data), 1, "Objectif interne")


def test_record_with_a_missing_field(tmp_path, real_bytes):
    data = replace_line(real_bytes, 10, b";Citoyen;", b";")
    raises_at(write(tmp_path, data), 10, "record 9", "23 fields", "24")


def test_record_with_an_extra_field(tmp_path, real_bytes):
    # Record 444 starts on line 446; its indicator label goes on to line 447, where the extra field is.
    data = replace_line(real_bytes, 447, b";;Usager;", b";;Usager;;")
    raises_at(write(tmp_path, data), 446, "record 444", "25 fields")


def test_truncated_mid_record(tmp_path, real_bytes):
    data = real_bytes[: len(real_bytes) - 12]  # cut inside the last line, outside any quotes
    assert data.count(b"\n") == 2176
    raises_at(write(tmp_path, data), 2177, "record 2141")


def test_truncated_inside_a_quoted_label(tmp_path, real_bytes):
    cut = real_bytes.index(b"subvention \n\ret taux")  # inside the quoted label of line 444
    raises_at(write(tmp_path, real_bytes[: cut + 12]), 444, "record 443")


def test_unterminated_quote_at_end_of_file(tmp_path, real_bytes):
    assert real_bytes.endswith(b";45\r\n")
    data = real_bytes[: -len(b";45\r\n")] + b';"45\r\n'
    raises_at(write(tmp_path, data), 2177, "record 2141", "unterminated")


def test_stray_quote_in_the_middle(tmp_path, real_bytes):
    # A quote opening a field on line 100 runs into the next quoted label: the record is broken.
    data = replace_line(real_bytes, 100, b";Contribuable;", b';"Contribuable;')
    raises_at(write(tmp_path, data), 100, "record 99")


@pytest.mark.parametrize("bad", [b"abc", b"21046.5", b"1e"])
def test_sub_indicator_id_not_an_integer(tmp_path, real_bytes, bad):
    data = replace_line(real_bytes, 2, b";21046.0;", b";" + bad + b";")
    raises_at(write(tmp_path, data), 2, "record 1", "Code Sous Indicateur", repr(bad.decode()))


def test_sub_indicator_id_plain_integer(tmp_path, real_bytes, doc):
    data = replace_line(real_bytes, 2, b";21046.0;", b";21046;")
    assert read_opendata_csv(write(tmp_path, data)).cells == doc.cells


def test_unknown_sector_type(tmp_path, real_bytes):
    data = replace_line(real_bytes, 2, b";Mission;", b";Secteur;")
    raises_at(write(tmp_path, data), 2, "record 1", "Type de secteur")


def test_odd_cell_text_is_kept(tmp_path, real_bytes):
    data = replace_line(real_bytes, 2, b";67;50;", b"; 67 ;n/a;")
    other = read_opendata_csv(write(tmp_path, data))
    assert values(other.cells[:6]) == [" 67 ", "n/a", "8", "0", "0", "0"]


@pytest.mark.parametrize("content", [b"", b"\r\n", BOM])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, content)
    with pytest.raises(SourceFormatError) as info:
        read_opendata_csv(path)
    assert str(path) in str(info.value)
    assert "empty file" in info.value.message


def test_header_only(tmp_path, real_bytes):
    header = real_bytes.split(b"\n", 1)[0] + b"\n"
    other = read_opendata_csv(write(tmp_path, header))
    assert other.cells == [] and other.line_count == 1


def test_duplicate_required_column(tmp_path, real_bytes):
    data = replace_line(real_bytes, 1, b";Budget;", b";Mission;")
    raises_at(write(tmp_path, data), 1, "'Mission' appears twice")
