"""Where things live. Every path can be moved by an environment variable, or by the project's `.env`
(see `.env.example`).

One reading, the same for `make run`, `make dev` and the tests: the variables of the process
environment, then those of `.env` (the project folder's, or the file `ENV_FILE` names), then the
defaults. A variable set in the environment wins over `.env`, so `DATA_DIR=/tmp/x make run` and the
tests' own variables are never overridden by a developer's `.env`. `.env` is read with python-dotenv,
the parser `dagster dev` uses. Nothing here writes `os.environ`, but `dbt_environment`, for the time a
dbt command starts.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"

# The variables the project reads (`.env.example` lists them with their defaults).
VARIABLES = (
    "RAW_DIR",
    "DATA_DIR",
    "DUCKDB_PATH",
    "MARTS_PATH",
    "REPORTS_DIR",
    "EXPORTS_DIR",
    "DUCKDB_LOCK_TIMEOUT",
    "DAGSTER_HOME",
    "QUALITY_EXTRA_EXCEPTIONS",
)


def env_file(environ: Mapping[str, str] | None = None) -> Path:
    """`.env` in the project folder, or the file ENV_FILE names (relative to the project folder)."""
    named = (os.environ if environ is None else environ).get("ENV_FILE", "").strip()
    path = Path(named) if named else PROJECT_DIR / ".env"
    return path if path.is_absolute() else PROJECT_DIR / path


def env_file_values(path: Path | None = None) -> dict[str, str]:
    """The variables `.env` sets (none when there is no such file)."""
    path = path or env_file()
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def project_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment over `.env`: a variable set in the environment wins."""
    environ = os.environ if environ is None else environ
    return {**env_file_values(env_file(environ)), **environ}


def _path(env: Mapping[str, str], var: str, default: Path) -> Path:
    value = env.get(var, "").strip()
    # Relative paths are taken from the project folder, never from the current directory:
    # dbt-duckdb would otherwise resolve them from wherever it was started.
    path = Path(value) if value else default
    return (path if path.is_absolute() else PROJECT_DIR / path).resolve()


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    data_dir: Path
    duckdb_path: Path
    marts_path: Path
    reports_dir: Path
    exports_dir: Path
    lock_timeout_s: float
    dagster_home: Path
    # Exceptions reviewed beside expectations/exceptions.csv (the benchmark's corpus carries some).
    extra_exceptions: Path | None = None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from `environ` as it is, or else from the process environment and `.env`."""
    env = project_environment() if environ is None else environ
    data_dir = _path(env, "DATA_DIR", PROJECT_DIR / "data")
    extra = env.get("QUALITY_EXTRA_EXCEPTIONS", "").strip()
    return Settings(
        raw_dir=_path(env, "RAW_DIR", PROJECT_DIR / "raw"),
        data_dir=data_dir,
        duckdb_path=_path(env, "DUCKDB_PATH", data_dir / "warehouse.duckdb"),
        marts_path=_path(env, "MARTS_PATH", data_dir / "marts.duckdb"),
        reports_dir=_path(env, "REPORTS_DIR", data_dir / "reports"),
        exports_dir=_path(env, "EXPORTS_DIR", data_dir / "exports"),
        lock_timeout_s=float(env.get("DUCKDB_LOCK_TIMEOUT", "").strip() or "30"),
        dagster_home=_path(env, "DAGSTER_HOME", PROJECT_DIR / ".dagster_home"),
        extra_exceptions=_path(env, "QUALITY_EXTRA_EXCEPTIONS", PROJECT_DIR) if extra else None,
    )


def prepare_dagster_home(home: Path) -> Path:
    """DAGSTER_HOME must exist and hold the project's dagster.yaml (telemetry off, one run at a time)."""
    home.mkdir(parents=True, exist_ok=True)
    config = (PROJECT_DIR / "dagster.yaml").read_bytes()
    target = home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != config:
        target.write_bytes(config)
    return home


@contextmanager
def dbt_environment(duckdb_path: Path) -> Iterator[None]:
    """The variables a dbt subprocess needs, for the time it is started: profiles.yml reads the
    warehouse's absolute path from DUCKDB_PATH; DO_NOT_TRACK turns dbt's telemetry off. dagster-dbt
    copies os.environ into the subprocess it starts and offers no other way in."""
    wanted = {"DUCKDB_PATH": str(duckdb_path), "DO_NOT_TRACK": "1"}
    before = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
