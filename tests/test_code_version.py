"""The code version, part of the fingerprint and of every asset's code version, covers the code a
run executes: editing the benchmark, the corpus generator or the final screen rebuilds nothing."""

import shutil

from orchestration.lib import fingerprint
from orchestration.lib.settings import PROJECT_DIR


def test_only_the_runtime_code_changes_the_code_version(tmp_path, monkeypatch):
    code = tmp_path / "orchestration"
    shutil.copytree(PROJECT_DIR / "orchestration", code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "CODE_DIR", code)

    def version() -> str:
        fingerprint.code_version.cache_clear()
        return fingerprint.code_version()

    try:
        before = version()
        for launcher_or_tool in ("tools/bench.py", "cli.py", "dev.py"):
            with (code / launcher_or_tool).open("a", encoding="utf-8") as f:
                f.write("\n# edited\n")
            assert version() == before, launcher_or_tool
        with (code / "lib" / "cells.py").open("a", encoding="utf-8") as f:
            f.write("\n# edited\n")
        assert version() != before
    finally:
        fingerprint.code_version.cache_clear()
