"""Where things live. Every path can be moved by an environment variable (see `.env.example`)."""

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var, "").strip()
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


def load_settings() -> Settings:
    data_dir = _path("DATA_DIR", PROJECT_DIR / "data")
    return Settings(
        raw_dir=_path("RAW_DIR", PROJECT_DIR / "raw"),
        data_dir=data_dir,
        duckdb_path=_path("DUCKDB_PATH", data_dir / "warehouse.duckdb"),
        marts_path=_path("MARTS_PATH", data_dir / "marts.duckdb"),
        reports_dir=_path("REPORTS_DIR", data_dir / "reports"),
        exports_dir=_path("EXPORTS_DIR", data_dir / "exports"),
        lock_timeout_s=float(os.environ.get("DUCKDB_LOCK_TIMEOUT", "30")),
    )


def export_for_subprocesses(settings: Settings) -> None:
    """dbt reads DUCKDB_PATH through env_var() in profiles.yml: give it the absolute path."""
    os.environ["DUCKDB_PATH"] = str(settings.duckdb_path)
    os.environ.setdefault("DO_NOT_TRACK", "1")
