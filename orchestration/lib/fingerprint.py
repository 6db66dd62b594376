"""What the outputs of a run are built from, as one digest, and the digest of the last run that
built all of them (`raw.run_fingerprint`).

The parts: the documents (each source file's path and sha256, the quarantined ones too, and the
reader version), the dbt project (models, seeds, tests, macros, profile), the expectations and the
reviewed exceptions, the runtime code (`RUNTIME_CODE` of `orchestration/`, and `uv.lock`), and where
the outputs go. The launcher (`orchestration/defs/run_plan.py`) computes it from the files before a
run: equal to that of the last complete run, with every output still there, there is nothing to do.

The record is kept honest by its life cycle: a run that does the work first deletes the record (a
run killed half-way leaves none, so the next run does the work again), then writes its own
fingerprint, from the files as its ingestion saw them (`held_digest`), marked complete only by the
last asset of the graph once every output is built.
"""

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb

from orchestration.lib.ingest.loader import MAX_FILE_BYTES, discover
from orchestration.lib.ingest.raw_schema import READER_VERSION
from orchestration.lib.quality.exceptions import existing_extra_file
from orchestration.lib.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_DIR, Settings

CODE_DIR = PROJECT_DIR / "orchestration"
DDL = """
create schema if not exists raw;
create table if not exists raw.run_fingerprint (
    run_id varchar primary key,
    fingerprint varchar not null,
    parts varchar not null,
    started_at timestamptz not null,
    completed_at timestamptz
);
"""
_DBT_SKIP = {"target", "logs", "dbt_packages"}


def tree_digest(root: Path, skip_dirs: Iterable[str] = ()) -> str:
    """sha256 over the relative path and bytes of every file under `root`, in order; hidden files,
    `__pycache__` and the top-level folders `skip_dirs` left out."""
    skip = set(skip_dirs)
    files = []
    for folder, dirs, names in os.walk(root):
        top = Path(folder) == root
        dirs[:] = [
            d for d in dirs if not d.startswith(".") and d != "__pycache__" and not (top and d in skip)
        ]
        files += [Path(folder) / name for name in names if not name.startswith(".")]
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def dbt_project_digest(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """Every file dbt reads: models, seeds, tests, macros, dbt_project.yml, profiles.yml."""
    return tree_digest(project_dir, _DBT_SKIP)


# The code a run executes: the code location and what it imports. The launchers (`cli.py`: the
# final screen; `dev.py`; `prepare.py`) and the tools (the benchmark, the corpus) shape no output:
# editing them rebuilds nothing.
RUNTIME_CODE = ("definitions.py", "defs", "lib")


@cache
def code_version() -> str:
    """The runtime code of the job (`RUNTIME_CODE`, templates included) and the locked dependencies."""
    digest = hashlib.sha256()
    for name in RUNTIME_CODE:
        path = CODE_DIR / name
        digest.update(name.encode() + b"\0")
        digest.update(tree_digest(path).encode() if path.is_dir() else path.read_bytes())
    lock = PROJECT_DIR / "uv.lock"
    if lock.exists():
        digest.update(lock.read_bytes())
    return digest.hexdigest()


def _documents_value(seen: Mapping[str, str | None]) -> str:
    return hashlib.sha256(json.dumps([READER_VERSION, sorted(seen.items())]).encode()).hexdigest()


def files_digest(raw_dir: Path) -> str:
    """The documents as RAW_DIR holds them, before any run reads them: each candidate file's path
    and sha256 (none for a file refused unread), for this reader version. What the launcher
    compares with the last complete run (`held_digest` is the same digest, as a run saw the files)."""
    files, refused = discover(raw_dir)
    seen: dict[str, str | None] = {r.source_file: None for r in refused}
    for source in files:
        try:
            too_big = source.path.stat().st_size > MAX_FILE_BYTES
            seen[source.relpath] = None if too_big else hashlib.sha256(source.path.read_bytes()).hexdigest()
        except OSError:  # the loader quarantines it, with no sha256 either
            seen[source.relpath] = None
    return _documents_value(seen)


def held_digest(con: duckdb.DuckDBPyConnection) -> str:
    """`files_digest` as the warehouse saw the files when it last read them: each loaded file's
    sha256 (marked when an older reader read it), and for a quarantined file the sha256 of the
    bytes refused (a changed file refused keeps its previous document, but its new bytes were seen)."""
    seen: dict[str, str | None] = {}
    for source_file, sha, reader in con.execute(
        "select source_file, sha256, reader_version from raw.source_document"
    ).fetchall():
        seen[source_file] = sha if reader == READER_VERSION else f"{sha}@reader-{reader}"
    for source_file, sha in con.execute("select source_file, sha256 from raw.rejected_document").fetchall():
        seen[source_file] = sha
    return _documents_value(seen)


def expectations_digest(extra_exceptions: Path | None) -> str:
    """The GX suites and configuration, expectations/exceptions.csv, and the extra exceptions file."""
    digest = hashlib.sha256(tree_digest(EXPECTATIONS_DIR, {"uncommitted"}).encode())
    if existing_extra_file(extra_exceptions) is not None:
        digest.update(b"extra exceptions\0")
        digest.update(extra_exceptions.read_bytes())
    return digest.hexdigest()


def outputs(settings: Settings) -> dict[str, Path]:
    """What a complete run leaves behind (besides the warehouse)."""
    reports = settings.reports_dir
    return {
        "published marts": settings.marts_path,
        "Parquet exports": settings.exports_dir / "fct_indicator_value.parquet",
        "quality summary": reports / "quality-summary.md",
        "GX Data Docs": reports / "data-docs" / "index.html",
        "scorecard": reports / "scorecard" / "index.html",
        "dbt docs": reports / "dbt-docs" / "index.html",
    }


@dataclass(frozen=True)
class Fingerprint:
    value: str
    parts: Mapping[str, str]

    @property
    def short(self) -> str:
        return self.value[:12]


def outputs_digest(settings: Settings, warehouse: Path) -> str:
    """Where the outputs go, relative to the warehouse's folder when they are under it (so a copy of
    a whole DATA_DIR keeps its fingerprint)."""
    home = warehouse.parent

    def where(path: Path) -> str:
        return path.relative_to(home).as_posix() if path.is_relative_to(home) else str(path)

    placed = {name: where(path) for name, path in outputs(settings).items()}
    return hashlib.sha256(json.dumps(placed, sort_keys=True).encode()).hexdigest()


def compute(documents: str, settings: Settings, warehouse: Path) -> Fingerprint:
    """The fingerprint of a run's outputs, given its documents' digest (`files_digest` before the
    run, `held_digest` after ingestion)."""
    parts = {
        "documents": documents,
        "dbt_project": dbt_project_digest(),
        "expectations": expectations_digest(settings.extra_exceptions),
        "code": code_version(),
        "outputs": outputs_digest(settings, warehouse),
    }
    value = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return Fingerprint(value, parts)


@dataclass(frozen=True)
class Record:
    run_id: str
    fingerprint: str
    parts: Mapping[str, str]
    started_at: datetime
    completed_at: datetime | None


def _records(con: duckdb.DuckDBPyConnection, where: str, params: list) -> list[Record]:
    """The records that match `where` (none before the first run: read-only, it creates nothing)."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'run_fingerprint'"
    ).fetchone()[0]
    if not exists:
        return []
    rows = con.execute(
        "select run_id, fingerprint, parts, started_at, completed_at from raw.run_fingerprint "
        f"where {where} order by started_at desc",
        params,
    ).fetchall()
    return [Record(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]


def last_complete(con: duckdb.DuckDBPyConnection) -> Record | None:
    records = _records(con, "completed_at is not null", [])
    return records[0] if records else None


def changed_parts(record: Record | None, current: Fingerprint) -> list[str]:
    if record is None:
        return list(current.parts)
    return [name for name, value in current.parts.items() if record.parts.get(name) != value]


def begin(con: duckdb.DuckDBPyConnection, run_id: str, current: Fingerprint) -> None:
    """This run does the work: no earlier record stands any more; this run's is pending."""
    con.execute(DDL)
    con.execute("begin")
    con.execute("delete from raw.run_fingerprint")
    con.execute(
        "insert into raw.run_fingerprint values (?, ?, ?, ?, null)",
        [run_id, current.value, json.dumps(dict(current.parts), sort_keys=True), datetime.now(UTC)],
    )
    con.execute("commit")


def complete(con: duckdb.DuckDBPyConnection, run_id: str) -> Record | None:
    """Every output of `run_id` is built: its fingerprint becomes the one the next run compares
    with. None when this run did not begin one (a run of a subset of the assets)."""
    con.execute(DDL)
    con.execute(
        "update raw.run_fingerprint set completed_at = ? where run_id = ? and completed_at is null",
        [datetime.now(UTC), run_id],
    )
    records = _records(con, "run_id = ? and completed_at is not null", [run_id])
    return records[0] if records else None
