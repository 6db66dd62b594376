"""Shared fixtures: copies of the real sources, temporary warehouses, a prepared dbt manifest."""

import os
import shutil
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
RAW_DIR = PROJECT_DIR / "raw"
SEED_FILE = RAW_DIR / "pap" / "2024" / "000_9fa5ff6774201ab1.txt"
CSV_FILE = RAW_DIR / "pap" / "2025" / "plf-2025-performance.csv"

os.environ["DO_NOT_TRACK"] = "1"
os.environ["DAGSTER_DISABLE_TELEMETRY"] = "1"


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A writable copy of raw/ (the real files are never edited; broken copies go here)."""
    target = tmp_path / "raw"
    shutil.copytree(RAW_DIR, target)
    return target


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    from orchestration.prepare import MANIFEST, prepare

    prepare()
    return MANIFEST


def make_run(data_dir: Path, raw_dir: Path = RAW_DIR, extra_env: dict[str, str] | None = None):
    """`make run`, the README's main command, for real, writing into `data_dir`."""
    import subprocess

    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DUCKDB_PATH", "MARTS_PATH", "REPORTS_DIR")},
        "DATA_DIR": str(data_dir),
        "RAW_DIR": str(raw_dir),
        "DAGSTER_HOME": str(data_dir / "dagster_home"),
        **(extra_env or {}),
    }
    return subprocess.run(
        ["make", "--no-print-directory", "run"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    """DATA_DIR of one `make run` on a copy of the shipped sources (shared by the read-only tests)."""
    data_dir = tmp_path_factory.mktemp("make_run") / "data"
    raw = data_dir.parent / "raw"
    shutil.copytree(RAW_DIR, raw)
    result = make_run(data_dir, raw)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # Later tests run the job again here: keep this first (cold) run's record and screen.
    shutil.copyfile(data_dir / "logs" / "last-run.json", data_dir / "logs" / "first-run.json")
    (data_dir / "logs" / "first-run.stdout").write_text(result.stdout, encoding="utf-8")
    return data_dir


@pytest.fixture
def pap_copy(tmp_path: Path) -> Path:
    """A writable RAW_DIR holding copies of raw/pap/ only (what the PAP tests count on)."""
    target = tmp_path / "raw"
    shutil.copytree(RAW_DIR / "pap", target / "pap")
    return target


def truncate_with_garbage(path: Path) -> None:
    """A cut download: the file's first half, then binary garbage (seeded, so errors are stable)."""
    import random

    data = path.read_bytes()
    garbage = random.Random(20250101).randbytes(4096)
    path.write_bytes(data[: len(data) // 2] + b"\x00\xff" + garbage)
