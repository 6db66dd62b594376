"""`make test` shares each costly run of the job among the tests that read it by keeping them on one
pytest-xdist worker (`--dist loadgroup`, the groups conftest.py marks at collection). pytest 9.2
broke that without a failure: the tests of a group were scattered and each worker built the group's
run again (pytest-xdist issue 1386). This runs a small session the same way and fails if a group
is split."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

CONFTEST = textwrap.dedent(
    """
    import pytest

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(config, items):
        for item in items:
            if "shared" in item.fixturenames:
                item.add_marker(pytest.mark.xdist_group("shared"))

    @pytest.fixture(scope="session")
    def shared():
        return 1
    """
)
TESTS = "".join(f"def test_in_group_{i}(shared): pass\ndef test_alone_{i}(): pass\n" for i in range(6))


def test_a_group_marked_at_collection_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_grouped.py").write_text(TESTS, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    ran = re.findall(r"^\[(gw\d)\] .* PASSED test_grouped\.py::(\w+)", result.stdout, re.M)
    assert len(ran) == 12, result.stdout[-3000:]
    workers = {worker for worker, test in ran if test.startswith("test_in_group_")}
    assert len(workers) == 1, f"the group ran on {sorted(workers)}:\n{result.stdout[-3000:]}"
