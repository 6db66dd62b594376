"""The dbt project, in a module of its own: `orchestration.prepare` builds its manifest before the
definitions (which need it) are imported."""

import os
import re
import shutil
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.lib.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# dagster-dbt gives every invocation a target folder of its own (DbtCliResource.cli:
# `target/<op>-<run id[:7]>-<uuid[:7]>`, or `target/<uuid[:7]>` outside an asset) and never removes
# it: one per run piles up. The job runs one invocation of each kind at a time (one writer), so each
# kind gets one fixed folder, overwritten run after run (its dbt.log and run_results.json are the
# last run's).
_UNIQUE_TARGET = re.compile(r"^(?:[A-Za-z0-9_]+-[0-9a-f]{7}-)?[0-9a-f]{7}$")


def invocation_root() -> Path:
    """Where the job's dbt target folders go: dbt_project/target, or DBT_JOB_TARGET_DIR when set (the
    tests give each run a temporary one: a test run writes nothing into the repository)."""
    moved = os.environ.get("DBT_JOB_TARGET_DIR", "").strip()
    return Path(moved) if moved else Path(dbt_project.project_dir) / dbt_project.target_path


PARTIAL_PARSE = "partial_parse.msgpack"


def invocation_target_dir(kind: str) -> Path:
    return invocation_root() / f"dagster-{kind}"


def invocation_target(kind: str) -> Path:
    """`target/dagster-<kind>`, emptied of the previous run's results (a dbt that dies before writing
    run_results.json must not leave the last run's to be read as this one's)."""
    target = invocation_target_dir(kind)
    (target / "run_results.json").unlink(missing_ok=True)
    remove_per_invocation_targets()
    return target


def remove_per_invocation_targets() -> list[Path]:
    """The per-invocation folders left by dagster-dbt's default target path (earlier versions)."""
    root = Path(dbt_project.project_dir) / dbt_project.target_path
    removed = []
    for folder in root.iterdir() if root.is_dir() else []:
        if folder.is_dir() and _UNIQUE_TARGET.match(folder.name):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
