"""Faults real machines inflict: the main job killed with SIGKILL in the middle of the dbt stage,
publishing killed between building the new marts file and renaming it, a source file replaced by a
cut download, a dbt model that fails. After each, the published marts still open and hold the last
good version, a BI reader left open keeps reading them, and the next normal run succeeds with no
row duplicated or lost. Then cost follows the change: with nothing changed, `make run` starts no
run; the cut file restored and one new vintage with defects, the next run reads that one only,
holds its bad cells and leaves the seeds out of its dbt build; a missing output makes the launcher
plan the whole work; a steward's exception releases held cells without reading the file again. The
scenarios run one after the other on one copy of the session's small run (`small_copy`: raw/pap/
alone, the last good version), each on what the one before left; the failing model on a copy of
its own. A warehouse locked by another process fails the run in bounded time, naming the holder:
tests/test_up_to_date.py (the warehouse that .env names)."""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from .conftest import (
    CSV_FILE,
    PROJECT_DIR,
    at_the_workers_path,
    check_run,
    job_env,
    make_run,
    published_run_id,
    run_events,
    run_record,
    truncate_with_garbage,
)
from .contract_numbers import PAP_CELLS, PAP_FCT_INDICATOR_VALUE_ROWS, PAP_FCT_INDICATOR_VALUE_TOTAL
from .test_new_vintage import decisions_applied, held_queue_rows, holds, published_rap_2018, relabel_as_2018

pytestmark = pytest.mark.slow

GRAIN = {
    "fct_indicator_value": "document_id, measure_key, year, value_kind",
    "fct_target_attainment": "measure_key, year",
    "dim_measure": "measure_key",
}


def _snapshot(marts: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(marts), read_only=True) as con:
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in GRAIN}


def _assert_intact(data_dir: Path) -> None:
    """Contract numbers hold, every grain is unique, and the published file equals the warehouse."""
    with duckdb.connect(str(data_dir / "marts.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_indicator_value").fetchone() == (
            PAP_FCT_INDICATOR_VALUE_TOTAL,
        )
        for table, grain in GRAIN.items():
            dupes = con.execute(
                f"select count(*) from (select {grain} from marts.{table} group by all having count(*) > 1)"
            )
            assert dupes.fetchone() == (0,), table
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.indicator_cell").fetchone() == (PAP_CELLS,)
        assert con.execute("select count(*) from marts.fct_indicator_value").fetchone() == (
            PAP_FCT_INDICATOR_VALUE_TOTAL,
        )


@pytest.fixture
def data_dir(small_copy) -> Path:
    """A copy of a DATA_DIR where `make run` succeeded once (the last good version)."""
    return small_copy


@pytest.fixture
def raw_dir(data_dir) -> Path:
    """RAW_DIR beside `data_dir`: a copy of the sources it was built from."""
    return data_dir.parent / "raw"


def _first_model_built(dbt_log: Path, since: int, deadline: float) -> bool:
    """dbt's log (one JSON event a line) records a model finished after byte `since`."""
    while time.monotonic() < deadline:
        if dbt_log.exists():
            with dbt_log.open("rb") as log:
                log.seek(since)
                for line in log:
                    if b'"name": "NodeFinished"' in line and b'"resource_type": "model"' in line:
                        return True
        time.sleep(0.05)
    return False


def _kill_in_dbt(data_dir: Path) -> str:
    """Start the main job and SIGKILL its whole process group once dbt has built its first model:
    dbt is then replacing the warehouse's tables one after the other."""
    with at_the_workers_path(data_dir) as at:
        return _kill_in_dbt_at(at, data_dir.parent / "raw", data_dir.parent / "dbt_target")


def _kill_in_dbt_at(data_dir: Path, raw_dir: Path, dbt_target: Path) -> str:
    env = job_env(data_dir, raw_dir, {"DAGSTER_HOME": str(data_dir / "dagster_home_kill")}, dbt_target)
    (data_dir / "dagster_home_kill").mkdir(exist_ok=True)
    dbt_log = Path(env["DBT_JOB_TARGET_DIR"]) / "dagster-build" / "dbt.log"
    since = dbt_log.stat().st_size if dbt_log.exists() else 0
    job = subprocess.Popen(
        # --force: the sources did not change since the last run; the job must do the work to be killed
        [sys.executable, "-m", "orchestration.cli", "--force"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    seen = []
    try:
        for line in job.stdout:
            seen.append(line)
            if "→ warehouse_dbt_assets" in line:
                assert _first_model_built(dbt_log, since, time.monotonic() + 300), "".join(seen)
                os.killpg(job.pid, signal.SIGKILL)
                break
        job.wait(timeout=60)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
    assert job.returncode == -signal.SIGKILL, "".join(seen)[-2000:]
    return "".join(seen)


def _kill_publishing(data_dir: Path) -> None:
    """Publish the warehouse's marts as the job's publish step does (lib.publish.publish_marts), with a
    pause between building the new file and renaming it (FAULT_INJECT_PUBLISH_PAUSE_S), and SIGKILL
    the process in that pause."""
    code = (
        "import sys; from pathlib import Path; from orchestration.lib.publish.marts import publish_marts; "
        "publish_marts(Path(sys.argv[1]), Path(sys.argv[2]), run_id='killed')"
    )
    building = data_dir / ".marts.duckdb.building"
    env = {**os.environ, "FAULT_INJECT_PUBLISH_PAUSE_S": "60"}
    args = [sys.executable, "-c", code, str(data_dir / "warehouse.duckdb"), str(data_dir / "marts.duckdb")]
    publisher = subprocess.Popen(args, cwd=PROJECT_DIR, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not building.exists() and publisher.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(3)  # building the file takes well under a second: the kill lands in the pause
        os.killpg(publisher.pid, signal.SIGKILL)
        publisher.wait(timeout=60)
    finally:
        if publisher.poll() is None:
            os.killpg(publisher.pid, signal.SIGKILL)
            publisher.wait()
    assert publisher.returncode == -signal.SIGKILL


# A BI tool's connection, read-only, left open on the published file the whole time.
READER = textwrap.dedent(
    """
    import pathlib, sys, time, duckdb
    path, stop, expected = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
    con = duckdb.connect(path, read_only=True)
    print("open", flush=True)
    reads = errors = 0
    while not stop.exists():
        try:
            assert con.execute("select count(*) from marts.fct_indicator_value").fetchone() == (expected,)
            reads += 1
        except Exception as exc:
            errors += 1
            print("error", exc, flush=True)
        time.sleep(0.2)
    print("reads", reads, "errors", errors, flush=True)
    """
)


def test_one_copy_through_no_change_kills_a_cut_download_a_new_vintage_a_missing_output_and_an_exception(
    data_dir, raw_dir, tmp_path
):
    """The scenarios in turn on one copy: each would otherwise start from a copy of its own and
    make the same 20-60 s runs again."""
    recorded, first_publication = _a_run_with_nothing_changed_skips(data_dir, raw_dir)
    _kill_9_in_dbt_and_in_publishing_then_a_normal_run_while_a_reader_reads(data_dir, raw_dir, tmp_path)
    _a_cut_download_keeps_the_last_good_version_in_the_published_marts(data_dir, raw_dir)
    injected, screen = _the_cut_file_restored_and_a_new_vintage_are_read_and_built(
        data_dir, raw_dir, recorded, first_publication
    )
    _a_missing_output_makes_the_run_do_the_work(data_dir, raw_dir)
    _an_exception_releases_the_held_cells_without_reading_the_file_again(data_dir, raw_dir, injected, screen)


def _kill_9_in_dbt_and_in_publishing_then_a_normal_run_while_a_reader_reads(data_dir, raw_dir, tmp_path):
    """A reader opens the published marts and keeps reading; the job is SIGKILLed in the dbt stage,
    publishing is SIGKILLed between building and renaming, then a normal run (while the reader still
    holds the file open) publishes again: never blocked, never an error, the same rows throughout."""
    marts = data_dir / "marts.duckdb"
    before = _snapshot(marts)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(marts), str(stop), str(PAP_FCT_INDICATOR_VALUE_TOTAL)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        _kill_in_dbt(data_dir)
        assert _snapshot(marts) == before  # BI still reads the last good version

        _kill_publishing(data_dir)
        assert (data_dir / ".marts.duckdb.building").exists()  # killed half-way: the new file was not renamed
        assert _snapshot(marts) == before

        result = make_run(data_dir, raw_dir)  # a whole run while the reader reads
        stop.touch()
        out = reader.communicate(timeout=30)[0]
    finally:
        reader.kill()
        reader.wait()
    assert result.returncode == 0, result.stdout[-3000:]
    reads, errors = re.fullmatch(r"reads (\d+) errors (\d+)", out.strip().splitlines()[-1]).groups()
    assert int(errors) == 0 and int(reads) > 10
    assert not (data_dir / ".marts.duckdb.building").exists()
    _assert_intact(data_dir)
    # Same sources, same published tables (idempotent); the run says where BI should look.
    assert _snapshot(marts) == before
    assert "marts.duckdb" in result.stdout


def _a_cut_download_keeps_the_last_good_version_in_the_published_marts(data_dir, raw_dir):
    """A good run, then the PLF 2025 file replaced by its first half and binary garbage: the next run
    quarantines the new bytes (file and line) with an ERROR check that does not block, lands every
    other file, keeps PAP-2025 in the warehouse, republishes the marts with all its values, and the
    final screen and the quality summary say which version stands. (Its Dagster history in a
    DAGSTER_HOME of its own: the run is the one there.)"""
    csv = raw_dir / "pap" / "2025" / CSV_FILE.name
    standing_sha = hashlib.sha256(csv.read_bytes()).hexdigest()
    cut_line = truncate_with_garbage(csv)
    first_run = published_run_id(data_dir)
    started = time.time()

    result = make_run(data_dir, raw_dir, dagster_home="dagster_home_cut")

    out = result.stdout
    assert "succeeded" in out.split("=" * 78)[1], out[-3000:]
    assert result.returncode != 0  # only the quarantine check fails (ERROR, not blocking)
    assert len(re.findall(r"^\s+FAILED ", out, re.M)) == 1, out[-3000:]
    assert "FAILED  raw/rejected_document · no_rejected_documents" in out
    assert (
        f"QUARANTINED pap/2025/{CSV_FILE.name}:{cut_line}: not a text file in UTF-8 or cp1252 (NUL bytes"
        in out
    )
    assert f"the previous version stands: PAP-2025 (sha256 {standing_sha[:12]}" in out
    with dg.DagsterInstance.from_config(str(data_dir / "dagster_home_cut")) as instance:
        [run] = instance.get_runs()
        [check] = [
            entry.dagster_event.event_specific_data
            for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
            if entry.dagster_event.event_specific_data.check_name == "no_rejected_documents"
        ]
    assert check.passed is False and check.severity == dg.AssetCheckSeverity.ERROR
    assert f"pap/2025/{CSV_FILE.name}:{cut_line}:" in check.description

    marts = data_dir / "marts.duckdb"
    assert published_run_id(data_dir) != first_run  # published again by this run, still with PAP-2025
    with duckdb.connect(str(marts), read_only=True) as con:
        values = con.execute("select document_id, count(*) from marts.fct_indicator_value group by all")
        assert dict(values.fetchall()) == PAP_FCT_INDICATOR_VALUE_ROWS
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "select source_file, error_line, standing_document_id, standing_sha256 from raw.rejected_document"
        ).fetchall() == [(f"pap/2025/{CSV_FILE.name}", cut_line, "PAP-2025", standing_sha)]
        assert con.execute("select count(*) from raw.indicator_cell").fetchone() == (PAP_CELLS,)
    summary = (data_dir / "reports" / "quality-summary.md").read_text(encoding="utf-8")
    assert f"| pap/2025/{CSV_FILE.name} | {cut_line} |" in summary
    # The files as the launcher hashes them are the files as this run saw them, the refused bytes
    # included: the next `make run` has nothing to do.
    assert _plan(data_dir, raw_dir).up_to_date
    assert "the previous version stands: PAP-2025" in summary
    # dagster-dbt's target folders: one per kind of invocation, overwritten run after run, none per
    # invocation (in the folder DBT_JOB_TARGET_DIR names: not the repository, in the tests).
    targets = data_dir.parent / "dbt_target"
    assert "dagster-build" in {p.name for p in targets.iterdir()} <= {"dagster-build", "dagster-docs"}
    assert (targets / "dagster-build" / "run_results.json").stat().st_mtime > started


def _a_run_with_nothing_changed_skips(data_dir: Path, raw_dir: Path) -> tuple[str, str]:
    """With nothing changed since the last complete run, `make run` starts no run and says which
    fingerprint matched. Returns (that fingerprint, the publishing run)."""
    first_publication = published_run_id(data_dir)
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        [(recorded,)] = con.execute(
            "select fingerprint from raw.run_fingerprint where completed_at is not null"
        ).fetchall()
    runs_before = _runs(data_dir)

    result = make_run(data_dir, raw_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"warehouse up to date (fingerprint {recorded[:12]}" in result.stdout
    assert "no run started" in result.stdout
    record = run_record(data_dir)
    assert record["up_to_date"] is True and record["fingerprint"] == recorded
    assert record["run_id"] is None and record["steps"] == {} and record["why_run"] == []
    assert _runs(data_dir) == runs_before  # no run recorded in Dagster
    assert published_run_id(data_dir) == first_publication  # nothing republished
    return recorded, first_publication


def _runs(data_dir: Path) -> list[str]:
    """The runs recorded in `data_dir`'s DAGSTER_HOME (a copy starts with none: not copied)."""
    if not (data_dir / "dagster_home").is_dir():
        return []
    with dg.DagsterInstance.from_config(str(data_dir / "dagster_home")) as instance:
        return [run.run_id for run in instance.get_runs()]


def _the_cut_file_restored_and_a_new_vintage_are_read_and_built(
    data_dir: Path, raw_dir: Path, recorded: str, first_publication: str
) -> tuple[dict[str, list[int]], str]:
    """The cut file back as it was (the version that stands) and one new vintage with defects (RAP
    2017 relabelled as RAP 2018, `test_new_vintage.relabel_as_2018`): the next run reads the new
    file only (the final screen: `ingested` for it, `unchanged` for the documents an earlier run
    loaded), loads it, holds its bad cells, and rebuilds and republishes everything downstream with
    its good cells. Returns the injected defects' lines and the final screen."""
    shutil.copyfile(CSV_FILE, raw_dir / "pap" / "2025" / CSV_FILE.name)
    injected = relabel_as_2018(raw_dir)
    result = make_run(data_dir, raw_dir)
    check_run(result, "`make run` with the cut file restored and a new vintage")
    assert re.findall(r"^  (ingested|unchanged) +(\S+)", result.stdout, re.M) == [
        ("unchanged", "PAP-2024-P352"),
        ("unchanged", "PAP-2025"),
        ("ingested", "RAP-2018"),
    ]
    assert "up to date" not in result.stdout.split("=" * 78)[1]
    record = run_record(data_dir)
    assert record["up_to_date"] is False and record["steps_skipped"] == []
    [why] = record["why_run"]
    assert why.startswith("changed since run ") and why.endswith(": documents"), why
    assert record["dbt_scope"] == "downstream_of_sources"
    assert record["ingest"]["documents_loaded"] == 1
    assert published_run_id(data_dir) != first_publication
    facts, held_facts, _ = published_rap_2018(data_dir)
    assert facts > 10_000 and held_facts >= 1  # its good cells published, its bad ones held
    with duckdb.connect(str(data_dir / "marts.duckdb"), read_only=True) as con:
        assert {r[0] for r in con.execute("select document_id from marts.dim_document").fetchall()} == {
            "PAP-2024-P352",
            "PAP-2025",
            "RAP-2018",
        }
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        [(fingerprint, run_id)] = con.execute(
            "select fingerprint, run_id from raw.run_fingerprint where completed_at is not null"
        ).fetchall()
    assert fingerprint != recorded and run_id == record["run_id"]
    # Only documents changed: dbt builds what is downstream of the sources, not the seeds, and
    # still runs the tests of the rebuilt models against the seeds (a new document may bring a unit
    # no seed maps).
    built = _materialized(data_dir, run_id)
    assert ("marts", "fct_indicator_value") in built
    assert not [key for key in built if key[0] == "reference"], built
    build = json.loads((data_dir.parent / "dbt_target" / "dagster-build" / "run_results.json").read_text())
    ran = {r["unique_id"]: r["status"] for r in build["results"]}
    assert not [node for node in ran if node.startswith("seed.")]
    assert ran["test.lolf_performance.assert_every_unit_is_mapped"] == "pass"
    assert [n for n in ran if "value_kind__ref_ref_value_kind_" in n], sorted(ran)
    return injected, result.stdout


def _a_missing_output_makes_the_run_do_the_work(data_dir: Path, raw_dir: Path) -> None:
    """A missing output makes the launcher plan a run that does the work, although nothing it is
    built from changed (the rebuild itself is the one of the new document)."""
    assert _plan(data_dir, raw_dir).up_to_date
    shutil.rmtree(data_dir / "reports" / "scorecard")
    plan = _plan(data_dir, raw_dir)
    assert [r for r in plan.reasons if r.startswith("missing: scorecard")], plan.reasons
    assert plan.dbt_scope == "downstream_of_sources"  # the seeds in the warehouse are the recorded ones


def _an_exception_releases_the_held_cells_without_reading_the_file_again(
    data_dir: Path, raw_dir: Path, injected: dict[str, list[int]], screen: str
) -> None:
    """The new vintage's measure held for a % above 100: its cells are a pending row of the held
    cells' queue; a reviewed exception (in the extra file QUALITY_EXTRA_EXCEPTIONS names) releases
    them on the next run, without reading the file again, and the queue row is decided."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        loaded_at = con.execute(
            "select ingested_at from raw.source_document where document_id = 'RAP-2018'"
        ).fetchone()[0]
        measure = con.execute(
            "select coalesce(cast(sub_indicator_id as varchar), indicator_code || '#' || measure_position) "
            f"from raw.indicator_cell where document_id = 'RAP-2018' and source_line = {injected['percent'][0]} "
            "limit 1"
        ).fetchone()[0]
    queued = held_queue_rows(data_dir, measure, "percent_within_0_100")
    assert [r["status"] for r in queued] == ["pending"]
    exceptions = data_dir.parent / "steward-exceptions.csv"
    exceptions.write_text(
        "measure_key,rule,reason,reviewed_by,reviewed_on\n"
        f"{measure},percent_within_0_100,test: a rate that can exceed 100,a steward,2026-12-02\n",
        encoding="utf-8",
    )
    result = make_run(data_dir, raw_dir, {"QUALITY_EXTRA_EXCEPTIONS": str(exceptions)})
    check_run(result, "`make run` with an exception")
    assert injected["percent"][0] not in holds(data_dir).get("percent_within_0_100", set())
    # the queue row is decided, with who, when and why, and the final screen counts it
    queued = held_queue_rows(data_dir, measure, "percent_within_0_100")
    assert [(r["status"], r["reviewed_by"], r["reviewed_on"]) for r in queued] == [
        ("decided", "a steward", "2026-12-02")
    ]
    assert decisions_applied(result.stdout) == decisions_applied(screen) + 1
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "select ingested_at from raw.source_document where document_id = 'RAP-2018'"
        ).fetchone() == (loaded_at,)
    with duckdb.connect(str(data_dir / "marts.duckdb"), read_only=True) as con:
        assert con.execute(
            "select value_status, value_numeric from fct_indicator_value "
            f"where document_id = 'RAP-2018' and source_line = {injected['percent'][0]} "
            "and column_header = 'Réalisation 2018'"
        ).fetchone() == ("numeric", 150)


def _materialized(data_dir: Path, run_id: str) -> set[tuple[str, ...]]:
    """The asset keys that the run `run_id` of `make run` on `data_dir` materialized."""
    events = run_events(data_dir / "dagster_home", run_id, dg.DagsterEventType.ASSET_MATERIALIZATION)
    return {tuple(e.asset_key.path) for e in events}


def _plan(data_dir: Path, raw_dir: Path):
    """What `make run` would decide to do on `data_dir` now (run_plan.plan_run)."""
    from orchestration.defs.resources import SettingsResource
    from orchestration.defs.run_plan import plan_run

    settings = SettingsResource(raw_dir=str(raw_dir), data_dir=str(data_dir)).resolved()
    with dg.DagsterInstance.from_config(str(data_dir / "dagster_home")) as instance:
        return plan_run(settings, instance)


def _repo_copy(dest: Path) -> Path:
    """The tracked files of the project (as they are in the working tree), for a run of its own."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_DIR, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        if name.startswith("raw/") or not (PROJECT_DIR / name).is_file():
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_DIR / name, dest / name)
    return dest


def test_a_failing_dbt_model_records_the_others_names_itself_and_publishes_nothing(data_dir, raw_dir):
    """A copy of the project whose one seed changed and one mart is broken: the fingerprint sees the
    dbt project changed (the manifest is prepared again, the seed lands), the run fails naming the
    model, the models built before and beside it are recorded as materialized, and the published
    marts stay as they were."""
    repo = _repo_copy(data_dir.parent / "repo")
    model = repo / "dbt_project" / "models" / "marts" / "fct_target_revision.sql"
    sql = model.read_text(encoding="utf-8")
    assert sql.rstrip().endswith("from final")
    model.write_text(sql.rstrip() + "\nwhere no_such_column is not null\n", encoding="utf-8")
    seed = repo / "dbt_project" / "seeds" / "ref_direction_source.csv"
    text = seed.read_text(encoding="utf-8")
    assert "The steward's row" in text
    seed.write_text(text.replace("The steward's row", "The steward's own row"), encoding="utf-8")
    before = _snapshot(data_dir / "marts.duckdb")
    first_run = published_run_id(data_dir)
    home = data_dir / "dagster_home_broken"
    home.mkdir()
    shutil.copyfile(PROJECT_DIR / "dagster.yaml", home / "dagster.yaml")
    env = job_env(data_dir, raw_dir, {"DAGSTER_HOME": str(home)})
    del env["DBT_JOB_TARGET_DIR"]  # the copy's own dbt_project/target: a copy, not the repository
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "FAILED in" in result.stdout
    assert "dbt manifest … rebuilt" in result.stdout
    assert any("dbt_project" in reason for reason in run_record(data_dir)["why_run"])
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from reference.ref_direction_source where meaning like '%steward''s own row%'"
        ).fetchone() == (1,)
    assert (
        "step warehouse_dbt_assets failed: dbt build: 1 node(s) failed: "
        "model.lolf_performance.fct_target_revision (error): "
    ) in result.stderr, result.stderr[-3000:]
    assert "no_such_column" in result.stderr
    # The copy's own dbt project ran (not the repository's), in its fixed target folder.
    assert (repo / "dbt_project" / "target" / "dagster-build" / "run_results.json").exists()

    with dg.DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.FAILURE
        materialized = {
            entry.dagster_event.asset_key.to_user_string()
            for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        }
        failures = [
            entry.dagster_event
            for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        ]
    assert {"marts/fct_indicator_value", "marts/fct_target_attainment", "marts/dim_measure"} <= materialized
    assert "marts/fct_target_revision" not in materialized
    assert not {key for key in materialized if key.startswith("publish/")}
    [failure] = failures
    assert failure.step_key == "warehouse_dbt_assets"
    assert "fct_target_revision" in failure.event_specific_data.error.message
    assert published_run_id(data_dir) == first_run
    assert _snapshot(data_dir / "marts.duckdb") == before
