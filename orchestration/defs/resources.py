"""Resources shared by every asset, and the run's executor and loggers.

- `settings`: where the job reads and writes (RAW_DIR, DATA_DIR, MARTS_PATH, …), read once when the
  definitions load: from the environment (as `dg.EnvVar`s) or else from `.env`, else the defaults
  (`orchestration/lib/settings.py`). Assets read paths from it, never from `os.environ`.
- `warehouse`: the DuckDB warehouse, a `dagster_duckdb.DuckDBResource` that waits a bounded time for
  DuckDB's lock and then fails naming the process that holds it.
- `dbt`: the dbt project, run by the dbt-core of this environment (`WarehouseDbtResource`).
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from dbt.version import __version__ as DBT_CORE_VERSION
from packaging import version
from pydantic import Field

from orchestration.defs.dbt.project import dbt_project
from orchestration.lib.duckdb_io import DEFAULT_CONFIG, connection
from orchestration.lib.progress import progress_logger
from orchestration.lib.settings import (
    PROJECT_DIR,
    Settings,
    dbt_environment,
    env_file_values,
    load_settings,
)

# DuckDB allows one read-write process per file: every asset that writes the warehouse runs in
# this pool of size 1 (dagster.yaml), so two runs never fight over the lock.
WAREHOUSE_POOL = "duckdb_warehouse"


class SettingsResource(dg.ConfigurableResource):
    """Where the job reads its sources and writes its outputs. An empty field takes its default
    (the warehouse, the published marts, the reports and the exports live under DATA_DIR)."""

    raw_dir: str = ""
    data_dir: str = ""
    marts_path: str = ""
    reports_dir: str = ""
    exports_dir: str = ""
    quality_extra_exceptions: str = ""

    def resolved(self) -> Settings:
        """Absolute paths (relative ones are taken from the project folder). The warehouse's own
        path is the `warehouse` resource's."""
        return load_settings(
            {
                "RAW_DIR": self.raw_dir,
                "DATA_DIR": self.data_dir,
                "MARTS_PATH": self.marts_path,
                "REPORTS_DIR": self.reports_dir,
                "EXPORTS_DIR": self.exports_dir,
                "QUALITY_EXTRA_EXCEPTIONS": self.quality_extra_exceptions,
            }
        )


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse (DUCKDB_PATH, default data/warehouse.duckdb). Unlike its parent, which
    retries ten times and then re-raises DuckDB's error, a connection waits up to `lock_timeout_s`
    (DUCKDB_LOCK_TIMEOUT) for another process's lock, then fails naming that process."""

    connection_config: dict[str, Any] = Field(
        default=DEFAULT_CONFIG, description="DuckDB configuration options of every connection."
    )
    lock_timeout_s: float = Field(
        default=30.0, description="Seconds to wait for another process's lock before failing."
    )

    @property
    def path(self) -> Path:
        path = Path(self.database)
        return path if path.is_absolute() else (PROJECT_DIR / path).resolve()

    @contextmanager
    def get_connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with connection(
            self.path, read_only=read_only, timeout_s=self.lock_timeout_s, config=self.connection_config
        ) as con:
            yield con

    connect = get_connection

    def dbt_environment(self):
        """For the time a dbt command is started: dbt (a subprocess) writes the file this resource names."""
        return dbt_environment(self.path)


# The dbt executable of this environment: the dbt-core imported here (dagster-dbt needs both).
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


class WarehouseDbtResource(DbtCliResource):
    """dagster-dbt's resource, minus two costs of every invocation that this project never uses
    (dagster-dbt 0.29, `DbtCliResource.cli`): it learns the version of the dbt executable by running
    `dbt --version` (3-4 s here, plus a check for a newer release that goes to the network), and it
    builds an in-process dbt adapter (3-4 s: every macro parsed again) that only serves
    `fetch_column_metadata` and `fetch_row_counts`, which the assets do not call (row counts are
    read once dbt has released the warehouse, `defs/dbt/assets.py`). The executable is the one
    beside this interpreter, so its version is the dbt-core imported here (`for_project`; a field
    default would not do: DbtCliResource.__init__ has a default of its own, `dbt` on PATH)."""

    @classmethod
    def for_project(cls, project) -> "WarehouseDbtResource":
        return cls(project_dir=project, dbt_executable=DBT_EXECUTABLE)

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(DBT_CORE_VERSION)

    def _initialize_dbt_core_adapter(self, args):
        return None


@dg.definitions
def defs() -> dg.Definitions:
    import os

    settings = load_settings()  # the one reading of the environment and .env
    dotenv = env_file_values()

    def given(var: str) -> Any:
        """`dg.EnvVar(var)` when the environment sets it (the UI then shows where the value came
        from), else what .env says (empty: the default, derived in the resource)."""
        return dg.EnvVar(var) if var in os.environ else dotenv.get(var, "").strip()

    return dg.Definitions(
        resources={
            "settings": SettingsResource(
                raw_dir=given("RAW_DIR"),
                data_dir=given("DATA_DIR"),
                marts_path=given("MARTS_PATH"),
                reports_dir=given("REPORTS_DIR"),
                exports_dir=given("EXPORTS_DIR"),
                quality_extra_exceptions=given("QUALITY_EXTRA_EXCEPTIONS"),
            ),
            "warehouse": WarehouseResource(
                database=(
                    dg.EnvVar("DUCKDB_PATH")
                    if os.environ.get("DUCKDB_PATH", "").strip()
                    else str(settings.duckdb_path)
                ),
                lock_timeout_s=settings.lock_timeout_s,
            ),
            "dbt": WarehouseDbtResource.for_project(dbt_project),
        },
        loggers={"console": dg.default_loggers()["console"], "progress": progress_logger},
        # The multiprocess executor re-imports the stack for every step (about twice as slow here).
        executor=dg.in_process_executor,
    )
