"""Resources shared by every asset: the warehouse file, opened with a bounded wait for its lock."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.lib.duckdb_io import connection
from orchestration.lib.settings import load_settings

# DuckDB allows one read-write process per file: every asset that writes the warehouse runs in
# this pool of size 1 (dagster.yaml), so two runs never fight over the lock.
WAREHOUSE_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse (DUCKDB_PATH, default data/warehouse.duckdb) and the folder of sources."""

    database: str
    raw_dir: str
    lock_timeout_s: float = 30.0

    @property
    def path(self) -> Path:
        return Path(self.database)

    def point_dbt_here(self) -> None:
        """profiles.yml reads DUCKDB_PATH: dbt, a subprocess, must write the file this resource names."""
        os.environ["DUCKDB_PATH"] = self.database

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with connection(self.path, read_only=read_only, timeout_s=self.lock_timeout_s) as con:
            yield con


def warehouse_from_env() -> WarehouseResource:
    s = load_settings()
    return WarehouseResource(
        database=str(s.duckdb_path), raw_dir=str(s.raw_dir), lock_timeout_s=s.lock_timeout_s
    )
