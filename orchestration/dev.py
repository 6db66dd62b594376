"""`make dev`: the Dagster UI and daemon (`dg dev`, the CLI that supersedes `dagster dev`) on the
project's settings: DAGSTER_HOME from the environment, else `.env`, else `.dagster_home/`, created
with the project's dagster.yaml.

`dg dev` started in the project folder lets the project's `.env` override the environment, in the
UI and daemon (DAGSTER_HOME included) and in the code server. Given the code location explicitly
(`-m orchestration.definitions -d <project>`) and started from DAGSTER_HOME, it reads no `.env`,
so the definitions read it the one way `make run` and the tests do
(`orchestration/lib/settings.py`: the environment wins).
"""

import os
import sys

from orchestration.lib.settings import PROJECT_DIR, load_settings, prepare_dagster_home


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    home = prepare_dagster_home(load_settings().dagster_home)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    os.chdir(home)
    command = ["dg", "dev", "-m", "orchestration.definitions", "-d", str(PROJECT_DIR), *args]
    os.execvpe(command[0], command, env)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
