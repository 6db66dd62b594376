"""Every private or unstable API of the stack the project leans on, named here: when an upgrade of
Dagster or dagster-dbt removes or renames one, this file fails first, saying which, instead of the
job misbehaving quietly (an override no longer called costs seconds per run; a renamed logger
floods the screen; a renamed storage method leaves a killed run's pool slot held forever).

Where each is used, and why a public API does not serve:
- `WarehouseDbtResource` (orchestration/defs/resources.py) overrides `DbtCliResource._cli_version`
  and `DbtCliResource._initialize_dbt_core_adapter`: `cli()` runs `dbt --version` (3-4 s, network)
  and builds an in-process adapter (3-4 s) that the assets never use; no setting turns them off.
- `free_pool_slots_of_ended_runs` (orchestration/cli.py) reads the event log storage's concurrency
  methods: `make run` has no daemon, whose run monitoring would free the slots of a killed run.
- `make run` quiets the logger `dagster._core.execution.plan.active` (a warning per step after a
  skipped blocking check) and reads a `dg.Failure`'s message without its class path.
- The dbt step (orchestration/defs/dbt/assets.py) drops dagster-dbt's warning for each dbt test that
  is not a check, by its text on Dagster's logger, and sums those tests' observations per asset by
  their `unique_id` metadata: no setting turns the notice off.
- The tests (conftest.py) reset the current definitions-state storage after each test:
  `DagsterInstance.__exit__` leaves it set to the disposed instance's.
"""

import importlib.util
import inspect

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.resources import WarehouseDbtResource


def test_the_dbt_resource_overrides_are_still_called_by_cli():
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source, "DbtCliResource.cli no longer reads _cli_version"
    assert "self._initialize_dbt_core_adapter(" in source, (
        "DbtCliResource.cli no longer calls _initialize_dbt_core_adapter"
    )
    parent = inspect.signature(DbtCliResource._initialize_dbt_core_adapter)
    assert list(parent.parameters) == ["self", "args"], parent
    assert "_cli_version" in vars(DbtCliResource), "DbtCliResource._cli_version is gone"
    # the overrides are the ones the resource uses, and they answer without running anything
    resource = WarehouseDbtResource.for_project(dbt_project)
    assert resource._cli_version.major >= 1
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_the_event_log_storage_still_has_the_concurrency_methods(tmp_path):
    from orchestration.lib.settings import prepare_dagster_home

    home = prepare_dagster_home(tmp_path / "dagster_home")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        assert storage.supports_global_concurrency_limits is True
        assert set(storage.get_concurrency_run_ids()) == set()
        assert "run_id" in inspect.signature(storage.free_concurrency_slots_for_run).parameters


def test_the_logger_and_the_failure_class_path_make_run_relies_on_exist():
    assert importlib.util.find_spec("dagster._core.execution.plan.active") is not None
    failure = dg.Failure("x")
    assert (
        f"{type(failure).__module__}.{type(failure).__qualname__}"
        == "dagster._core.definitions.events.Failure"
    )


def test_dagster_dbt_still_logs_its_notice_on_dagsters_logger_with_the_tests_unique_id():
    from dagster_dbt.core import dbt_cli_event

    from orchestration.defs.dbt.assets import OBSERVATION_NOTICE

    source = inspect.getsource(dbt_cli_event)
    assert OBSERVATION_NOTICE in source, "dagster-dbt's notice for a test that is not a check changed"
    assert dbt_cli_event.logger is dg.get_dagster_logger(), "dagster-dbt logs on another logger"
    assert '"unique_id": self._unique_id' in inspect.getsource(dbt_cli_event.DbtCliEventMessage)


def test_the_definitions_state_storage_context_variable_is_still_there():
    from dagster._core.storage.defs_state.base import DefsStateStorage, set_defs_state_storage

    with set_defs_state_storage(None):
        assert DefsStateStorage.get() is None
