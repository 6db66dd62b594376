"""The dbt project, in a module of its own: `orchestration.prepare` builds its manifest before the
definitions (which need it) are imported."""

from dagster_dbt import DbtProject

from orchestration.lib.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
