"""The dbt project (project.py) as Dagster assets and checks (assets.py): staging, intermediate,
seeds and the marts of the contract."""
