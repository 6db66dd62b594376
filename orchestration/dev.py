"""`make dev`: the Dagster UI and daemon (`dagster dev -m orchestration.definitions`) on the
project's settings: DAGSTER_HOME from the environment, else `.env`, else `.dagster_home/`, created
with the project's dagster.yaml.

`dagster dev` reads the `.env` of its current folder itself and lets it override the environment;
started from DAGSTER_HOME it finds none, so the definitions read `.env` the one way `make run` and
the tests do (`orchestration/lib/settings.py`: the environment wins).
"""

import os
import sys

from orchestration.lib.settings import PROJECT_DIR, load_settings, prepare_dagster_home


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    home = prepare_dagster_home(load_settings().dagster_home)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    os.chdir(home)
    command = ["dagster", "dev", "-m", "orchestration.definitions", "-d", str(PROJECT_DIR), *args]
    os.execvpe(command[0], command, env)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
