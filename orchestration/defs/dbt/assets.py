"""dbt models, seeds and tests as Dagster assets and checks, one graph with the ingestion assets
(the dbt sources name them in `meta.dagster.asset_key`)."""

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from orchestration.defs.dbt.project import dbt_project, invocation_target
from orchestration.defs.metadata import table_metadata
from orchestration.defs.resources import (
    WAREHOUSE_POOL,
    SettingsResource,
    WarehouseDbtResource,
    WarehouseResource,
)
from orchestration.defs.run_plan import DOWNSTREAM_OF_SOURCES, EVERYTHING

OWNER = "team:data-engineering"


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys follow the DuckDB relation: ["marts", "fct_indicator_value"], ["reference", "ref_unit"]."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """The dbt tests of the marts (the contract BI reads) are asset checks. The tests of the
        seeds, of the staging and intermediate models and of the sources guard the build: they run
        in every dbt build and fail it, naming themselves, and their results are recorded as
        observations of what they test, not as checks (each check costs every run a planned event,
        and a seed's test is planned even in the runs that do not build the seeds).

        The check's name is the test's `name` in the manifest the assets are built from, which
        `with_check_names` has already shortened; the description keeps dbt's own name, the one
        dbt's log and run_results.json print."""
        if asset_spec.key.path[0] != "marts":
            return None
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        test = manifest["nodes"][unique_id]
        kind = (test.get("test_metadata") or {}).get("name") or "singular"
        dbt_name = test.get(DBT_TEST_NAME, test["name"])
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=test.get("description") or f"dbt test `{kind}` (in dbt: {dbt_name})",
            additional_deps=spec.additional_deps,
            metadata=spec.metadata,
            blocking=spec.blocking,
        )

    def get_check_name(self, test: Mapping[str, Any]) -> str:
        """A short, whole name for a generic test on its asset's page: the columns, the kind, the
        model it compares with (`attainment_status_in_ref_attainment_status`,
        `unique_mission_code_year`, `row_count_equals_dim_programme`). dbt's own name repeats the
        model, and the UI cuts it with an ellipsis past about 60 characters. A singular test keeps
        the name of its file, and a generic test the `name` its YAML gives it (a rule's name,
        `verdict_agrees_with_official`): a person chose those (dbt's own names start with the kind)."""
        metadata = test.get("test_metadata") or {}
        kind = metadata.get("name")
        if not kind or not test["name"].startswith(f"{kind}_"):
            return test["name"]
        arguments = {
            k: v for k, v in (metadata.get("kwargs") or {}).items() if k not in ("model", "column_name")
        }
        columns = [test["column_name"]] if test.get("column_name") else []
        columns += [c for v in arguments.values() if isinstance(v, list) for c in v if isinstance(c, str)]
        compared = re.findall(r"""ref\(\s*['"]([^'"]+)['"]""", json.dumps(arguments))
        if kind == "relationships" and len(columns) == 1 and len(compared) == 1:
            return f"{columns[0]}_in_{compared[0]}"
        return "_".join([CHECK_KINDS.get(kind, kind), *columns, *compared])


# The check names: a generic test's kind as it reads in a check name (the others keep theirs).
CHECK_KINDS = {"unique_combination_of_columns": "unique"}
CHECK_NAME_MAX = 60
DBT_TEST_NAME = "dbt_name"  # where with_check_names keeps dbt's own name of a renamed test


def with_check_names(manifest_path: Path, translator: "WarehouseTranslator") -> dict[str, Any]:
    """The manifest the dbt assets are built from, each test of a mart renamed by
    `translator.get_check_name`. dagster-dbt takes a check's name from the test's `name` twice, for
    the check spec and for each result of a run (`get_asset_check_key_for_test`, no translator
    hook), so the name is changed where both read it; dbt selects tests by `fqn`, left as it is.
    A name still longer than CHECK_NAME_MAX, or taken by another check of the asset, ends with a
    hash of the test's id instead."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    taken: set[tuple[str, str]] = set()
    for unique_id, test in sorted(nodes.items()):
        attached = nodes.get(test.get("attached_node") or "", {})
        if test["resource_type"] != "test" or attached.get("schema") != "marts":
            continue
        name = translator.get_check_name(test)
        if len(name) > CHECK_NAME_MAX or (attached["unique_id"], name) in taken:
            name = f"{name[: CHECK_NAME_MAX - 9]}_{hashlib.sha1(unique_id.encode()).hexdigest()[:8]}"
        taken.add((attached["unique_id"], name))
        nodes[unique_id] = {**test, "name": name, DBT_TEST_NAME: test["name"]}
    return manifest


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class DbtBuildConfig(dg.Config):
    """`scope`, chosen by the run's launcher (`run_plan.py`): `everything`, or
    `downstream_of_sources` when only the documents changed since the last complete run."""

    scope: Literal["everything", "downstream_of_sources"] = EVERYTHING


@dbt_assets(
    manifest=with_check_names(dbt_project.manifest_path, translator),
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def warehouse_dbt_assets(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: WarehouseDbtResource,
    warehouse: WarehouseResource,
    settings: SettingsResource,
):
    # Unit tests check the SQL logic on fixtures; they run in `make test`, not in production.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if config.scope == DOWNSTREAM_OF_SOURCES and not context.is_subset:
        # The seeds and their own tests are what the last complete run built from the same files.
        # Cautious: a test is left out only when everything it reads is a seed; the default (eager)
        # would also leave out the tests of a rebuilt model against a seed (every unit mapped,
        # every value_kind known), which a new document can fail. A subset run keeps dagster-dbt's
        # own test selection.
        args += ["--exclude", SEEDS_SELECTOR, "--indirect-selection", "cautious"]
        context.log.info(
            f"only the documents changed since the last complete run: --exclude {SEEDS_SELECTOR} "
            "--indirect-selection cautious"
        )
    # raise_on_error=False: a failed model or test must not lose the events of the nodes that were
    # built; the step fails after they are recorded (below), so nothing downstream publishes.
    with warehouse.dbt_environment(), _without_observation_notices():
        invocation = dbt.cli(
            args, context=context, raise_on_error=False, target_path=invocation_target("build")
        )
        events = _tests_summed_per_asset(list(invocation.stream()))
    # Row counts and a preview for the UI, read once dbt has released the file (dagster-dbt's own
    # fetch_row_counts would open the warehouse while dbt still holds DuckDB's lock).
    docs = settings.resolved().reports_dir / "dbt-docs" / "index.html"
    yield from _with_table_metadata(events, warehouse, docs)
    if not invocation.is_successful():
        raise build_failure(invocation)


FAILED_STATUSES = ("error", "fail", "runtime error")
# dagster-dbt logs this warning for each test that is not an asset check (`dbt_cli_event.py`).
OBSERVATION_NOTICE = "Logging an `AssetObservation` instead of an `AssetCheckResult`"


class _DropObservationNotices(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(OBSERVATION_NOTICE)


@contextmanager
def _without_observation_notices():
    """The tests that guard the build (not asset checks: `get_asset_check_spec`) are meant to be
    observations; dagster-dbt warns for each of them that it is one, a hundred events a run. Its
    logger is Dagster's (`get_dagster_logger()`), shared by the other libraries: only that notice
    is dropped."""
    logger = dg.get_dagster_logger()
    notice = _DropObservationNotices()
    logger.addFilter(notice)
    try:
        yield
    finally:
        logger.removeFilter(notice)


def _tests_summed_per_asset(events: list) -> list:
    """The observations dagster-dbt yields for the tests that are not asset checks, one per test
    and per model it reads (118 events a run, each a write to the event log), summed into one
    observation per asset: how many tests read it, and the name and status of each that did not
    pass. The other events as they come. run_results.json keeps every test's own result."""
    summed: dict[dg.AssetKey, dict] = {}
    kept = []
    for event in events:
        unique_id = event.metadata.get("unique_id") if isinstance(event, dg.AssetObservation) else None
        if unique_id is None or not str(unique_id.value).startswith("test."):
            kept.append(event)
            continue
        entry = summed.setdefault(event.asset_key, {"tests": 0, "not_passed": {}})
        entry["tests"] += 1
        status = event.metadata.get("status")
        if status is not None and status.value != "pass":
            entry["not_passed"][str(unique_id.value)] = status.value
    for key, entry in summed.items():
        kept.append(
            dg.AssetObservation(
                asset_key=key,
                description=f"dbt tests that read this asset: {entry['tests']}, "
                f"not passed: {len(entry['not_passed'])}",
                metadata={
                    "dbt_tests": entry["tests"],
                    "dbt_tests_not_passed": dg.MetadataValue.json(entry["not_passed"]),
                },
            )
        )
    return kept


# The seeds and the tests declared beside them (seeds/_seeds.yml).
SEEDS_SELECTOR = "path:seeds"


def build_failure(invocation) -> dg.Failure:
    """A step failure naming the dbt nodes that failed (run_results.json), and those skipped."""
    error = invocation.get_error()
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except (OSError, ValueError, KeyError):  # dbt died before writing it: its own error says why
        results = []
    failed = [r for r in results if r.get("status") in FAILED_STATUSES]
    skipped = [r["unique_id"] for r in results if r.get("status") == "skipped"]
    if not failed:
        return dg.Failure(
            description=f"dbt build failed: {getattr(error, 'description', None) or error}",
            metadata={"dbt_log": dg.MetadataValue.path(str(invocation.target_path / "dbt.log"))},
        )
    lines = [
        f"{r['unique_id']} ({r['status']}): {' '.join(str(r.get('message') or '').split())[:300]}"
        for r in failed
    ]
    description = f"dbt build: {len(failed)} node(s) failed: " + "; ".join(lines)
    if skipped:
        shown = ", ".join(skipped[:5]) + (", …" if len(skipped) > 5 else "")
        description += f". Skipped because of them: {len(skipped)} node(s) ({shown})"
    return dg.Failure(
        description=description,
        metadata={
            "failed_nodes": dg.MetadataValue.json([r["unique_id"] for r in failed]),
            "skipped_nodes": dg.MetadataValue.json(skipped),
            "dbt_log": dg.MetadataValue.path(str(invocation.target_path / "dbt.log")),
        },
        allow_retries=False,
    )


def _with_table_metadata(events: list, warehouse: WarehouseResource, docs):
    with warehouse.get_connection(read_only=True) as con:
        for event in events:
            if not isinstance(event, dg.Output):
                yield event
                continue
            schema, table = event.output_name.split("__", 1) if "__" in event.output_name else (None, None)
            extra: dict = {"dbt_docs": dg.MetadataValue.path(str(docs))}
            if (
                schema
                and con.execute(
                    "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchone()[0]
            ):
                extra["dagster/row_count"] = con.execute(
                    f'select count(*) from "{schema}"."{table}"'
                ).fetchone()[0]
                if schema == "marts":
                    preview = con.execute(f'select * from "{schema}"."{table}" limit 5')
                    columns = [d[0] for d in preview.description]
                    extra["preview"] = table_metadata(columns, preview.fetchall(), max_chars=80)
            yield dg.Output(
                value=event.value,
                output_name=event.output_name,
                metadata={**event.metadata, **extra},
                data_version=event.data_version,
                tags=event.tags,
            )
