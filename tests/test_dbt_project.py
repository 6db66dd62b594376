"""The dbt project on the shipped sources: the warehouse the session's `make run` built (`published`:
the production `dbt build --exclude-resource-type unit_test`, every data test a check of the run),
read back from `marts` against the warehouse contract's numbers; then the dbt unit tests and the
dbt-bouncer convention checks, on a copy of that warehouse, their artifacts in a temporary target."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from .contract_numbers import FCT_INDICATOR_VALUE_ROWS, FCT_INDICATOR_VALUE_TOTAL, MART_TABLES

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"
BIN_DIR = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def _run(args: list[str], env: dict[str, str], cwd: Path = DBT_PROJECT_DIR) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        f"{' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    )
    return result


def test_unit_tests_and_dbt_bouncer_pass(published, dbt_manifest, tmp_path):
    """`dbt test --select test_type:unit` (the models' logic on the fixtures of the _*.yml files; the
    inputs' columns come from the warehouse, a copy of the published one), then dbt-bouncer on the
    manifest that invocation wrote (same checks as dbt-bouncer.yml, artifacts from the temporary target)."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(published / "warehouse.duckdb", db)
    target = tmp_path / "target"
    target.mkdir()
    # dbt's partial parse from the prepared manifest (as dagster-dbt does for its own target folders)
    shutil.copyfile(dbt_manifest.with_name("partial_parse.msgpack"), target / "partial_parse.msgpack")
    env = {**os.environ, "DUCKDB_PATH": str(db), "DO_NOT_TRACK": "1"}
    common = ["--profiles-dir", ".", "--target-path", str(target), "--log-path", str(tmp_path / "logs")]
    _run([str(BIN_DIR / "dbt"), "test", "--select", "test_type:unit", *common], env)
    # every unit test the YAML files declare ran, and passed
    declared = sorted(
        test["name"]
        for path in (DBT_PROJECT_DIR / "models").rglob("_*.yml")
        for test in yaml.safe_load(path.read_text(encoding="utf-8")).get("unit_tests") or []
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert declared and sorted((r["unique_id"].split(".")[-1], r["status"]) for r in results) == [
        (name, "pass") for name in declared
    ]

    config = yaml.safe_load((DBT_PROJECT_DIR / "dbt-bouncer.yml").read_text())
    config["dbt_artifacts_dir"] = str(target)
    bouncer_config = tmp_path / "dbt-bouncer.yml"
    bouncer_config.write_text(yaml.safe_dump(config, sort_keys=False))
    _run([str(BIN_DIR / "dbt-bouncer"), "--config-file", str(bouncer_config)], env)


def test_a_duplicated_source_row_fails_the_build_naming_the_rule(published, dbt_manifest, tmp_path):
    """On a copy of the published warehouse, a programme row of the PLF 2025 file loaded twice (as
    the raw suite would let through if an exception accepted it): the dbt build of the chain from
    the source cells to fct_indicator_value builds the mart (the fold keeps one value, as it folds the
    mission row that repeats it) and fails on
    its test fact_single_source_row, naming it, with the mart's six values of that row; no other
    node fails. (The GX mart suite's rule, now a dbt test: the check of the mart in Dagster.)"""
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(published / "warehouse.duckdb", db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "insert into raw.indicator_cell select * replace (source_line + 100000 as source_line) "
            "from raw.indicator_cell where document_id = 'PAP-2025' and source_line = 40"
        )
        assert con.execute(
            "select distinct sub_indicator_id from raw.indicator_cell where document_id = 'PAP-2025' "
            "and source_line = 40"
        ).fetchall() == [(3212,)]
    target = tmp_path / "target"
    target.mkdir()
    shutil.copyfile(dbt_manifest.with_name("partial_parse.msgpack"), target / "partial_parse.msgpack")
    env = {**os.environ, "DUCKDB_PATH": str(db), "DO_NOT_TRACK": "1"}
    args = [str(BIN_DIR / "dbt"), "build", "--select", "stg_raw__indicator_cells+,+fct_indicator_value"]
    args += ["--exclude-resource-type", "unit_test", "--profiles-dir", ".", "--target-path", str(target)]
    result = subprocess.run(
        [*args, "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "Failure in test fact_single_source_row" in result.stdout
    results = json.loads((target / "run_results.json").read_text())["results"]
    failed = [
        (r["unique_id"].split(".")[2], r["failures"]) for r in results if r["status"] in ("fail", "error")
    ]
    assert failed == [("fact_single_source_row", 6)]
    assert [
        r["status"] for r in results if r["unique_id"] == "model.lolf_performance.fct_indicator_value"
    ] == ["success"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(
            "select count(*), max(n_source_rows) from marts.fct_indicator_value "
            "where document_id = 'PAP-2025' and source_measure_key = '3212'"
        ).fetchone() == (6, 3)  # its mission row, its programme row and the copy


@pytest.fixture(scope="module")
def con(published: Path):
    con = duckdb.connect(str(published / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def _one(con, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchall()


def test_schemas_are_named_exactly(con):
    schemas = {row[0] for row in _one(con, "select distinct schema_name from duckdb_tables()")}
    # Intermediate models are tables (read by several models and tests), staging models views.
    assert {"raw", "reference", "intermediate", "marts"} <= schemas
    views = {
        row[0] for row in _one(con, "select distinct schema_name from duckdb_views() where not internal")
    }
    # intermediate: int_indicator_cells_crosswalked (no `quality` schema: GX validates the raw cells)
    assert views == {"staging", "intermediate"}
    assert not any(name.startswith("main_") for name in schemas | views)


def test_every_mart_has_its_row_count(con):
    tables = {
        row[0] for row in _one(con, "select table_name from duckdb_tables() where schema_name = 'marts'")
    }
    assert tables == set(MART_TABLES)
    values = dict(_one(con, "select document_id, count(*) from marts.fct_indicator_value group by 1"))
    assert values == FCT_INDICATOR_VALUE_ROWS
    # the other marts follow from the values, whatever the sources (the grains of the contract)
    invariants = {
        "dim_document": "select count(*) from raw.source_document",
        "dim_measure": "select count(distinct measure_key) from marts.fct_indicator_value",
        "fct_target_revision": "select count(*) from (select distinct measure_key, year, value_kind from marts.fct_indicator_value)",
        "fct_target_attainment": (
            "select count(*) from (select distinct measure_key, year from marts.fct_indicator_value "
            "where value_status <> 'empty' and value_kind in ('realisation', 'target', 'target_of_record'))"
        ),
        "rpt_measure_attainment": "select count(*) from marts.fct_target_attainment",
    }
    for table, sql in invariants.items():
        assert _one(con, f"select count(*) from marts.{table}") == _one(con, sql), table
    # the rate: one row per year, per year x mission and per year x programme of the wide view
    levels = dict(_one(con, "select grouping_level, count(*) from marts.rpt_attainment_rate group by 1"))
    assert levels == {
        level: _one(
            con,
            f"select count(*) from (select distinct {keys} from marts.rpt_measure_attainment "
            "where programme_code is not null)",
        )[0][0]
        for level, keys in (
            ("year", "year"),
            ("mission", "year, mission_code"),
            ("programme", "year, mission_code, programme_code"),
        )
    }


def test_seed_document_numbers(con):
    assert _one(con, "select count(*) from marts.dim_objective where programme_code = 'P352'") == [(2,)]
    assert _one(con, "select count(*) from marts.dim_indicator where programme_code = 'P352'") == [(6,)]
    rows = _one(
        con,
        """select count(*), count(distinct measure_key), count(*) filter (where value_status = 'not_determined')
        from marts.fct_indicator_value where document_id = 'PAP-2024-P352'""",
    )
    assert rows == [(54, 9, 1)]
    kinds = _one(
        con,
        """select year, value_kind, count(*) from marts.fct_indicator_value
        where document_id = 'PAP-2024-P352' group by all order by year""",
    )
    assert kinds == [
        (2021, "realisation", 9),
        (2022, "realisation", 9),
        (2023, "target_of_record", 9),
        (2024, "target", 9),
        (2025, "target", 9),
        (2026, "target", 9),
    ]
    nd = _one(
        con,
        """select source_measure_key, year, value_raw from marts.fct_indicator_value
        where document_id = 'PAP-2024-P352' and value_status = 'not_determined'""",
    )
    assert nd == [("P352-1-3#1", 2021, "Non déterminé")]


def test_plf_2025_numbers(con):
    rows = _one(
        con,
        """select count(*), count(distinct measure_key), count(distinct measure_key) filter (where measure_key not like '%#%')
        from marts.fct_indicator_value where document_id = 'PAP-2025'""",
    )
    assert rows == [(11880, 1980, 1979)]
    # mission rows that repeat a programme row folded into it: 161 sub-indicators, no disagreement
    folded = _one(
        con,
        """select count(distinct measure_key), count(*) filter (where has_level_disagreement)
        from marts.fct_indicator_value where n_source_rows > 1""",
    )
    assert folded[0][1] == 0
    assert _one(
        con,
        "select count(distinct measure_key) from marts.fct_indicator_value where n_source_rows > 1 and document_id = 'PAP-2025'",
    ) == [(161,)]
    assert _one(con, "select count(*) from marts.fct_indicator_value") == [(FCT_INDICATOR_VALUE_TOTAL,)]


def test_crosswalk_keeps_one_history(con):
    measure = _one(
        con,
        "select measure_key, indicator_code, crosswalked_from_keys, direction from marts.dim_measure where measure_key = '30157'",
    )
    assert measure == [("30157", "P129-8-2", "P352-1-1#1", "increase")]
    assert _one(con, "select count(*) from marts.dim_measure where measure_key = 'P352-1-1#1'") == [(0,)]
    docs = _one(
        con,
        "select distinct document_id from marts.fct_indicator_value where measure_key = '30157' order by 1",
    )
    assert docs == [("PAP-2024-P352",), ("PAP-2025",)]


def test_p352_1_1_is_met_in_2023(con):
    rows = _one(
        con,
        """select target_value, target_document_id, target_basis, realisation_value, realisation_document_id,
                  direction, attainment_status, attainment_ratio
        from marts.fct_target_attainment where measure_key = '30157' and year = 2023""",
    )
    assert rows == [(6.0, "PAP-2024-P352", "echoed_pap_target", 6.0, "PAP-2025", "increase", "met", 1.0)]


def test_p352_1_1_2025_target_revised(con):
    rows = _one(
        con,
        """select first_value, first_document_id, latest_value, latest_document_id, distinct_values, is_revised
        from marts.fct_target_revision where measure_key = '30157' and year = 2025 and value_kind = 'target'""",
    )
    assert rows == [(7.0, "PAP-2024-P352", 5.0, "PAP-2025", 2, True)]


def test_attainment_statuses_are_never_null(con):
    rows = dict(_one(con, "select attainment_status, count(*) from marts.fct_target_attainment group by all"))
    assert set(rows) <= {"met", "not_met", "no_realisation", "no_target", "not_comparable"}
    # with five RAP vintages, thousands of measure-years are judged
    assert rows["met"] + rows["not_met"] >= 6000


def test_trajectory_flags_plf_2025_targets(con):
    rows = dict(
        _one(
            con,
            """select trajectory_status, count(*) from marts.fct_target_trajectory
            where target_document_id = 'PAP-2025' group by all""",
        )
    )
    assert set(rows) == {"less_ambitious", "more_ambitious", "same_as_achieved", "not_assessed"}
    # flagged exactly where a target sits on the wrong side of the last number, by the measure's direction
    wrong_side = _one(
        con,
        """select count(*) from marts.fct_target_trajectory t join marts.dim_measure m using (measure_key)
        where t.target_document_id = 'PAP-2025' and t.target_value is not null
          and ((m.direction = 'increase' and t.target_value < t.last_realisation_value)
            or (m.direction = 'decrease' and t.target_value > t.last_realisation_value))""",
    )
    assert wrong_side == [(rows["less_ambitious"],)] and rows["less_ambitious"] > 0


def test_seed_directions_are_explicit(con):
    rows = _one(
        con,
        """select measure_key, direction, direction_source from marts.dim_measure
        where measure_key like 'P352-%' or measure_key = '30157' order by measure_key""",
    )
    assert rows == [
        ("30157", "increase", "steward"),
        ("P352-1-2#1", "increase", "steward"),
        ("P352-1-3#1", "increase", "steward"),
        ("P352-2-1#1", "increase", "steward"),
        ("P352-2-1#2", "target", "steward"),
        ("P352-2-2#1", "increase", "steward"),
        ("P352-2-2#2", "target", "steward"),
        ("P352-2-3#1", "increase", "steward"),
        ("P352-2-3#2", "target", "steward"),
    ]


def test_every_unit_is_mapped(con):
    unmapped = _one(con, "select count(*) from marts.dim_measure where unit is null or unit_family is null")
    assert unmapped == [(0,)]
