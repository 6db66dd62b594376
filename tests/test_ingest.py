"""The load of RAW_DIR into the raw schema: real sources, idempotency, quarantine."""

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.duckdb_io import WarehouseLockedError, connect, connection
from orchestration.lib.ingest import ingest

from .conftest import CSV_FILE, RAW_DIR, SEED_FILE, truncate_with_garbage
from .contract_numbers import RAP_RECORDS_WITHOUT_INDICATOR, SHIPPED_DOCUMENTS, SHIPPED_IDS, TOTAL_CELLS


def _load(raw_dir: Path, db: Path, **kwargs):
    with connection(db) as con:
        return ingest(con, raw_dir, **kwargs)


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    with connection(db, read_only=True) as con:
        return {
            table: con.execute(f"select * exclude (ingested_at) from raw.{table} order by all").fetchall()
            if table == "source_document"
            else con.execute(f"select * from raw.{table} order by all").fetchall()
            for table in ("source_document", "indicator_cell", "indicator_methodology")
        }


@pytest.fixture(scope="module")
def real_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("real") / "warehouse.duckdb"
    report = _load(RAW_DIR, db)
    assert sorted(report.loaded) == SHIPPED_IDS
    assert report.rejected == []
    return db


def q(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_documents_of_the_real_sources(real_db):
    rows = q(
        real_db,
        "select document_id, document_type, vintage_year, programme_code, source_format, source_file, "
        "sha256, cell_count, methodology_count, is_synthetic, status from raw.source_document "
        "where document_type = 'PAP' order by 1",
    )
    assert rows == [
        (
            "PAP-2024-P352", "PAP", 2024, "P352", "farandole_text", "pap/2024/000_9fa5ff6774201ab1.txt",
            "f6a8a0ee83a64cdee97d36dc67ed7a9bae7f494ba26f613bc9686156b11b9a63", 54, 19, False, "loaded",
        ),
        (
            "PAP-2025", "PAP", 2025, None, "opendata_csv", "pap/2025/plf-2025-performance.csv",
            "1dc40dcbc53549fe85c1507b93997abcbbb4cdfe092e6b7d20482cd86831890a", 12846, 0, False, "loaded",
        ),
    ]  # fmt: skip


def test_rap_documents_read_every_record(real_db):
    rows = q(
        real_db,
        "select document_id, document_type, vintage_year, source_file, record_count, cell_count, encoding "
        "from raw.source_document where document_type = 'RAP' order by 1",
    )
    assert rows == [
        (doc, "RAP", int(doc[-4:]), path, records, cells, "cp1252")
        for doc, (path, records, cells) in SHIPPED_DOCUMENTS.items()
        if doc.startswith("RAP-")
    ]
    # Records without an indicator are listed with their line, not dropped.
    skipped = q(
        real_db,
        "select document_id, count(*) from raw.skipped_record where reason like 'no objective%' group by 1 order by 1",
    )
    assert dict(skipped) == RAP_RECORDS_WITHOUT_INDICATOR
    # Every record of a file is either cells or a listed skip.
    assert (
        q(
            real_db,
            "select d.document_id from raw.source_document d where d.record_count is not null and d.record_count <> "
            "(select count(distinct record_number) from raw.indicator_cell c where c.document_id = d.document_id) "
            "+ (select count(distinct record_number) from raw.skipped_record s where s.document_id = d.document_id "
            "and s.reason like 'no objective%')",
        )
        == []
    )


def test_seed_document_content(real_db):
    seed = "where document_id = 'PAP-2024-P352'"
    assert q(real_db, f"select count(distinct objective_code) from raw.indicator_cell {seed}") == [(2,)]
    assert q(real_db, f"select count(distinct indicator_code) from raw.indicator_cell {seed}") == [(6,)]
    measures = q(
        real_db,
        f"select count(*) from (select distinct indicator_code, measure_position from raw.indicator_cell {seed})",
    )
    assert measures == [(9,)]
    assert q(real_db, f"select count(*) from raw.indicator_cell {seed}") == [(54,)]
    assert q(
        real_db,
        f"select indicator_number, year, value_raw, value_status, source_line from raw.indicator_cell {seed} "
        "and value_status <> 'numeric'",
    ) == [("1.3", 2021, "Non déterminé", "not_determined", 181)]
    kinds = q(real_db, f"select distinct year, value_kind from raw.indicator_cell {seed} order by year")
    assert kinds == [
        (2021, "realisation"),
        (2022, "realisation"),
        (2023, "target_previous_pap"),
        (2024, "target"),
        (2025, "target"),
        (2026, "target"),
    ]
    women_23 = q(
        real_db,
        f"select list(value_numeric order by year) from raw.indicator_cell {seed} "
        "and indicator_number = '2.3' and measure_position = 2",
    )
    assert women_23 == [([53.0, 47.0, 50.0, 50.0, 50.0, 50.0],)]
    sections = q(
        real_db,
        "select indicator_code, list(distinct section order by section) from raw.indicator_methodology "
        "where section in ('source_des_donnees', 'mode_de_calcul', 'justification_des_cibles') "
        "group by 1 order by 1",
    )
    assert [s for _, s in sections] == [
        ["justification_des_cibles", "mode_de_calcul", "source_des_donnees"]
    ] * 6


def test_csv_document_content(real_db):
    csv = "from raw.indicator_cell where document_id = 'PAP-2025'"
    assert q(real_db, f"select count(distinct record_number), count(*) {csv}") == [(2141, 12846)]
    assert q(real_db, f"select count(distinct sub_indicator_id) {csv}") == [(1979,)]
    assert q(real_db, f"select count(distinct record_number) {csv} and sub_indicator_id is null") == [(1,)]
    # Every cell traces back to a line of the file: the line holds the record's first field.
    # (bytes: some quoted labels hold "\n\r", which text-mode reading would turn into two lines)
    lines = CSV_FILE.read_bytes().decode("utf-8-sig").split("\n")
    for line, code in q(
        real_db, f"select distinct source_line, indicator_code {csv} using sample 50 rows (reservoir, 7)"
    ):
        assert code in lines[line - 1]


def test_every_csv_cell_is_classified(real_db):
    statuses = dict(
        q(
            real_db,
            "select value_status, count(*) from raw.indicator_cell where document_id = 'PAP-2025' group by 1",
        )
    )
    assert statuses["numeric"] == 9150
    assert statuses["empty"] == 448
    assert sum(statuses.values()) == 12846


def test_rerun_changes_nothing(real_db, tmp_path):
    db = tmp_path / "w.duckdb"
    _load(RAW_DIR, db)
    first = _snapshot(db)
    report = _load(RAW_DIR, db)
    assert report.loaded == [] and sorted(report.unchanged) == SHIPPED_IDS
    assert _snapshot(db) == first


def test_broken_file_is_quarantined_and_the_others_land(raw_copy, tmp_path):
    broken = raw_copy / "pap" / "2023" / "broken_p352.txt"
    broken.parent.mkdir()
    text = SEED_FILE.read_text(encoding="utf-8").replace("annee#2024", "annee#2023")
    broken.write_text(text[: text.index("Précisions méthodologiques")][:-40], encoding="utf-8")
    db = tmp_path / "w.duckdb"
    report = _load(raw_copy, db)
    assert sorted(report.loaded) == SHIPPED_IDS
    [rejection] = report.rejected
    assert rejection.source_file == "pap/2023/broken_p352.txt"
    assert rejection.error.startswith("pap/2023/broken_p352.txt:")
    assert rejection.error_line is not None
    rows = q(db, "select source_file, error_line, error from raw.rejected_document")
    assert rows == [(rejection.source_file, rejection.error_line, rejection.error)]
    assert q(db, "select count(*) from raw.indicator_cell") == [(TOTAL_CELLS,)]
    # Fixing the file lands it and empties the quarantine.
    broken.write_text(text, encoding="utf-8")
    report = _load(raw_copy, db)
    assert report.loaded == ["PAP-2023-P352"] and report.rejected == []
    assert q(db, "select count(*) from raw.rejected_document") == [(0,)]


def test_same_document_twice_quarantines_the_second(raw_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    _load(raw_copy, db)
    twin = raw_copy / "pap" / "2024" / "zz_other_export.txt"
    twin.write_text(SEED_FILE.read_text(encoding="utf-8").replace("\n5\n", "\n4\n", 1), encoding="utf-8")
    report = _load(raw_copy, db)
    [rejection] = report.rejected
    assert rejection.source_file == "pap/2024/zz_other_export.txt"
    assert "duplicate document PAP-2024-P352" in rejection.error
    assert "pap/2024/000_9fa5ff6774201ab1.txt" in rejection.error
    assert q(db, "select count(*) from raw.indicator_cell where document_id = 'PAP-2024-P352'") == [(54,)]


def test_changed_file_replaces_its_document(raw_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    _load(raw_copy, db)
    seed = raw_copy / "pap" / "2024" / SEED_FILE.name
    seed.write_text(SEED_FILE.read_text(encoding="utf-8").replace("\n19\n", "\n21\n", 1), encoding="utf-8")
    report = _load(raw_copy, db)
    assert report.loaded == ["PAP-2024-P352"]
    assert q(
        db,
        "select value_raw, count(*) over () from raw.indicator_cell "
        "where document_id = 'PAP-2024-P352' and indicator_number = '1.2' and year = 2021",
    ) == [("21", 1)]
    assert q(db, "select count(*) from raw.indicator_cell") == [(TOTAL_CELLS,)]


def test_removed_file_takes_its_rows(raw_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    _load(raw_copy, db)
    (raw_copy / "pap" / "2025" / CSV_FILE.name).unlink()
    report = _load(raw_copy, db)
    assert report.removed == ["PAP-2025"]
    assert q(db, "select distinct document_id from raw.indicator_cell order by 1") == [
        (doc,) for doc in SHIPPED_IDS if doc != "PAP-2025"
    ]


def test_a_changed_file_that_fails_to_read_keeps_its_previous_version(pap_copy, tmp_path):
    """New bytes that cannot be read are quarantined; the version loaded before stands (rows kept,
    the quarantine names it), run after run; deleting the file still takes its rows out."""
    db = tmp_path / "w.duckdb"
    _load(pap_copy, db)
    before = _snapshot(db)
    csv = pap_copy / "pap" / "2025" / CSV_FILE.name
    truncate_with_garbage(csv)
    for _ in range(2):  # the second run meets the same bytes: same verdict, still standing
        report = _load(pap_copy, db)
        assert report.loaded == [] and report.removed == [] and report.standing == ["PAP-2025"]
        [r] = report.rejected
        assert r.error.startswith(f"pap/2025/{CSV_FILE.name}:{r.error_line}: ") and r.error_line > 1
        assert (r.standing_document_id, r.standing_sha256) == ("PAP-2025", before["source_document"][1][7])
        assert r.outcome.startswith("the previous version stands: PAP-2025 (sha256 1dc40dcbc535")
        assert _snapshot(db) == before
        assert q(
            db,
            "select source_file, error_line, sha256, standing_document_id, standing_sha256 "
            "from raw.rejected_document",
        ) == [(r.source_file, r.error_line, r.sha256, "PAP-2025", r.standing_sha256)]
    csv.unlink()  # a deliberate act: the document goes
    report = _load(pap_copy, db)
    assert report.removed == ["PAP-2025"] and report.rejected == [] and report.standing == []
    assert q(db, "select distinct document_id from raw.indicator_cell") == [("PAP-2024-P352",)]
    assert q(db, "select count(*) from raw.rejected_document") == [(0,)]


def test_a_warehouse_from_before_the_standing_columns_is_migrated(pap_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    with connection(db) as con:  # raw.rejected_document as first shipped
        con.execute(
            "create schema raw; create table raw.rejected_document (source_file varchar primary key, "
            "document_id varchar, sha256 varchar, error_line integer, error varchar not null, "
            "rejected_at timestamptz not null)"
        )
    _load(pap_copy, db)
    truncate_with_garbage(pap_copy / "pap" / "2025" / CSV_FILE.name)
    report = _load(pap_copy, db)
    assert report.standing == ["PAP-2025"]
    assert q(db, "select standing_document_id from raw.rejected_document") == [("PAP-2025",)]


def test_only_limits_the_run_to_the_named_files(raw_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    report = _load(raw_copy, db, only=["pap/2024/000_9fa5ff6774201ab1.txt"])
    assert report.loaded == ["PAP-2024-P352"]
    assert q(db, "select count(*) from raw.source_document") == [(1,)]


def test_files_outside_the_layout_are_refused(raw_copy, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("not for the warehouse")
    os.symlink(outside, raw_copy / "pap" / "2024" / "link.txt")
    shutil.copy(SEED_FILE, raw_copy / "loose.txt")
    (raw_copy / "pap" / "2024" / "notes.xlsx").write_bytes(b"PK\x03\x04")
    db = tmp_path / "w.duckdb"
    report = _load(raw_copy, db)
    errors = {r.source_file: r.error for r in report.rejected}
    assert set(errors) == {"pap/2024/link.txt", "loose.txt", "pap/2024/notes.xlsx"}
    assert "outside RAW_DIR" in errors["pap/2024/link.txt"]
    assert "not in a <pap|rap>/<vintage year>/ folder" in errors["loose.txt"]
    assert "unknown source format .xlsx" in errors["pap/2024/notes.xlsx"]
    assert sorted(report.loaded) == SHIPPED_IDS


def test_vintage_folder_must_match_the_document(raw_copy, tmp_path):
    shutil.move(raw_copy / "pap" / "2024", raw_copy / "pap" / "2022")
    report = _load(raw_copy, tmp_path / "w.duckdb")
    [rejection] = report.rejected
    assert "says vintage 2024 but lies in the 2022 folder" in rejection.error


def test_a_locked_warehouse_fails_with_a_message_naming_the_lock(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"ok"
        with pytest.raises(WarehouseLockedError, match=r"is locked by process \d+ .* waited 2 s"):
            connect(db, timeout_s=1.5)
    finally:
        holder.kill()
        holder.wait()
