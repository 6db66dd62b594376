"""The five real RAP files through the one open-data reader: layouts by name, exact counts, the
official verdict kept as published, a new vintage in a known layout, an unknown layout refused."""

from collections import Counter
from pathlib import Path

import pytest

from orchestration.lib.ingest.loader import ingest
from orchestration.lib.ingest.opendata_csv import read_opendata_csv
from orchestration.lib.ingest.records import SourceFormatError

from .conftest import RAW_DIR
from .contract_numbers import (
    RAP_2017_OFFICIAL_VERDICTS,
    RAP_RECORDS_WITHOUT_INDICATOR,
    SHIPPED_DOCUMENTS,
)

RAP_FILES = {
    doc: RAW_DIR / path for doc, (path, _r, _c) in SHIPPED_DOCUMENTS.items() if doc.startswith("RAP-")
}


@pytest.fixture(scope="module")
def parsed():
    return {doc: read_opendata_csv(path) for doc, path in RAP_FILES.items()}


def test_every_record_is_read(parsed):
    for doc, parsed_doc in parsed.items():
        _path, records, cells = SHIPPED_DOCUMENTS[doc]
        assert parsed_doc.record_count == records, doc
        assert len(parsed_doc.cells) == cells, doc
        assert parsed_doc.encoding == "cp1252", doc
        without = [s for s in parsed_doc.skipped if s.reason.startswith("no objective")]
        assert len(without) == RAP_RECORDS_WITHOUT_INDICATOR[doc], doc
        # every record is a measure row or a listed skip
        rows = {c.record_number for c in parsed_doc.cells}
        assert len(rows) + len(without) == records, doc


def test_layouts_are_recognised_by_name(parsed):
    layouts = {doc: d.header["layout"] for doc, d in parsed.items()}
    assert layouts == {
        "RAP-2012": "RAP performance with ids (2012-2014, 2017)",
        "RAP-2013": "RAP performance with ids (2012-2014, 2017)",
        "RAP-2014": "RAP performance with ids (2012-2014, 2017)",
        "RAP-2016": "RAP performance without ids (2015-2016)",
        "RAP-2017": "RAP performance with ids (2012-2014, 2017)",
    }


def test_year_columns_in_both_word_orders(parsed):
    kinds = {
        (c.column_header, c.year, c.value_kind) for c in parsed["RAP-2012"].cells if c.column_position <= 5
    }
    assert kinds == {
        ("Réalisation 2010", 2010, "realisation"),
        ("Réalisation 2011", 2011, "realisation"),
        ("Prévision 2012 PAP 2012", 2012, "target_of_record"),  # the target of record
        ("Prévision 2012 PAP 2013", 2012, "updated_forecast"),
        ("Réalisation 2012", 2012, "realisation"),
    }
    # 'Année cible' + 'Valeur cible' become a target cell of that year
    targets = Counter(c.year for c in parsed["RAP-2012"].cells if c.column_position == 6)
    assert targets == {2013: 2215, 2012: 61, 2014: 30, 2015: 14, 2011: 2}


def test_first_rap_record_as_published(parsed):
    first = [c for c in parsed["RAP-2012"].cells if c.record_number == 1]
    assert {c.source_line for c in first} == {2}
    c = first[0]
    assert (c.programme_code, c.mission_label, c.budget_type, c.sector_type) == (
        "P105",
        "Action extérieure de l'État",
        "BG",
        "programme",
    )
    assert (c.objective_code, c.indicator_code, c.indicator_number, c.sub_indicator_id) == (
        "P105-1",
        "P105-1-1",
        "1.1",
        3172,
    )
    assert (c.measure_label, c.unit_raw, c.perspective, c.ref_programme) == (
        "1. Encadrement UE",
        "%",
        "citoyen",
        "Indicateur de mission",
    )
    assert [(x.column_header, x.value_raw) for x in first] == [
        ("Réalisation 2010", "11,1"),
        ("Réalisation 2011", "11"),
        ("Prévision 2012 PAP 2012", "10"),
        ("Prévision 2012 PAP 2013", "10"),
        ("Réalisation 2012", "11"),
        ("Valeur cible (Année cible 2013)", "11,5"),
    ]


def test_mission_rows_take_their_programme_from_the_indicator_number(parsed):
    # RAP 2016 line 2: COD_PGM empty, objective 'MAA.2 (P105.1)', indicator 'P105.1.1'
    cells = [c for c in parsed["RAP-2016"].cells if c.source_line == 2]
    c = cells[0]
    assert (c.sector_type, c.programme_code, c.mission_code, c.objective_code, c.indicator_code) == (
        "mission",
        "P105",
        "AA",
        "P105-1",
        "P105-1-1",
    )
    assert c.sub_indicator_id is None and c.measure_position == 1
    assert "MAA.2 (P105.1)" in c.ref_programme


def test_official_verdict_is_kept_per_row_as_published(parsed):
    rows = {c.record_number: c.official_verdict_raw for c in parsed["RAP-2017"].cells}
    # the 33 programmes without indicators print no verdict either
    assert Counter(rows.values()) == Counter(RAP_2017_OFFICIAL_VERDICTS) - Counter({"": 33})
    assert all(c.official_verdict_raw is None for c in parsed["RAP-2012"].cells)


def _relabel(data: bytes, old: int, new: int) -> bytes:
    """The header of a vintage `old` file written as vintage `new` (same layout, other years)."""
    import re

    header, rest = data.split(b"\r\n", 1)
    header = re.sub(rb"\b20\d\d\b", lambda m: str(int(m[0]) - (old - new)).encode(), header)
    return header + b"\r\n" + rest


def test_a_new_vintage_in_a_known_layout_loads_with_no_code_change(tmp_path):
    raw = tmp_path / "raw"
    target = raw / "rap" / "2015" / "PERF_SSI_RAP_2015_DATAGOUV.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes(_relabel(RAP_FILES["RAP-2016"].read_bytes(), 2016, 2015))
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        report = ingest(con, raw)
        assert report.loaded == ["RAP-2015"] and report.rejected == []
        headers = con.execute(
            "select column_header, value_kind, count(*) from raw.indicator_cell where column_position <= 5 "
            "group by all order by all"
        ).fetchall()
    assert headers == [
        ("Prévision 2015 PAP 2015", "target_of_record", 2002),
        ("Prévision 2015 PAP 2016", "updated_forecast", 2002),
        ("Réalisation 2013", "realisation", 2002),
        ("Réalisation 2014", "realisation", 2002),
        ("Réalisation 2015", "realisation", 2002),
    ]


def test_an_unknown_layout_is_refused_naming_what_it_lacks(tmp_path):
    data = RAP_FILES["RAP-2013"].read_bytes().replace(b";Num\xe9ro indicateur;", b";Indicateur num;", 1)
    path = tmp_path / "rap.csv"
    path.write_bytes(data)
    with pytest.raises(SourceFormatError) as info:
        read_opendata_csv(path)
    assert info.value.line == 1 and str(path) in str(info.value)
    assert "missing required column(s): 'Code Indicateur' (or 'Numéro indicateur')" in info.value.message
    assert "the nearest is 'RAP performance with ids (2012-2014, 2017)'" in info.value.message


def test_a_broken_rap_record_names_file_and_line(tmp_path):
    lines = RAP_FILES["RAP-2014"].read_bytes().split(b"\r\n")
    lines[99] = lines[99] + b";extra"
    path = tmp_path / "rap.csv"
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(SourceFormatError) as info:
        read_opendata_csv(path)
    assert info.value.line == 100 and "record 99 has 29 fields, the header has 28" in info.value.message


def test_raw_folder_holds_the_files_byte_for_byte():
    import hashlib

    readme = (RAW_DIR / "README.md").read_text(encoding="utf-8")
    for doc, path in RAP_FILES.items():
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        assert digest in readme, doc
