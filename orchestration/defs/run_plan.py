"""What a run of `refresh_warehouse` must do, decided before it starts, by whoever launches it
(`make run`, the sensor, the schedule), and handed to the run as its run config.

The launcher computes the fingerprint of the outputs from the files as they are
(`lib/fingerprint.py`) and compares it with the last complete run's (`raw.run_fingerprint`):
- nothing changed, every output is there and no other run materialized an asset since: no run;
- only documents changed: a run whose dbt build leaves out the seeds and their own tests (the last
  complete run built them from the same files);
- anything else (the dbt project, the expectations, the code, a missing output or seed, a run of
  some assets since, no complete run, `force`): a run that builds everything.

The assets do the work the run config says and decide nothing. A run launched without this config
(the UI's "Materialize all") builds everything.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.lib import fingerprint
from orchestration.lib.duckdb_io import WarehouseLockedError, connection
from orchestration.lib.settings import DBT_PROJECT_DIR, Settings

# The dbt build's scope (the config of `warehouse_dbt_assets`).
EVERYTHING, DOWNSTREAM_OF_SOURCES = "everything", "downstream_of_sources"
# Tags of the run, for the UI and `make run`'s screen.
WHY_TAG, FINGERPRINT_TAG = "orchestration/why", "orchestration/fingerprint"


@dataclass(frozen=True)
class RunPlan:
    fingerprint: fingerprint.Fingerprint
    record: fingerprint.Record | None  # the last complete run
    reasons: list[str]  # why the run must work; none: up to date
    dbt_scope: str = EVERYTHING
    only: list[str] = field(default_factory=list)  # files to (re)load; empty: every file

    @property
    def up_to_date(self) -> bool:
        return not self.reasons

    def run_config(self) -> dict:
        return {
            "ops": {
                "raw_sources": {"config": {"only": list(self.only)}},
                "warehouse_dbt_assets": {"config": {"scope": self.dbt_scope}},
            }
        }

    def tags(self) -> dict[str, str]:
        return {WHY_TAG: "; ".join(self.reasons)[:250], FINGERPRINT_TAG: self.fingerprint.value}


def seed_names(project_dir: Path = DBT_PROJECT_DIR) -> set[str]:
    """The tables the dbt seeds build (schema `reference`): one per CSV file of seeds/."""
    return {path.stem for path in (project_dir / "seeds").glob("*.csv")}


def plan_run(
    settings: Settings,
    instance: dg.DagsterInstance | None = None,
    *,
    force: bool = False,
    only: Iterable[str] = (),
    lock_timeout_s: float | None = None,
) -> RunPlan:
    """The plan of the next run on `settings`' warehouse. `instance`: the Dagster instance whose
    runs may have materialized some assets since the last complete run (none: not asked).
    `lock_timeout_s`: how long to wait for a warehouse another process writes (default: the
    settings'); past it, the plan is a run that builds everything, queued behind that writer."""
    current = fingerprint.compute(fingerprint.files_digest(settings.raw_dir), settings, settings.duckdb_path)
    only = sorted(only)
    if force:
        return RunPlan(current, None, ["forced"], EVERYTHING, only)
    record, seeds_present = None, set()
    timeout_s = settings.lock_timeout_s if lock_timeout_s is None else lock_timeout_s
    if settings.duckdb_path.exists():
        try:
            with connection(settings.duckdb_path, read_only=True, timeout_s=timeout_s) as con:
                record = fingerprint.last_complete(con)
                seeds_present = {
                    r[0]
                    for r in con.execute(
                        "select table_name from information_schema.tables where table_schema = 'reference'"
                    ).fetchall()
                }
        except WarehouseLockedError as exc:
            why = f"the warehouse could not be read within {timeout_s:.0f} s ({exc})"
            return RunPlan(current, None, [why], EVERYTHING, only)
    if record is None:
        return RunPlan(current, None, ["no complete run recorded in this warehouse"], EVERYTHING, only)

    reasons = []
    changed = fingerprint.changed_parts(record, current)
    if changed:
        reasons.append(f"changed since run {record.run_id[:8]}: {', '.join(changed)}")
    missing = [
        f"{name} ({path})" for name, path in fingerprint.outputs(settings).items() if not path.exists()
    ]
    if missing:
        reasons.append("missing: " + ", ".join(missing))
    later = _materialized_since(instance, record) if instance is not None else []
    if later:
        reasons.append(f"materialized by another run since run {record.run_id[:8]}: {', '.join(later[:5])}")
    lost_seeds = sorted(seed_names() - seeds_present)
    if lost_seeds:
        reasons.append(f"seeds missing from the warehouse: {', '.join(lost_seeds[:5])}")
    only_documents = set(changed) <= {"documents"} and not later and not lost_seeds
    return RunPlan(current, record, reasons, DOWNSTREAM_OF_SOURCES if only_documents else EVERYTHING, only)


def _materialized_since(instance: dg.DagsterInstance, record: fingerprint.Record) -> list[str]:
    """The assets a run other than the last complete one materialized after it completed: what
    they rebuilt may not match the recorded fingerprint any more."""
    since = record.completed_at.timestamp() if record.completed_at else 0.0
    keys = instance.get_asset_keys()
    return sorted(
        key.to_user_string()
        for key, entry in instance.get_latest_materialization_events(keys).items()
        if entry is not None and entry.run_id != record.run_id and entry.timestamp > since
    )
