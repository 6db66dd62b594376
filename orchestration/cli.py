"""`make run`: prepare the dbt manifest if the dbt project changed, decide what the run must do
(`orchestration/defs/run_plan.py`), materialize every asset in one in-process run recorded in
DAGSTER_HOME with that decision as its run config, then print one screen of what happened. When
nothing changed since the last complete run, no run starts and the screen says which fingerprint
matched. `--force` (`make run FORCE=1`) does the work anyway.

One writer: an in-process run does not go through the instance's run queue (dagster.yaml,
`concurrency.runs.max_concurrent_runs: 1`), so `make run` enforces it itself. It holds an exclusive
lock on `<warehouse>.run-lock` for its whole life (a second `make run` on the same warehouse is
refused at once, naming the first one's process; the kernel frees the lock when a process dies,
even by SIGKILL), and refuses to start while DAGSTER_HOME records a run in progress (one started
by the daemon or the UI). Its own run is recorded as in progress meanwhile, so the queue starts
no other run before it ends.
"""

import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from orchestration.lib.settings import PROJECT_DIR, load_settings, prepare_dagster_home


def _rel(path) -> str:
    return str(path.relative_to(PROJECT_DIR)) if path.is_relative_to(PROJECT_DIR) else str(path)


MAKE_RUN_TAG = "orchestration/launched_by"
WAREHOUSE_TAG = "orchestration/warehouse"
PID_TAG = "orchestration/pid"


class AnotherWriter(RuntimeError):
    pass


@contextlib.contextmanager
def writer_lock(warehouse: Path) -> Iterator[None]:
    """An exclusive lock beside the warehouse for as long as this process runs the job."""
    path = warehouse.with_name(f".{warehouse.name}.run-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise AnotherWriter(
                f"another `make run` (process {holder}) is already writing {warehouse}: one run at a "
                "time. Wait for it to finish, then run again."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _alive(pid: str | None) -> bool:
    try:
        os.kill(int(pid or ""), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def refuse_if_a_run_is_in_progress(instance, warehouse: Path) -> None:
    """No run of the daemon or the UI may be in progress in this DAGSTER_HOME. A run left "in
    progress" by a `make run` that was killed is stale (we hold the lock it held on this warehouse,
    or its process is gone): it is marked failed. A `make run` alive on another warehouse is left be."""
    import dagster as dg

    active = instance.get_run_records(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.CANCELING,
            ]
        )
    )
    for record in active:
        run = record.dagster_run
        if run.tags.get(MAKE_RUN_TAG) == "make run":
            if run.tags.get(WAREHOUSE_TAG) != str(warehouse) and _alive(run.tags.get(PID_TAG)):
                continue
            instance.report_run_failed(
                run, "the `make run` process running it was killed (found in progress by a later make run)"
            )
            continue
        raise AnotherWriter(
            f"run {run.run_id} ({run.job_name}, started by the daemon or the UI) is in progress in "
            f"DAGSTER_HOME={instance.root_directory}: one run at a time. Wait for it to finish (see "
            "`make dev`), or terminate it there if its process is gone, then run again."
        )


def free_pool_slots_of_ended_runs(instance) -> list[str]:
    """The pool slots (dagster.yaml: `duckdb_warehouse`, limit 1) still held by runs that ended or
    no longer exist. A run killed with SIGKILL never frees the slots of its steps; the daemon's run
    monitoring would, but `make run` has no daemon: the next run would wait for the slot forever.
    Called once no other run can be in progress (`refuse_if_a_run_is_in_progress`)."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    freed = []
    for run_id in storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            storage.free_concurrency_slots_for_run(run_id)
            freed.append(run_id)
    return freed


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m orchestration.cli", description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        with writer_lock(settings.duckdb_path):
            return _main(settings, force=args.force)
    except AnotherWriter as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 3


def _main(settings, force: bool = False) -> int:
    started = time.monotonic()
    print("[1/3] dbt manifest … ", end="", flush=True)
    from orchestration.prepare import prepare

    print("rebuilt" if prepare() else "up to date", flush=True)
    import dagster as dg

    from orchestration.defs.run_plan import plan_run

    log_path = settings.data_dir / "logs" / "last-run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    home = prepare_dagster_home(settings.dagster_home)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        refuse_if_a_run_is_in_progress(instance, settings.duckdb_path)
        free_pool_slots_of_ended_runs(instance)
        plan = plan_run(settings, instance, force=force)
        if plan.up_to_date:
            record = {"run_id": None, "job_name": None, "success": True}
            write_run_record(record, plan, settings.data_dir / "logs" / "last-run.json", started)
            return summarize_up_to_date(plan, settings, time.monotonic() - started)
        print("[2/3] loading the Dagster definitions …", flush=True)
        import logging

        from orchestration.definitions import defs
        from orchestration.defs.automation import refresh_job

        # The checks Dagster plans but a failed blocking check skips: it warns, for every step
        # after them, that a blocking check emitted no result. The progress logger names each
        # skipped step already.
        logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)
        # The named job the schedule and the sensor run: the UI lists the run under its name.
        job = defs.resolve_job_def(refresh_job.name)
        print(
            f"[3/3] materializing every asset (sources: {_rel(settings.raw_dir)}; details in {_rel(log_path)}) …"
        )
        for reason in plan.reasons:
            print(f"    = why: {reason}"[:300])
        run_config: dict = {
            "loggers": {"console": {"config": {"log_level": "ERROR"}}, "progress": {}},
            **plan.run_config(),
        }
        # dbt's own output (every node, every test) goes to the log file; the terminal gets the progress.
        with open(log_path, "w") as log, contextlib.redirect_stdout(log):
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                tags={
                    MAKE_RUN_TAG: "make run",
                    WAREHOUSE_TAG: str(settings.duckdb_path),
                    PID_TAG: str(os.getpid()),
                    **plan.tags(),
                },
                # The console logger only for errors: the progress logger tells the story.
                run_config=run_config,
            )
            write_run_record(
                run_summary(instance, result), plan, settings.data_dir / "logs" / "last-run.json", started
            )
    return summarize(result, plan, settings, time.monotonic() - started, log_path)


def read_this_run(result) -> set[str]:
    """The documents whose file this run read and (re)loaded; the others are as an earlier run
    loaded them."""
    import dagster as dg

    for materialization in result.asset_materializations_for_node("raw_sources"):
        if materialization.asset_key == dg.AssetKey(["raw", "source_document"]):
            loaded = materialization.metadata.get("loaded_this_run")
            return set(loaded.value) if loaded is not None else set()
    return set()


def run_summary(instance, result) -> dict:
    """Step durations (the instance's step statistics), ingestion figures and checks of the run."""
    import dagster as dg

    steps = {
        stat.step_key: round(stat.end_time - stat.start_time, 3)
        for stat in instance.get_run_step_stats(result.run_id)
        if stat.start_time is not None and stat.end_time is not None
    }
    ingest: dict = {}
    for materialization in result.asset_materializations_for_node("raw_sources"):
        if materialization.asset_key == dg.AssetKey(["raw", "source_document"]):
            ingest = {
                k: v.value for k, v in materialization.metadata.items() if isinstance(v.value, int | float)
            }
    checks = result.get_asset_check_evaluations()
    return {
        "run_id": result.run_id,
        "job_name": instance.get_run_by_id(result.run_id).job_name,
        "success": result.success,
        "steps": steps,
        "steps_skipped": sorted(e.step_key for e in result.get_step_skipped_events()),
        "ingest": ingest,
        "checks": {
            "passed": sum(e.passed for e in checks),
            "failed_error": sum(not e.passed and e.severity == dg.AssetCheckSeverity.ERROR for e in checks),
            "failed_warn": sum(not e.passed and e.severity == dg.AssetCheckSeverity.WARN for e in checks),
        },
    }


def write_run_record(record: dict, plan, path, started: float) -> None:
    """What `make run` did, for the benchmark and for people (logs/last-run.json): the run's
    summary (none started when up to date), the plan's fingerprint and reasons, the wall time."""
    import json

    record = {
        "steps": {},
        "steps_skipped": [],
        "ingest": {},
        "checks": {"passed": 0, "failed_error": 0, "failed_warn": 0},
        **record,
        "wall_s": round(time.monotonic() - started, 3),
        "up_to_date": plan.up_to_date,
        "fingerprint": plan.fingerprint.value,
        "why_run": plan.reasons,
        "dbt_scope": None if plan.up_to_date else plan.dbt_scope,
    }
    path.write_text(json.dumps(record, indent=2))


def held_by_document(reports_dir) -> dict[str, str]:
    """Per document, the cells the quarantine rules hold, from the raw suite's stored result (the
    quality summary's `documents` section): '17 cells (unit_mapped 12, …); first lines 7, 8'."""
    from orchestration.lib.quality.report import held_by_document as per_document
    from orchestration.lib.quality.results import stored_results

    return {
        d["document_id"]: (
            f"{d['cells_held']} cells ("
            + ", ".join(f"{rule} {n}" for rule, n in d["held_by_rule"].items())
            + f"); first lines {', '.join(map(str, d['first_lines']))}"
        )
        for d in per_document(stored_results(reports_dir, ("raw_indicator_cell",)), None)
    }


def _what_failed(evaluation) -> str:
    """A check's own description, else (a dbt test: dagster-dbt gives none) its failing rows."""
    if evaluation.description:
        return evaluation.description
    rows = evaluation.metadata.get("dagster_dbt/failed_row_count")
    return f"{rows.value} row(s) fail the dbt test" if rows is not None else ""


def _documents(settings, read: set[str]) -> int:
    """The documents the warehouse holds (`ingested` by this run, else `unchanged`), the cells held
    back, the quarantined files. Returns how many files are quarantined."""
    from orchestration.lib.duckdb_io import connection
    from orchestration.lib.quality.report import quarantined_rows

    if not settings.duckdb_path.exists():
        return 0
    with connection(settings.duckdb_path, read_only=True, timeout_s=settings.lock_timeout_s) as con:
        holds = held_by_document(settings.reports_dir)
        for doc_id, kind, vintage, file, cells in con.execute(
            "select document_id, document_type, vintage_year, source_file, cell_count "
            "from raw.source_document order by document_id"
        ).fetchall()[:12]:
            state = "ingested " if doc_id in read else "unchanged"
            print(f"  {state} {doc_id:<22} {kind} {vintage}  {cells:>7} cells  {file}")
            held = holds.get(doc_id)
            if held:
                print(f"{'':<12}held {held}"[:300])
        n_docs = con.execute("select count(*) from raw.source_document").fetchone()[0]
        if n_docs > 12:
            print(f"  … and {n_docs - 12} more documents")
        quarantined = quarantined_rows(con)
        for q in quarantined:
            print(f"  QUARANTINED {q['error']}")
            print(f"              {q['in_the_warehouse']}")
    return len(quarantined)


def _decisions(settings) -> None:
    from orchestration.lib.quality.review_queues import decisions_line

    decisions = decisions_line(settings.reports_dir)
    if decisions:
        print(f"{decisions} — see quality-summary.md, docs/stewards.md"[:300])


def _where(settings, log_path) -> None:
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
        state = "" if path.exists() else "  (not produced)"
        print(f"{label + ':':<22}{_rel(path)}{'  — ' + note if note and not state else ''}{state}")
    print("Dagster UI: make dev, then http://127.0.0.1:3000")
    print("=" * 78)


def summarize_up_to_date(plan, settings, elapsed: float) -> int:
    """The screen of a `make run` that started no run. Exit 1 while a quarantined file stands in
    RAW_DIR, as the run that found it did."""
    print()
    print("=" * 78)
    print(
        f"warehouse up to date (fingerprint {plan.fingerprint.short}, the same as run "
        f"{plan.record.run_id[:8]} of {str(plan.record.completed_at)[:19]}): nothing changed in the "
        "documents, the dbt project, the expectations or the code; no run started "
        f"({elapsed:.1f} s; make run FORCE=1 rebuilds anyway)"
    )
    quarantined = _documents(settings, set())
    _decisions(settings)
    print(f"checks: as run {plan.record.run_id[:8]} left them (see the quality summary)")
    _where(settings, settings.data_dir / "logs" / "last-run.log")
    return 1 if quarantined else 0


def summarize(result, plan, settings, elapsed: float, log_path) -> int:
    import dagster as dg

    evaluations = result.get_asset_check_evaluations()
    failed_errors = [e for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    warned = [e for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.WARN]
    passed = [e for e in evaluations if e.passed]
    print()
    print("=" * 78)
    print(f"run {result.run_id[:8]}: {'succeeded' if result.success else 'FAILED'} in {elapsed:.0f} s")
    for reason in plan.reasons:
        print(f"rebuilt: {reason}"[:300])
    _documents(settings, read_this_run(result))
    _decisions(settings)
    print(f"checks: {len(passed)} passed, {len(warned)} warned, {len(failed_errors)} failed")
    for e in failed_errors:
        print(f"  FAILED  {e.asset_key.to_user_string()} · {e.check_name}: {_what_failed(e)}"[:300])
    for e in warned:
        print(f"  warned  {e.asset_key.to_user_string()} · {e.check_name}: {_what_failed(e)}"[:300])
    _where(settings, log_path)
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                message = event.event_specific_data.error.message
                # A dg.Failure raised on purpose (e.g. the dbt build naming its failed nodes): its text.
                message = message.removeprefix("dagster._core.definitions.events.Failure: ")
                print(f"step {event.step_key} failed: {message}", file=sys.stderr)
        return 1
    return 1 if failed_errors else 0


def exit_now(code: int) -> None:
    """End the process without the interpreter's teardown of the stack's modules (dbt, Dagster,
    pydantic: about 1.7 s of freeing objects here). By then every output is written and closed and
    the Dagster instance disposed; only the standard streams and the log handlers remain to flush."""
    import logging

    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
