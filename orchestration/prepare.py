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

    with dbt_environment(load_settings().duckdb_path):
        dbt_project.preparer.prepare(dbt_project)
    FINGERPRINT.write_text(current)
    return True


def main() -> int:
    rebuilt = prepare(force="--force" in sys.argv)
    print("dbt manifest: " + ("rebuilt (the dbt project changed)" if rebuilt else "up to date"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
