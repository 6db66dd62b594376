"""Automation: a sensor that reloads the documents whose files appear or change in RAW_DIR, and a
daily schedule for the whole graph.

The graph is not partitioned: ingestion is incremental per document (a file is parsed only when its
sha256 changed), and everything downstream is rebuilt by dbt in DuckDB, which takes seconds at
these volumes. Both ask `run_plan.plan_run` what to do before they request a run: nothing when
nothing changed; the seeds left out of the dbt build when only documents changed. A sensor run
names the changed files (`only`), so the others are not even parsed.
"""

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from orchestration.defs.resources import SettingsResource
from orchestration.defs.run_plan import plan_run
from orchestration.lib.ingest.loader import discover

refresh_job = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all(),
    description="Every asset: ingest RAW_DIR, build the warehouse, run the checks, publish.",
)


def _signatures(raw_dir: Path) -> dict[str, str]:
    files, _refused = discover(raw_dir)
    signatures = {}
    for f in files:
        stat = f.path.stat()
        signatures[f.relpath] = f"{stat.st_mtime_ns}:{stat.st_size}"
    return signatures


SENSOR_NAME = "raw_dir_sensor"
# A tick waits this long for a warehouse a run is writing, then requests a run that builds
# everything (queued behind that run), rather than hold the daemon for the settings' timeout.
PLAN_LOCK_TIMEOUT_S = 3.0
# Tags the sensor daemon puts on the runs it creates (dagster/_core/storage/tags.py).
RUN_KEY_TAG, SENSOR_NAME_TAG = "dagster/run_key", "dagster/sensor_name"
NEVER_STARTED_S = 600  # a requested run that does not exist after this was never submitted
RETRY_MAX_S = 3600


def _now() -> float:
    return time.time()


def retry_delay_s(failures: int) -> float:
    """After a failed run, its files are requested again on the next tick; if that fails too, the
    wait doubles (60 s, 120 s, …) up to an hour, so a run that keeps failing does not run nonstop."""
    return 0.0 if failures <= 1 else float(min(60 * 2 ** (failures - 2), RETRY_MAX_S))


def _load_state(cursor: str) -> dict:
    state = json.loads(cursor)
    if "done" not in state:  # the cursor of earlier versions: the signatures alone
        state = {"done": state}
    return {"pending": None, "failures": 0, "failed_at": None, **state}


def _settle_pending(context: dg.SensorEvaluationContext, state: dict) -> str | None:
    """Account for the run requested last: its files are done only once it succeeded. Returns why
    to wait, while it is queued or running."""
    pending = state["pending"]
    if not pending:
        return None
    runs = context.instance.get_runs(
        filters=dg.RunsFilter(tags={RUN_KEY_TAG: pending["run_key"], SENSOR_NAME_TAG: SENSOR_NAME}),
        limit=1,
    )
    if not runs:
        if _now() - pending["requested_at"] < NEVER_STARTED_S:
            return f"waiting for the run of {len(pending['files'])} file(s) to be created"
        outcome = "never created"
    elif runs[0].status == dg.DagsterRunStatus.SUCCESS:
        state["done"].update(pending["files"])
        for path in pending["removed"]:
            state["done"].pop(path, None)
        state.update(pending=None, failures=0, failed_at=None)
        return None
    elif runs[0].is_finished:
        outcome = f"{runs[0].status.value.lower()} (run {runs[0].run_id})"
    else:
        return f"waiting for run {runs[0].run_id} ({runs[0].status.value})"
    # Failed, canceled or never created: its files stay not done, to be requested again.
    context.log.warning(f"the run for {sorted(pending['files']) + pending['removed']} {outcome}")
    state.update(pending=None, failures=state["failures"] + 1, failed_at=_now())
    return None


@dg.sensor(
    name=SENSOR_NAME,
    job=refresh_job,
    minimum_interval_seconds=30,
    description=(
        "Watches RAW_DIR (<pap|rap>/<vintage>/<file>): when source files appear or change, one run "
        "(re)loads those documents only, then rebuilds and republishes the marts. A removed file "
        "starts a full run, which takes its rows out of the warehouse. A file counts as done only "
        "once its run succeeded: after a failed run it is requested again on the next tick (then "
        "with a growing wait, up to an hour, while runs keep failing)."
    ),
)
def raw_dir_sensor(context: dg.SensorEvaluationContext, settings: SettingsResource):
    """The cursor: `done`, the signature of each file as of the last run that succeeded for it;
    `pending`, the run requested last and the files it covers; the failures in a row."""
    current = _signatures(settings.resolved().raw_dir)
    if context.cursor is None:
        context.update_cursor(json.dumps({"done": current}, sort_keys=True))
        return dg.SkipReason(f"baseline recorded: {len(current)} source file(s) in RAW_DIR")
    state = _load_state(context.cursor)
    waiting = _settle_pending(context, state)
    if waiting:
        return dg.SkipReason(waiting)
    done = state["done"]
    changed = sorted(path for path, sig in current.items() if done.get(path) != sig)
    removed = sorted(set(done) - set(current))
    if not changed and not removed:
        state.update(failures=0, failed_at=None)  # nothing left to retry
        context.update_cursor(json.dumps(state, sort_keys=True))
        return dg.SkipReason("no source file appeared, changed or disappeared")
    if state["failures"] and _now() - state["failed_at"] < retry_delay_s(state["failures"]):
        context.update_cursor(json.dumps(state, sort_keys=True))
        return dg.SkipReason(
            f"{state['failures']} failed run(s) in a row: trying again "
            f"{retry_delay_s(state['failures']):.0f} s after the last one"
        )
    # The attempt number makes a retry's run key new (the daemon skips a run key already used).
    key = hashlib.sha256(
        json.dumps([changed, removed, [current.get(p) for p in changed], state["failures"]]).encode()
    ).hexdigest()[:16]
    only = [] if removed else changed  # a removal needs the full scan that deletes rows
    plan = plan_run(settings.resolved(), context.instance, only=only, lock_timeout_s=PLAN_LOCK_TIMEOUT_S)
    if plan.up_to_date:  # touched, same bytes: nothing to load or build
        state["done"].update({path: current[path] for path in changed})
        state.update(failures=0, failed_at=None)
        context.update_cursor(json.dumps(state, sort_keys=True))
        return dg.SkipReason(f"{len(changed)} file(s) touched, their content unchanged: up to date")
    state["pending"] = {
        "run_key": key,
        "files": {path: current[path] for path in changed},
        "removed": removed,
        "requested_at": _now(),
    }
    context.update_cursor(json.dumps(state, sort_keys=True))
    return dg.RunRequest(
        run_key=key,
        run_config=plan.run_config(),
        tags={
            **plan.tags(),
            "raw_dir/changed": ",".join(changed)[:200],
            "raw_dir/removed": ",".join(removed)[:200],
        },
    )


@dg.schedule(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/Paris",
    description=(
        "Every morning: the whole graph, when anything it is built from changed since the last "
        "complete run (the documents, the dbt project, the expectations, the code) or an output is "
        "missing; otherwise no run."
    ),
)
def daily_refresh(context: dg.ScheduleEvaluationContext, settings: SettingsResource):
    plan = plan_run(settings.resolved(), context.instance, lock_timeout_s=PLAN_LOCK_TIMEOUT_S)
    if plan.up_to_date:
        return dg.SkipReason(f"up to date: fingerprint {plan.fingerprint.short} of run {plan.record.run_id}")
    return dg.RunRequest(run_config=plan.run_config(), tags=plan.tags())
