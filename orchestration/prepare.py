"""Prepare the dbt manifest, only when the dbt project changed.

`dbt parse` costs 8-11 s; the definitions cannot load without `target/manifest.json`. The
fingerprint of every file dbt reads is kept beside the manifest; when it matches, nothing runs.
"""

import hashlib
import sys
from pathlib import Path

from orchestration.lib.settings import DBT_PROJECT_DIR, export_for_subprocesses, load_settings

TARGET_DIR = DBT_PROJECT_DIR / "target"
MANIFEST = TARGET_DIR / "manifest.json"
FINGERPRINT = TARGET_DIR / ".source_fingerprint"
_SKIP_DIRS = {"target", "logs", "dbt_packages"}


def fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(project_dir.rglob("*")):
        rel = path.relative_to(project_dir)
        if path.is_dir() or rel.parts[0] in _SKIP_DIRS or rel.name.startswith("."):
            continue
        digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def prepare(force: bool = False) -> bool:
    """Returns True when the manifest was rebuilt."""
    current = fingerprint()
    if not force and MANIFEST.exists() and FINGERPRINT.exists() and FINGERPRINT.read_text() == current:
        return False
    export_for_subprocesses(load_settings())
    from orchestration.defs.dbt.project import dbt_project

    dbt_project.preparer.prepare(dbt_project)
    FINGERPRINT.write_text(current)
    return True


def main() -> int:
    rebuilt = prepare(force="--force" in sys.argv)
    print("dbt manifest: " + ("rebuilt (the dbt project changed)" if rebuilt else "up to date"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
