"""`.env` is read the same way by `make run` and by the definitions loaded in-process, and a locked
warehouse fails the run in bounded time. That cost follows the change (a `make run` with nothing
changed starts no run and says which fingerprint matched; one new
document, or a missing output, makes the next run do the work) is tests/test_faults.py's chain on
one copy of the small run; a changed dbt project too: its broken model comes with a changed seed."""

import os
import subprocess

import pytest

from .conftest import PROJECT_DIR, warehouse_held

pytestmark = pytest.mark.slow


def test_env_file_is_honoured_by_the_definitions_loaded_in_process(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(f"DATA_DIR={tmp_path / 'from_env'}\nDUCKDB_LOCK_TIMEOUT=7\nRAW_DIR='raw'\n")
    for var in ("DATA_DIR", "DUCKDB_PATH", "DUCKDB_LOCK_TIMEOUT", "RAW_DIR", "MARTS_PATH", "REPORTS_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ENV_FILE", str(env_file))
    monkeypatch.setenv("EXPORTS_DIR", str(tmp_path / "exports"))  # the environment: an EnvVar

    import dagster as dg

    from orchestration.definitions import load

    defs = load()
    with dg.build_resources(
        {"warehouse": defs.resources["warehouse"], "settings": defs.resources["settings"]}
    ) as resources:
        assert resources.warehouse.lock_timeout_s == 7
        assert resources.warehouse.path == tmp_path / "from_env" / "warehouse.duckdb"
        settings = resources.settings.resolved()
    assert settings.marts_path == tmp_path / "from_env" / "marts.duckdb"
    assert settings.raw_dir == PROJECT_DIR / "raw"
    assert settings.exports_dir == tmp_path / "exports"
    assert isinstance(defs.resources["settings"].exports_dir, dg.EnvVar)

    # A variable set in the environment wins over .env.
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "from_environment"))
    defs = load()
    with dg.build_resources({"warehouse": defs.resources["warehouse"]}) as resources:
        assert resources.warehouse.path == tmp_path / "from_environment" / "warehouse.duckdb"


def test_env_file_is_honoured_by_make_run(tmp_path):
    """DATA_DIR, DAGSTER_HOME and DUCKDB_LOCK_TIMEOUT from .env alone: the run waits 2 s for the
    warehouse that .env names, held by another process, then fails naming that process and how
    long it waited (a locked warehouse fails the run in bounded time)."""
    data_dir = tmp_path / "data_from_env"
    data_dir.mkdir()
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"DATA_DIR={data_dir}\nDAGSTER_HOME={tmp_path / 'home'}\nDUCKDB_LOCK_TIMEOUT=2\n", encoding="utf-8"
    )
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATA_DIR", "DUCKDB_PATH", "DAGSTER_HOME", "DUCKDB_LOCK_TIMEOUT", "RAW_DIR")
        },
        "ENV_FILE": str(env_file),
    }
    with warehouse_held(data_dir / "warehouse.duckdb") as holder:
        result = subprocess.run(
            ["make", "--no-print-directory", "run"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{data_dir / 'warehouse.duckdb'} is locked by process {holder.pid}" in output
    assert "waited 2 s" in output
    assert (tmp_path / "home" / "dagster.yaml").is_file()  # the run was recorded where .env says
