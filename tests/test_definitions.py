"""The Dagster definitions as the UI shows them: every asset key, its group and kinds, and the checks.
A snapshot: an accidental rename or regrouping shows up here, in review, before BI notices."""

import json
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.dbt.project import dbt_project

from .conftest import run_events, run_record

ASSETS = {
    "intermediate/int_indicator_cells_crosswalked": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_indicator_values_deduplicated": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_indicator_values_repaired": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_measure_direction_evidence": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_measure_directions_assigned": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_measure_keys": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_measures_described": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_realisations_latest": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_realisations_printed": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_attainment_judged": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_units_mapped": ("warehouse", ("dbt", "duckdb")),
    "intermediate/int_targets_selected": ("warehouse", ("dbt", "duckdb")),
    "marts/dim_document": ("warehouse", ("dbt", "duckdb")),
    "marts/dim_indicator": ("warehouse", ("dbt", "duckdb")),
    "marts/dim_measure": ("warehouse", ("dbt", "duckdb")),
    "marts/dim_objective": ("warehouse", ("dbt", "duckdb")),
    "marts/dim_programme": ("warehouse", ("dbt", "duckdb")),
    "marts/fct_indicator_value": ("warehouse", ("dbt", "duckdb")),
    "marts/fct_target_attainment": ("warehouse", ("dbt", "duckdb")),
    "marts/fct_target_revision": ("warehouse", ("dbt", "duckdb")),
    "marts/fct_target_trajectory": ("warehouse", ("dbt", "duckdb")),
    "marts/rpt_attainment_rate": ("warehouse", ("dbt", "duckdb")),
    "marts/rpt_measure_attainment": ("warehouse", ("dbt", "duckdb")),
    "marts/rpt_scorecard_mission_rate": ("warehouse", ("dbt", "duckdb")),
    "marts/rpt_scorecard_programme": ("warehouse", ("dbt", "duckdb")),
    "marts/rpt_scorecard_year": ("warehouse", ("dbt", "duckdb")),
    "publish/dbt_docs": ("publish", ("dbt",)),
    "publish/marts_duckdb": ("publish", ("duckdb",)),
    "publish/parquet_exports": ("publish", ("parquet",)),
    "publish/run_fingerprint": ("publish", ("duckdb",)),
    "publish/scorecard": ("publish", ("html",)),
    "quality/quality_report": ("quality", ("gx",)),
    "raw/cell_hold": ("quality", ("duckdb", "gx")),
    "raw/indicator_cell": ("ingest", ("duckdb", "python")),
    "raw/indicator_methodology": ("ingest", ("duckdb", "python")),
    "raw/rejected_document": ("ingest", ("duckdb", "python")),
    "raw/skipped_record": ("ingest", ("duckdb", "python")),
    "raw/source_document": ("ingest", ("duckdb", "python")),
    "reference/ref_attainment_status": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_cell_status": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_direction_confidence": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_direction_default": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_direction_source": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_indicator_crosswalk": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_measure_direction": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_measure_match_override": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_measure_version_override": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_official_verdict": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_unit": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_unit_family": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_unit_rule": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_unit_scale": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_value_kind": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_verdict": ("warehouse", ("dbt", "duckdb")),
    "reference/ref_verdict_disagreement_review": ("warehouse", ("dbt", "duckdb")),
    "staging/stg_raw__indicator_cells": ("warehouse", ("dbt", "duckdb")),
    "staging/stg_raw__indicator_methodology": ("warehouse", ("dbt", "duckdb")),
    "staging/stg_raw__rejected_documents": ("warehouse", ("dbt", "duckdb")),
    "staging/stg_raw__skipped_records": ("warehouse", ("dbt", "duckdb")),
    "staging/stg_raw__source_documents": ("warehouse", ("dbt", "duckdb")),
}
# The GX suite (the stewards' rules on the raw cells) and the ingestion checks, by name (the dbt data
# tests of the marts are checks too).
CUSTOM_CHECKS = [
    "raw/indicator_cell:gx_raw_indicator_cell",
    "raw/indicator_cell:no_unparsed_cells",
    "raw/rejected_document:no_rejected_documents",
]


def test_asset_keys_groups_and_kinds():
    graph = defs.resolve_asset_graph()
    found = {
        key.to_user_string(): (graph.get(key).group_name, tuple(sorted(graph.get(key).kinds)))
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }
    assert found == ASSETS


def test_checks():
    graph = defs.resolve_asset_graph()
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
    # every dbt data test of a mart is a check, besides the GX suites and the ingestion checks; the
    # tests of the seeds, the sources, the staging and intermediate models, and the singular tests,
    # run in the dbt step itself (they fail it) and are recorded as observations
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    on_marts = [
        n for n in tests if manifest["nodes"].get(n.get("attached_node") or "", {}).get("schema") == "marts"
    ]
    assert 0 < len(on_marts) < len(tests)
    assert len(checks) == len(on_marts) + len(CUSTOM_CHECKS)
    dbt_checks = {c.split("/")[0] for c in checks if not c.split(":")[1].startswith(("gx_", "no_"))}
    assert dbt_checks == {"marts"}
    assert [c for c in checks if c.split(":")[1].startswith(("gx_", "no_"))] == CUSTOM_CHECKS
    # The GX check that guards the dbt build is blocking.
    gx = [k for k in graph.asset_check_keys if k.name.startswith("gx_")]
    assert len(gx) == 1 and all(graph.get_check_spec(k).blocking for k in gx)


def test_check_names_are_short_whole_and_unique_per_asset():
    """The UI cuts a check name past about 60 characters with an ellipsis, and dbt's names of
    generic tests repeat the model (`relationships_fct_target_attainment_attainment_status__…`):
    each dbt test of a mart is a check of its own, under a short name (WarehouseTranslator)."""
    graph = defs.resolve_asset_graph()
    names = [(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys]
    assert all(len(name) <= 60 and "…" not in name for _, name in names), names
    assert len(set(names)) == len(names)
    # one check per dbt test of a mart, none lost to a name taken twice on an asset
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    tests_per_mart: dict[str, int] = {}
    for node in manifest["nodes"].values():
        attached = manifest["nodes"].get(node.get("attached_node") or "", {})
        if node["resource_type"] == "test" and attached.get("schema") == "marts":
            key = f"marts/{attached['name']}"
            tests_per_mart[key] = tests_per_mart.get(key, 0) + 1
    checks_per_mart: dict[str, int] = {}
    for asset, name in names:
        if asset.startswith("marts/") and not name.startswith("gx_"):
            checks_per_mart[asset] = checks_per_mart.get(asset, 0) + 1
    assert checks_per_mart == tests_per_mart
    attainment = {n for a, n in names if a == "marts/fct_target_attainment"}
    assert {"attainment_status_in_ref_attainment_status", "verdict_strict_in_ref_verdict"} <= attainment
    # a test the YAML names (a rule, formerly of a GX suite) keeps its name
    assert {
        "met_has_target_and_realisation",
        "attainment_ratio_finite",
        "verdict_agrees_with_official",
    } <= attainment
    assert {"fact_one_cell_per_year_column", "fact_single_source_row"} <= {
        n for a, n in names if a == "marts/fct_indicator_value"
    }
    assert ("marts/dim_indicator", "indicator_belongs_to_objective") in names
    assert ("marts/rpt_scorecard_mission_rate", "unique_mission_code_year") in names


def test_no_static_metadata_is_a_file_url():
    """A browser refuses a file:// link from the UI's http:// page: files are paths (text)."""
    graph = defs.resolve_asset_graph()
    specs = [graph.get(key) for key in graph.get_all_asset_keys()]
    values = [v for node in specs for v in node.metadata.values()]
    values += [v for key in graph.asset_check_keys for v in graph.get_check_spec(key).metadata.values()]
    assert values
    texts = [v.value if isinstance(v, dg.MetadataValue) else v for v in values]
    assert not [t for t in texts if isinstance(t, str) and t.startswith("file:")]


def test_every_asset_explains_itself():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assert node.description, f"{key.to_user_string()} has no description"
        assert node.owners and all(o.startswith("team:") for o in node.owners), key
        assert node.group_name in ("ingest", "warehouse", "quality", "publish"), key


def test_jobs_sensor_and_schedule():
    assert defs.resolve_job_def("refresh_warehouse") is not None
    assert [s.name for s in defs.sensors] == ["raw_dir_sensor"]
    assert [s.name for s in defs.schedules] == ["daily_refresh"]


def test_a_run_executes_every_step_in_one_process(published):
    """The session's `make run`, read back from its DAGSTER_HOME: every step started in one process
    (the stack imported once; one process writes the warehouse)."""
    run_id = run_record(published)["run_id"]
    steps = run_events(published / "dagster_home", run_id, dg.DagsterEventType.STEP_START)
    assert len(steps) >= 10
    assert len({step.pid for step in steps}) == 1
