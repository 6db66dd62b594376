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
