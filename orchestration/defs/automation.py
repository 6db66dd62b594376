"""Automation: a sensor that reloads the documents whose files appear or change in RAW_DIR, and a
daily schedule for the whole graph.

The graph is not partitioned: ingestion is incremental per document (a file is parsed only when its
sha256 changed), and everything downstream is rebuilt by dbt in DuckDB, which takes seconds at
these volumes. A sensor run names the changed files (`only`), so the others are not even hashed.
"""

import hashlib
import json

import dagster as dg

from orchestration.lib.ingest import discover
from orchestration.lib.settings import load_settings

refresh_job = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all(),
    description="Every asset: ingest RAW_DIR, build the warehouse, run the checks, publish.",
)


def _signatures() -> dict[str, str]:
    files, _refused = discover(load_settings().raw_dir)
    signatures = {}
    for f in files:
        stat = f.path.stat()
        signatures[f.relpath] = f"{stat.st_mtime_ns}:{stat.st_size}"
    return signatures


@dg.sensor(
    job=refresh_job,
    minimum_interval_seconds=30,
    description=(
        "Watches RAW_DIR (<pap|rap>/<vintage>/<file>): when source files appear or change, one run "
        "(re)loads those documents only, then rebuilds and republishes the marts. A removed file "
        "starts a full run, which takes its rows out of the warehouse."
    ),
)
def raw_dir_sensor(context: dg.SensorEvaluationContext):
    current = _signatures()
    if context.cursor is None:
        context.update_cursor(json.dumps(current, sort_keys=True))
        return dg.SkipReason(f"baseline recorded: {len(current)} source file(s) in RAW_DIR")
    previous = json.loads(context.cursor)
    changed = sorted(path for path, sig in current.items() if previous.get(path) != sig)
    removed = sorted(set(previous) - set(current))
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not changed and not removed:
        return dg.SkipReason("no source file appeared, changed or disappeared")
    key = hashlib.sha256(
        json.dumps([changed, removed, [current.get(p) for p in changed]]).encode()
    ).hexdigest()
    only = [] if removed else changed  # a removal needs the full scan that deletes rows
    return dg.RunRequest(
        run_key=key[:16],
        run_config={"ops": {"raw_sources": {"config": {"only": only}}}},
        tags={"raw_dir/changed": ",".join(changed)[:200], "raw_dir/removed": ",".join(removed)[:200]},
    )


daily_refresh = dg.ScheduleDefinition(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/Paris",
    description="Every morning: the whole graph (a no-change run only re-hashes the files and rebuilds the marts).",
)
