"""The Dagster code location: every definition under `defs/`, loaded by `dg.load_from_defs_folder`
(the project layout is declared in pyproject.toml, `[tool.dg.project]`).

`dg dev -m orchestration.definitions` (make dev) and `make run` load this module. Resources,
executor and loggers are in `defs/resources.py`; the settings are read once, when they load.
"""

from pathlib import Path

import dagster as dg


def load() -> dg.Definitions:
    """The definitions, with the settings of the environment and `.env` as they are now."""
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)


defs = load()
