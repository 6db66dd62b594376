"""Publishing the marts for BI: a separate DuckDB file, replaced atomically, and Parquet files.

DuckDB lets one process write a file and blocks every other process while it does: a BI tool left
open on the warehouse would break the next run. BI reads `data/marts.duckdb` instead, which is built
aside and renamed into place: readers never see a half-built file, a reader holding the old file
keeps reading it (the rename gives the new file a new inode), and a failed run leaves the previous
good version in place.
"""

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.lib.vocabularies import PUBLISHED_SEEDS

MARTS_SCHEMA = "marts"
SEEDS_SCHEMA = "reference"  # the dbt seeds; those of vocabularies.PUBLISHED_SEEDS are published too
# In the published file the marts sit in its `main` schema: DuckDB names a file's catalog after the
# file, so in `marts.duckdb` a schema `marts` would make `marts.fct_…` ambiguous. This way the same
# query text `select … from marts.fct_target_attainment` runs on the warehouse (schema marts) and on
# the published file (catalog marts, schema main).
PUBLISHED_SCHEMA = "main"


@dataclass
class Publication:
    path: Path
    tables: dict[str, int]  # table -> row count
    published_at: datetime


def _literal(text: str) -> str:
    """A SQL string literal (COMMENT ON takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def mart_tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
            "and table_type = 'BASE TABLE' order by 1",
            [catalog, schema],
        ).fetchall()
    ]


def publish_marts(
    warehouse: Path, target: Path, run_id: str = "", declared: list[str] | None = None
) -> Publication:
    """Copy schema `marts` of the warehouse (its tables named in `declared`, when given: the dbt
    project's marts) and the vocabulary seeds (`PUBLISHED_SEEDS` of schema `reference`) into a new file, then
    rename it over `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{target.name}.building")
    building.unlink(missing_ok=True)
    Path(f"{building}.wal").unlink(missing_ok=True)
    now = datetime.now(UTC)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(building))
    try:
        here = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        tables = [t for t in mart_tables(con, "warehouse", MARTS_SCHEMA) if declared is None or t in declared]
        if not tables:
            raise RuntimeError(f"{warehouse} has no table in schema {MARTS_SCHEMA}: nothing to publish")
        for table in tables:
            con.execute(
                f'create table "{here}".{PUBLISHED_SCHEMA}.{table} as '
                f"select * from warehouse.{MARTS_SCHEMA}.{table}"
            )
            counts[table] = con.execute(
                f'select count(*) from "{here}".{PUBLISHED_SCHEMA}.{table}'
            ).fetchone()[0]
        # The vocabularies beside the marts, so that BI reads what a code means without the warehouse.
        for seed in PUBLISHED_SEEDS:
            con.execute(
                f'create table "{here}".{PUBLISHED_SCHEMA}.{seed} as select * from warehouse.{SEEDS_SCHEMA}.{seed}'
            )
            counts[seed] = con.execute(f'select count(*) from "{here}".{PUBLISHED_SCHEMA}.{seed}').fetchone()[
                0
            ]
        # Table and column descriptions travel with the data (dbt persisted them in the warehouse).
        for table, comment in con.execute(
            "select table_name, comment from duckdb_tables() "
            "where database_name = 'warehouse' and schema_name = ? and comment is not null",
            [MARTS_SCHEMA],
        ).fetchall():
            if table in tables:
                con.execute(f'comment on table "{here}".{PUBLISHED_SCHEMA}.{table} is {_literal(comment)}')
        for table, column, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where database_name = 'warehouse' and schema_name = ? and comment is not null",
            [MARTS_SCHEMA],
        ).fetchall():
            if table in tables:
                con.execute(
                    f'comment on column "{here}".{PUBLISHED_SCHEMA}.{table}.{column} is {_literal(comment)}'
                )
        con.execute(f'create schema "{here}".publication')
        con.execute(
            f'create table "{here}".publication.info as '
            "select ?::timestamptz as published_at, ? as run_id, ? as source_warehouse",
            [now, run_id, str(warehouse)],
        )
        con.execute("detach warehouse")
        con.execute("checkpoint")
    finally:
        con.close()
    _fsync(building)
    # Fault-injection point for the kill -9 tests: a pause between building and renaming.
    time.sleep(float(os.environ.get("FAULT_INJECT_PUBLISH_PAUSE_S", "0")))
    os.replace(building, target)
    _fsync(target.parent)
    return Publication(target, counts, now)


def export_parquet(published: Path, exports_dir: Path) -> dict[str, Path]:
    """One Parquet file per mart, each written aside then renamed (tools without DuckDB)."""
    exports_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    with duckdb.connect(str(published), read_only=True) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        for table in mart_tables(con, catalog, PUBLISHED_SCHEMA):
            final = exports_dir / f"{table}.parquet"
            partial = exports_dir / f".{table}.parquet.partial"
            con.execute(
                f"copy \"{catalog}\".{PUBLISHED_SCHEMA}.{table} to '{partial}' (format parquet, compression zstd)"
            )
            os.replace(partial, final)
            written[table] = final
    return written
