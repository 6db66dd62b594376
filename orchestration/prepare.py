"""Prepare the dbt manifest, only when the dbt project changed.

`dbt parse` costs 8-11 s; the definitions cannot load without `target/manifest.json`. The
fingerprint of every file dbt reads is kept beside the manifest; when it matches, nothing runs.
"""

import sys

from orchestration.lib.fingerprint import dbt_project_digest
from orchestration.lib.settings import DBT_PROJECT_DIR, dbt_environment, load_settings

TARGET_DIR = DBT_PROJECT_DIR / "target"
MANIFEST = TARGET_DIR / "manifest.json"
FINGERPRINT = TARGET_DIR / ".source_fingerprint"
fingerprint = dbt_project_digest


def prepare(force: bool = False) -> bool:
    """Returns True when the manifest was rebuilt."""
    current = fingerprint()
    if not force and MANIFEST.exists() and FINGERPRINT.exists() and FINGERPRINT.read_text() == current:
        return False
    from orchestration.defs.dbt.project import dbt_project
    from orchestration.defs.resources import WarehouseDbtResource

    # `dbt parse`, as dagster-dbt's own preparer runs it, but with the project's resource: the
    # preparer's plain DbtCliResource also builds an in-process dbt adapter (seconds of parsing the
    # macros again, and a semaphore that outlives the run). No packages: no `dbt deps`.
    with dbt_environment(load_settings().duckdb_path):
        WarehouseDbtResource.for_project(dbt_project).cli(
            ["parse", "--quiet"], target_path=dbt_project.target_path
        ).wait()
    FINGERPRINT.write_text(current)
    return True


def main() -> int:
    rebuilt = prepare(force="--force" in sys.argv)
    print("dbt manifest: " + ("rebuilt (the dbt project changed)" if rebuilt else "up to date"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
