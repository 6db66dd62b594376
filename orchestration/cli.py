"""`make run`: prepare the dbt manifest if the dbt project changed, materialize every asset in one
in-process run recorded in DAGSTER_HOME, then print one screen of what happened."""

import contextlib
import sys
import time

from orchestration.lib.settings import PROJECT_DIR, export_for_subprocesses, load_settings


def _rel(path) -> str:
    return str(path.relative_to(PROJECT_DIR)) if path.is_relative_to(PROJECT_DIR) else str(path)


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    settings = load_settings()
    export_for_subprocesses(settings)
    print("[1/3] dbt manifest … ", end="", flush=True)
    from orchestration.prepare import prepare

    print("rebuilt" if prepare() else "up to date", flush=True)
    print("[2/3] loading the Dagster definitions …", flush=True)
    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_implicit_global_asset_job_def()
    log_path = settings.data_dir / "logs" / "last-run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(
        f"[3/3] materializing every asset (sources: {_rel(settings.raw_dir)}; details in {_rel(log_path)}) …"
    )
    # dbt's own output (every node, every test) goes to the log file; the terminal gets the progress.
    with dg.DagsterInstance.get() as instance, open(log_path, "w") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            # The console logger only for errors: the progress logger tells the story.
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}, "progress": {}}},
        )
        write_run_record(
            instance, result, settings.data_dir / "logs" / "last-run.json", time.monotonic() - started
        )
    return summarize(result, settings, time.monotonic() - started, log_path)


def write_run_record(instance, result, path, elapsed: float) -> None:
    """Step durations and ingestion figures of the run, for the benchmark and for people."""
    import json

    import dagster as dg

    started: dict[str, float] = {}
    steps: dict[str, float] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            steps[event.step_key] = round(entry.timestamp - started.get(event.step_key, entry.timestamp), 3)
    ingest: dict = {}
    for materialization in result.asset_materializations_for_node("raw_sources"):
        if materialization.asset_key == dg.AssetKey(["raw", "source_document"]):
            ingest = {
                k: v.value for k, v in materialization.metadata.items() if isinstance(v.value, int | float)
            }
    checks = result.get_asset_check_evaluations()
    record = {
        "run_id": result.run_id,
        "success": result.success,
        "wall_s": round(elapsed, 3),
        "steps": steps,
        "ingest": ingest,
        "checks": {
            "passed": sum(e.passed for e in checks),
            "failed_error": sum(not e.passed and e.severity == dg.AssetCheckSeverity.ERROR for e in checks),
            "failed_warn": sum(not e.passed and e.severity == dg.AssetCheckSeverity.WARN for e in checks),
        },
    }
    path.write_text(json.dumps(record, indent=2))


def quarantined(con) -> list[tuple[str, str]]:
    """(error, what the warehouse holds for that file) for every quarantined file."""
    from orchestration.lib.ingest import standing_outcome

    columns = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'rejected_document'"
        ).fetchall()
    }
    # A warehouse that no ingestion has opened since the columns were added has none.
    standing = "standing_document_id, standing_sha256" if "standing_document_id" in columns else "null, null"
    rows = con.execute(f"select error, {standing} from raw.rejected_document order by source_file").fetchall()
    return [(error, standing_outcome(doc, sha)) for error, doc, sha in rows]


def summarize(result, settings, elapsed: float, log_path) -> int:
    import dagster as dg

    from orchestration.lib.duckdb_io import connection

    evaluations = result.get_asset_check_evaluations()
    failed_errors = [e for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    warned = [e for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.WARN]
    passed = [e for e in evaluations if e.passed]
    print()
    print("=" * 78)
    print(f"run {result.run_id[:8]}: {'succeeded' if result.success else 'FAILED'} in {elapsed:.0f} s")
    if settings.duckdb_path.exists():
        with connection(settings.duckdb_path, read_only=True, timeout_s=settings.lock_timeout_s) as con:
            for doc_id, kind, vintage, file, cells in con.execute(
                "select document_id, document_type, vintage_year, source_file, cell_count "
                "from raw.source_document order by document_id"
            ).fetchall()[:12]:
                print(f"  ingested  {doc_id:<22} {kind} {vintage}  {cells:>7} cells  {file}")
            n_docs = con.execute("select count(*) from raw.source_document").fetchone()[0]
            if n_docs > 12:
                print(f"  … and {n_docs - 12} more documents")
            for error, outcome in quarantined(con):
                print(f"  QUARANTINED {error}")
                print(f"              {outcome}")
    print(f"checks: {len(passed)} passed, {len(warned)} warned, {len(failed_errors)} failed")
    for e in failed_errors:
        print(f"  FAILED  {e.asset_key.to_user_string()} · {e.check_name}: {e.description or ''}"[:300])
    for e in warned:
        print(f"  warned  {e.asset_key.to_user_string()} · {e.check_name}: {e.description or ''}"[:300])
    where = [
        ("warehouse", settings.duckdb_path, "schemas raw, staging, intermediate, reference, marts"),
        ("published marts (BI)", settings.marts_path, "read-only; same SQL: marts.<table>"),
        ("Parquet exports", settings.exports_dir, "one file per mart"),
        ("quality summary", settings.reports_dir / "quality-summary.md", "read this first; .json beside it"),
        ("GX Data Docs", settings.reports_dir / "data-docs" / "index.html", ""),
        ("scorecard", settings.reports_dir / "scorecard" / "index.html", "one page per programme"),
        ("dbt docs", settings.reports_dir / "dbt-docs" / "index.html", ""),
        ("run log (dbt output)", log_path, ""),
    ]
    for label, path, note in where:
        state = "" if path.exists() else "  (not produced by this run)"
        print(f"{label + ':':<22}{_rel(path)}{'  — ' + note if note and not state else ''}{state}")
    print("Dagster UI: make dev, then http://127.0.0.1:3000")
    print("=" * 78)
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                print(
                    f"step {event.step_key} failed: {event.event_specific_data.error.message}",
                    file=sys.stderr,
                )
        return 1
    return 1 if failed_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
