"""The load of RAW_DIR into the raw schema: real sources, idempotency, quarantine."""

import csv
import io
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.duckdb_io import WarehouseLockedError, connect, connection
from orchestration.lib.ingest.loader import ingest

from .conftest import CSV_FILE, RAW_DIR, SEED_FILE, relabelled_rap, truncate_with_garbage
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
        (2023, "target_of_record"),
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


def test_vintage_folder_must_match_the_document(pap_copy, tmp_path):
    shutil.move(pap_copy / "pap" / "2024", pap_copy / "pap" / "2022")
    report = _load(pap_copy, tmp_path / "w.duckdb")
    [rejection] = report.rejected
    assert rejection.error == (
        f"pap/2022/{SEED_FILE.name}:1: vintage mismatch: the headers say 2024 (annee#2024),"
        " the folder pap/2022/ says 2022"
    )
    assert rejection.error_line == 1 and report.loaded == ["PAP-2025"]


# --- a document is what its contents say ---------------------------------------------------------

RAP_2017 = SHIPPED_DOCUMENTS["RAP-2017"][0]  # rap/2017/PERF_SSI_RAP_2017_….csv
RAP_2017_SHA = "7171fb07d4b6c5bab327a9f71542f1ab9b80a9e37ba4958b0fc36f5311dc9acd"
RAP_COPY = "rap/2018/PERF_SSI_RAP_2018_copy.csv"


def _raw_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """A RAW_DIR holding just these files (relative path -> bytes): fast to load."""
    raw = tmp_path / "raw"
    for relpath, data in files.items():
        (raw / relpath).parent.mkdir(parents=True, exist_ok=True)
        (raw / relpath).write_bytes(data)
    return raw


def _rap_2017() -> bytes:
    return (RAW_DIR / RAP_2017).read_bytes()


def _documents(db: Path) -> list[tuple]:
    return q(db, "select document_id, source_file, sha256 from raw.source_document order by 1")


def _quarantine(db: Path) -> list[tuple]:
    return q(
        db,
        "select source_file, error_line, error, standing_document_id, duplicate_of "
        "from raw.rejected_document order by 1",
    )


def test_a_copy_of_a_loaded_rap_in_another_folder_is_refused(tmp_path):
    """The user's case: RAP 2017 saved again as rap/2018/…_copy.csv. Refused as a copy, naming both
    files; RAP-2017 keeps its rows, no RAP-2018 document appears, run after run."""
    raw = _raw_with(tmp_path, {RAP_2017: _rap_2017()})
    db = tmp_path / "w.duckdb"
    assert _load(raw, db).loaded == ["RAP-2017"]
    before = _snapshot(db)
    (raw / RAP_COPY).parent.mkdir()
    shutil.copy(raw / RAP_2017, raw / RAP_COPY)
    message = f"{RAP_COPY}: copy of {RAP_2017} (RAP-2017): the same bytes (sha256 7171fb07d4b6…), not another document"
    for _ in range(2):  # the second run decides again (the verdict depends on the other file)
        report = _load(raw, db)
        assert report.loaded == [] and report.removed == [] and report.unchanged == ["RAP-2017"]
        [r] = report.rejected
        assert (r.source_file, r.error, r.sha256, r.duplicate_of) == (
            RAP_COPY,
            message,
            RAP_2017_SHA,
            RAP_2017,
        )
        assert r.outcome == "nothing of this file is in the warehouse"
        assert _quarantine(db) == [(RAP_COPY, None, message, None, RAP_2017)]
        assert _documents(db) == [("RAP-2017", RAP_2017, RAP_2017_SHA)]
        assert _snapshot(db) == before


def test_identical_newcomers_keep_the_first_by_path(tmp_path):
    """Both files new in one run: the first by path is kept, the other refused naming it; the
    shipped file's name does not matter (nothing in identical bytes tells which is the original)."""
    raw = _raw_with(tmp_path, {RAP_2017: _rap_2017(), "rap/2017/A_copy.csv": _rap_2017()})
    db = tmp_path / "w.duckdb"
    report = _load(raw, db)
    assert report.loaded == ["RAP-2017"]
    [r] = report.rejected
    assert r.error == (
        f"{RAP_2017}: copy of rap/2017/A_copy.csv (RAP-2017): the same bytes (sha256 7171fb07d4b6…),"
        " not another document"
    )
    assert _documents(db) == [("RAP-2017", "rap/2017/A_copy.csv", RAP_2017_SHA)]
    # Deleting the kept one hands the document to the other, which is no longer a copy of anything.
    (raw / "rap/2017/A_copy.csv").unlink()
    report = _load(raw, db)
    assert report.loaded == ["RAP-2017"] and report.rejected == []
    assert _documents(db) == [("RAP-2017", RAP_2017, RAP_2017_SHA)] and _quarantine(db) == []


def test_a_relabelled_rap_is_filed_by_its_headers(tmp_path):
    """RAP 2017 with its headers rewritten to 2016-2018 is a RAP 2018 by what it says: accepted in
    rap/2018/ (new bytes, not a copy), refused in rap/2019/ naming both vintages and the header line."""
    relabelled = relabelled_rap(_rap_2017(), 1)
    raw = _raw_with(tmp_path, {RAP_2017: _rap_2017(), "rap/2018/relabelled.csv": relabelled})
    db = tmp_path / "w.duckdb"
    report = _load(raw, db)
    assert sorted(report.loaded) == ["RAP-2017", "RAP-2018"] and report.rejected == []
    assert q(
        db,
        "select document_id, vintage_year, count(*), min(year), max(year) filter (where column_position <= 5) "
        "from raw.indicator_cell join raw.source_document using (document_id, source_file) group by all order by 1",
    ) == [("RAP-2017", 2017, 11796, 2015, 2017), ("RAP-2018", 2018, 11796, 2016, 2018)]

    shutil.move(raw / "rap/2018", raw / "rap/2019")
    report = _load(raw, db)
    assert report.removed == ["RAP-2018"]  # its file is gone from rap/2018/: a deliberate act
    [r] = report.rejected
    assert r.error == (
        "rap/2019/relabelled.csv:1: vintage mismatch: the headers say 2018 ('Prévision 2018 PAP 2018',"
        " 'Prévision 2018 PAP 2019', 'Réalisation 2018'), the folder rap/2019/ says 2019"
    )
    assert r.error_line == 1 and r.duplicate_of is None
    assert _documents(db) == [("RAP-2017", RAP_2017, RAP_2017_SHA)]


def test_the_plf_2025_in_the_pap_2024_folder_is_refused(pap_copy, tmp_path):
    shutil.move(pap_copy / "pap" / "2025" / CSV_FILE.name, pap_copy / "pap" / "2024" / CSV_FILE.name)
    db = tmp_path / "w.duckdb"
    report = _load(pap_copy, db)
    assert report.loaded == ["PAP-2024-P352"]
    [r] = report.rejected
    assert r.error == (
        f"pap/2024/{CSV_FILE.name}:1: vintage mismatch: the headers say 2025 ('2024 Cible (PAP 2024)',"
        " '2025 Cible'), the folder pap/2024/ says 2024"
    )
    assert q(db, "select count(*) from raw.indicator_cell where document_id like 'PAP-2025%'") == [(0,)]


def test_a_plf_in_a_rap_folder_is_refused(tmp_path):
    raw = _raw_with(tmp_path, {"rap/2025/plf.csv": CSV_FILE.read_bytes()})
    [r] = _load(raw, tmp_path / "w.duckdb").rejected
    assert r.error == (
        "rap/2025/plf.csv:1: document type mismatch: the header is a PAP's (layout 'PLF/PAP performance'),"
        " the folder rap/2025/ says RAP"
    )


def test_year_columns_that_disagree_are_refused(tmp_path):
    """'Réalisation 2017' beside 'Prévision 2018 PAP 2018': the header names two vintages."""
    data = _rap_2017().replace(b";Pr\xe9vision 2017 PAP 2017;", b";Pr\xe9vision 2018 PAP 2018;", 1)
    raw = _raw_with(tmp_path, {RAP_2017: data})
    [r] = _load(raw, tmp_path / "w.duckdb").rejected
    assert r.error == (
        f"{RAP_2017}:1: the year columns of the header disagree on the vintage: 'Réalisation 2017' says 2017;"
        " 'Prévision 2018 PAP 2018' says 2018; 'Prévision 2017 PAP 2018' says 2017"
    )


def test_a_header_naming_no_vintage_is_filed_by_its_folder(tmp_path):
    """Realisation columns alone do not say which PLF printed them: the folder decides."""
    text = CSV_FILE.read_bytes().decode("utf-8-sig")
    records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=";") if r]
    kept = [i for i, name in enumerate(records[0]) if "Cible" not in name]
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([[r[i] for i in kept] for r in records])
    raw = _raw_with(tmp_path, {"pap/2031/realisations.csv": out.getvalue().encode("utf-8")})
    report = _load(raw, tmp_path / "w.duckdb")
    assert report.loaded == ["PAP-2031"] and report.rejected == []


def test_a_loaded_file_turned_into_a_copy_keeps_its_previous_version(tmp_path):
    """rap/2016's file overwritten with RAP 2017's bytes: refused as a copy; RAP-2016 stands as loaded
    (a refused file removes no document), RAP-2017 is untouched."""
    rap_2016 = SHIPPED_DOCUMENTS["RAP-2016"][0]
    raw = _raw_with(tmp_path, {rap_2016: (RAW_DIR / rap_2016).read_bytes(), RAP_2017: _rap_2017()})
    db = tmp_path / "w.duckdb"
    _load(raw, db)
    before = _snapshot(db)
    (raw / rap_2016).write_bytes(_rap_2017())
    report = _load(raw, db)
    assert report.loaded == [] and report.removed == [] and report.standing == ["RAP-2016"]
    [r] = report.rejected
    assert r.error.startswith(f"{rap_2016}: copy of {RAP_2017} (RAP-2017): the same bytes")
    assert r.outcome.startswith("the previous version stands: RAP-2016 (sha256 4fc2757841d5")
    assert _snapshot(db) == before


def test_a_copy_loaded_by_an_earlier_release_is_named_and_stands_until_deleted(tmp_path):
    """A warehouse where an earlier release loaded the copy as RAP-2018 (reader version 3): the run
    quarantines it as a copy and says RAP-2018 still stands (only deleting a file takes a document
    out); deleting the copy takes RAP-2018 out, RAP-2017 stays."""
    raw = _raw_with(tmp_path, {RAP_2017: _rap_2017(), RAP_COPY: _rap_2017()})
    db = tmp_path / "w.duckdb"
    _load(_raw_with(tmp_path / "first", {RAP_2017: _rap_2017()}), db)
    with connection(db) as con:  # what the earlier release made of rap/2018/: RAP-2017 again
        for table in ("source_document", "indicator_cell", "skipped_record"):
            columns = [r[0] for r in con.execute(f"describe raw.{table}").fetchall()]
            values = ", ".join(
                {"document_id": "'RAP-2018'", "source_file": f"'{RAP_COPY}'", "vintage_year": "2018"}.get(
                    c, c
                )
                for c in columns
            )
            con.execute(
                f"insert into raw.{table} select {values} from raw.{table} where document_id = 'RAP-2017'"
            )
        con.execute("update raw.source_document set reader_version = 3")
    report = _load(raw, db)
    assert report.loaded == ["RAP-2017"] and report.standing == ["RAP-2018"] and report.removed == []
    [r] = report.rejected
    assert r.error.startswith(f"{RAP_COPY}: copy of {RAP_2017} (RAP-2017)")
    assert r.outcome.startswith("the previous version stands: RAP-2018")
    (raw / RAP_COPY).unlink()
    report = _load(raw, db)
    assert report.removed == ["RAP-2018"] and report.rejected == []
    assert _documents(db) == [("RAP-2017", RAP_2017, RAP_2017_SHA)]


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
