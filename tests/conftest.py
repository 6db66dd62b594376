"""Shared fixtures: copies of the real sources, temporary warehouses, a prepared dbt manifest, and the
one `make run` of the session (`published`) that every test reading the shipped warehouse shares.

Nothing a test runs writes into the repository: every run of the job gets its own DATA_DIR,
DAGSTER_HOME and dbt target folders (DBT_JOB_TARGET_DIR) in a temporary folder (moved, for the
time of a `make run`, to one path per pytest-xdist worker: `at_the_workers_path`), and the session
fails if `data/`, the job's dbt target folders or GX's uncommitted folder changed under it.

Tests that need a run of the stack are marked `slow` here (`make test-fast` leaves them out)."""

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

PROJECT_DIR = Path(__file__).resolve().parents[1]
RAW_DIR = PROJECT_DIR / "raw"
SEED_FILE = RAW_DIR / "pap" / "2024" / "000_9fa5ff6774201ab1.txt"
CSV_FILE = RAW_DIR / "pap" / "2025" / "plf-2025-performance.csv"

os.environ["DO_NOT_TRACK"] = "1"
os.environ["DAGSTER_DISABLE_TELEMETRY"] = "1"

# `make test-fast` (--hypothesis-profile=fast): each property tried on a few examples, a smoke test;
# `make test` tries them on hypothesis's default number, or the number a test sets.
settings.register_profile("fast", max_examples=10)


# --- order and workers ------------------------------------------------------------------------------

# Runs of their own that several tests read: those tests stay on one pytest-xdist worker. Not
# `small_published`: the tests that copy it each run the job again, one worker each can take.
_SHARED_RUNS = ("hostile_run", "broken", "rendered", "decided")
# Fixtures that make a whole run of the job (or a copy of one) for a single test.
_OWN_RUN = (
    "published_copy",
    "small_copy",
    "hostile_run",
    "small_published",
    "cold_new_vintage",
    "broken",
    "decided",
)
# Fixtures that run the stack (the job, dbt, GX, a Dagster materialization) or read what such a
# run built: a test asking for one is `slow` (`make test-fast` leaves it out).
_STACK = ("published", "dbt_manifest", *_OWN_RUN)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items: list[pytest.Item]) -> None:
    """`make test` runs two pytest-xdist workers, each taking the next test, or the next group of
    tests that share a run (`xdist_group`), in this order (the Makefile keeps it:
    `--no-loadscope-reorder`). The first test reads `published`, so one worker starts the session's
    `make run` at once while the other takes the first test that runs the job on sources of its own
    (the first in file order, the fault chain: the longest). Then what builds on `published` at a
    cost (the groups of `_SHARED_RUNS`, a run of the job again: begun last, they ran alone at the
    end), then the other runs of the job, then the tests that need none, then those that only read
    `published`.
    A test that needs a run of the stack is marked `slow`, whether its module says so or not."""
    for item in items:
        for name in _SHARED_RUNS:
            if name in item.fixturenames:
                item.add_marker(pytest.mark.xdist_group(name))
        if any(name in item.fixturenames for name in _STACK):
            item.add_marker(pytest.mark.slow)

    def reads_published(item: pytest.Item) -> bool:
        return "published" in item.fixturenames

    def runs_the_job(item: pytest.Item) -> bool:
        return any(name in item.fixturenames for name in (*_OWN_RUN, *_SHARED_RUNS))

    starter = next((i for i in items if reads_published(i) and not runs_the_job(i)), None)
    lead = next((i for i in items if runs_the_job(i) and not reads_published(i)), None)

    def rank(item: pytest.Item) -> int:
        if item is starter:
            return 0
        if item is lead:
            return 1
        if runs_the_job(item):
            return 2 if reads_published(item) else 3
        return 5 if reads_published(item) else 4

    items.sort(key=rank)  # stable: file order within a rank


# --- the repository stays as it was ----------------------------------------------------------------

# What a run of the job or a test could write into the repository. dbt_project/target itself holds
# the manifest `make manifest` prepares before the tests (and `dbt_manifest` below, the same way):
# only its sub-folders, the job's dbt target folders, are watched there.
_WATCHED = ("data", ".dagster_home", "dbt_project/logs", "expectations/gx/uncommitted")


def _repository_outputs() -> dict[str, tuple[int, int]]:
    found = {}
    roots = [PROJECT_DIR / name for name in _WATCHED]
    target = PROJECT_DIR / "dbt_project" / "target"
    roots += [p for p in target.iterdir() if p.is_dir()] if target.is_dir() else []
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                stat = path.lstat()
                found[str(path.relative_to(PROJECT_DIR))] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture(scope="session", autouse=True)
def _nothing_written_into_the_repository(tmp_path_factory) -> Iterator[None]:
    """The in-process runs' dbt target folders go to a temporary folder; after the session, nothing
    under data/, the job's dbt target folders, dbt's logs or GX's uncommitted folder has changed."""
    os.environ["DBT_JOB_TARGET_DIR"] = str(tmp_path_factory.mktemp("dbt_job_target"))
    _RUN_FOLDER[:] = [tmp_path_factory.mktemp("job_run", numbered=False)]
    before = _repository_outputs()
    yield
    after = _repository_outputs()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"the tests wrote into the repository: {changed[:20]}"


@pytest.fixture(autouse=True)
def _no_disposed_instance_left_current() -> Iterator[None]:
    """`with DagsterInstance…` sets a context variable (the instance's definitions-state storage)
    that its `__exit__` does not reset: a later load of the definitions in the same process would
    reach the disposed instance (`undefined DagsterInstance weakref`). Each test starts with none and
    leaves none (tests/test_private_apis.py names this private API)."""
    from dagster._core.storage.defs_state.base import set_defs_state_storage

    with set_defs_state_storage(None):
        yield


# --- sources ---------------------------------------------------------------------------------------


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A writable copy of raw/ (the real files are never edited; broken copies go here)."""
    target = tmp_path / "raw"
    shutil.copytree(RAW_DIR, target)
    return target


@pytest.fixture
def pap_copy(tmp_path: Path) -> Path:
    """A writable RAW_DIR holding copies of raw/pap/ only (what the PAP tests count on)."""
    target = tmp_path / "raw"
    shutil.copytree(RAW_DIR / "pap", target / "pap")
    return target


def truncate_with_garbage(path: Path) -> int:
    """A cut download: the file's first half, then binary garbage (seeded, so errors are stable).
    Returns the physical line where the garbage starts."""
    import random

    data = path.read_bytes()
    garbage = random.Random(20250101).randbytes(4096)
    kept = data[: len(data) // 2]
    path.write_bytes(kept + b"\x00\xff" + garbage)
    return kept.count(b"\n") + 1


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    from orchestration.prepare import MANIFEST, prepare

    prepare()
    return MANIFEST


def relabelled_rap(data: bytes, delta: int) -> bytes:
    """A RAP open-data file with the years of its year-column headers shifted by `delta` (header line
    only): 'Réalisation 2015' -> 'Réalisation 2016', 'Prévision 2017 PAP 2018' -> 'Prévision 2018
    PAP 2019'. The reader then sees another vintage."""
    header, body = data.split(b"\r\n", 1)
    names = header.decode("cp1252").split(";")
    shifted = [
        re.sub(r"\d{4}", lambda m: str(int(m[0]) + delta), name)
        if re.match(r"(Réalisation|Prévision) \d{4}", name)
        else name
        for name in names
    ]
    assert shifted != names
    return ";".join(shifted).encode("cp1252") + b"\r\n" + body


@contextmanager
def warehouse_held(path: Path) -> Iterator[subprocess.Popen]:
    """Another process holding `path` open read-write (DuckDB's lock: readers refused too) for as
    long as the block runs; yields that process."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(600)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        yield holder
    finally:
        holder.kill()
        holder.wait()


# --- the job, for real -----------------------------------------------------------------------------


def job_env(
    data_dir: Path, raw_dir: Path, extra_env: dict[str, str] | None = None, dbt_target: Path | None = None
) -> dict[str, str]:
    """The environment of a run of the job writing into `data_dir` only: its DAGSTER_HOME inside it,
    dbt's target folders beside it (`<data_dir>/../dbt_target`, or `dbt_target`), the paths derived
    from DATA_DIR."""
    derived = ("DUCKDB_PATH", "MARTS_PATH", "REPORTS_DIR", "EXPORTS_DIR")
    return {
        **{k: v for k, v in os.environ.items() if k not in derived},
        "DATA_DIR": str(data_dir),
        "RAW_DIR": str(raw_dir),
        "DAGSTER_HOME": str(data_dir / "dagster_home"),
        "DBT_JOB_TARGET_DIR": str(dbt_target or data_dir.parent / "dbt_target"),
        **(extra_env or {}),
    }


# This process's (pytest-xdist worker's) one folder where every run of the job it makes happens.
_RUN_FOLDER: list[Path] = []
_PARTIAL_PARSE = "partial_parse.msgpack"


@contextmanager
def at_the_workers_path(data_dir: Path) -> Iterator[Path]:
    """`data_dir` (created when missing), moved for the time of a run to the one path every run of
    this worker uses, then moved back, with dbt's partial parse of the worker's last run put in
    `<data_dir>/../dbt_target` and kept after. dbt re-parses the whole project (10-20 s) when the
    profile's values change, and its `path` is the warehouse's (DUCKDB_PATH, resolved: a link would
    not do). At one path, every run of a worker but its first parses only the files that changed.
    The warehouse's fingerprint does not see the move (outputs are recorded relative to it)."""
    if not _RUN_FOLDER:  # outside a session (the fixture below sets it): the run where it is
        data_dir.mkdir(parents=True, exist_ok=True)
        yield data_dir
        return
    folder = _RUN_FOLDER[0]
    at, kept = folder / "data", folder / _PARTIAL_PARSE
    built = data_dir.parent / "dbt_target" / "dagster-build" / _PARTIAL_PARSE
    if kept.exists() and not built.exists():
        built.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kept, built)
    if data_dir.exists():
        data_dir.rename(at)
    else:
        at.mkdir()
    try:
        yield at
    finally:
        at.rename(data_dir)
        if built.exists():
            shutil.copyfile(built, kept)


def make_run(
    data_dir: Path,
    raw_dir: Path = RAW_DIR,
    extra_env: dict[str, str] | None = None,
    dagster_home: str = "dagster_home",
):
    """`make run`, the README's main command, for real, writing into `data_dir` (its DAGSTER_HOME:
    the folder `dagster_home` in it); run at the worker's one path (`at_the_workers_path`)."""
    import subprocess

    with at_the_workers_path(data_dir) as at:
        home = {"DAGSTER_HOME": str(at / dagster_home)}
        return subprocess.run(
            ["make", "--no-print-directory", "run"],
            cwd=PROJECT_DIR,
            env=job_env(at, raw_dir, home | (extra_env or {}), dbt_target=data_dir.parent / "dbt_target"),
            capture_output=True,
            text=True,
            timeout=900,
        )


def _shared_dir(tmp_path_factory) -> Path:
    """The session's temporary folder, the same for every pytest-xdist worker."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared_run(tmp_path_factory, name: str, build) -> Path:
    """The folder `name` of the session (the same for every pytest-xdist worker), built once by
    `build(folder)` for the whole session: the first worker to ask builds it, the others wait, and a
    failed build fails every test that asks again (its message kept). For the whole runs of the job
    that several tests read: a session fixture, not a module one, since pytest-xdist may interleave
    a module's tests with others' and a module fixture is then built twice."""
    root = _shared_dir(tmp_path_factory) / name
    root.mkdir(exist_ok=True)
    done, failed = root / ".built", root / ".failed"
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if failed.exists():
            pytest.fail(failed.read_text(encoding="utf-8"))
        if not done.exists():
            try:
                build(root)
            except BaseException as exc:
                failed.write_text(f"{name}: {exc}"[:6000], encoding="utf-8")
                raise
            done.touch()
    return root


def run_record(data_dir: Path) -> dict:
    """What `make run` recorded of its last run on `data_dir` (logs/last-run.json)."""
    return json.loads((data_dir / "logs" / "last-run.json").read_text(encoding="utf-8"))


def published_run_id(data_dir: Path) -> str:
    """The run that published `data_dir`/marts.duckdb (its table publication.info)."""
    import duckdb

    with duckdb.connect(str(data_dir / "marts.duckdb"), read_only=True) as con:
        return con.execute("select run_id from publication.info").fetchone()[0]


def run_events(dagster_home: Path, run_id: str, of_type=None) -> list:
    """The Dagster events of the run `run_id`, read back from `dagster_home` (any event type, or
    those of `of_type`)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return [e.dagster_event for e in instance.all_logs(run_id, of_type=of_type) if e.dagster_event]


def check_run(result, what: str) -> None:
    """A `make run` that must have succeeded (its output in the message when it did not)."""
    if result.returncode != 0:
        raise AssertionError(f"{what} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    """DATA_DIR of one `make run` on a copy of the shipped sources, once per session. Read it,
    never write into it: a test that changes a warehouse or runs the job again works on
    `published_copy`."""

    def build(root: Path) -> None:
        shutil.rmtree(root / "raw", ignore_errors=True)
        shutil.copytree(RAW_DIR, root / "raw")
        result = make_run(root / "data", root / "raw")
        check_run(result, "`make run` on the shipped sources")
        (root / "make-run.stdout").write_text(result.stdout, encoding="utf-8")  # the final screen

    return shared_run(tmp_path_factory, "published", build) / "data"


@pytest.fixture(scope="session")
def small_published(tmp_path_factory) -> Path:
    """DATA_DIR of one `make run` on a copy of raw/pap/ (the two PAP documents), once per session:
    the last good version the tests that break something and run the job again start from (the
    same steps as the shipped run, on a sixth of the cells)."""

    def build(root: Path) -> None:
        shutil.copytree(RAW_DIR / "pap", root / "raw" / "pap")
        check_run(make_run(root / "data", root / "raw"), "`make run` on raw/pap")

    return shared_run(tmp_path_factory, "small_published", build) / "data"


@pytest.fixture(scope="module")
def wh(published):
    """The warehouse of `published`, read-only."""
    import duckdb

    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def marts(published):
    """The published marts of `published`, read-only (what BI reads)."""
    import duckdb

    with duckdb.connect(str(published / "marts.duckdb"), read_only=True) as con:
        yield con


def _writable_copy(data_dir: Path, tmp_path: Path) -> Path:
    """`tmp_path/data`: a copy of the DATA_DIR of a shared run, beside `tmp_path/raw`, a copy of the
    sources it was built from; its Dagster history is not copied."""
    target = tmp_path / "data"
    shutil.copytree(data_dir, target, ignore=shutil.ignore_patterns("dagster_home"))
    shutil.copytree(data_dir.parent / "raw", tmp_path / "raw")
    return target


@pytest.fixture
def small_copy(small_published, tmp_path) -> Path:
    """A writable copy of `small_published` (`_writable_copy`)."""
    return _writable_copy(small_published, tmp_path)


@pytest.fixture
def published_copy(published, tmp_path) -> Path:
    """A writable copy of the published DATA_DIR, the last good version (`_writable_copy`)."""
    return _writable_copy(published, tmp_path)


# --- headless Chromium (Debian's package, which `make browser` installs) ---------------------------


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The `chromium` that `make browser` installs: missing, the test fails (never skips) saying how."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "headless Chromium is required for the browser tests: apt-get install chromium (as root)",
            pytrace=False,
        )
    return Path(found)


def browse(chromium: Path, user_data: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with the flags the screenshot tool uses (orchestration/tools/screenshots.py),
    a profile of its own in `user_data`, on `args` (`--dump-dom URL`, `--screenshot=…`).

    Now and then headless Chromium never exits, having written nothing (seen once in `make test`, a
    screenshot of the filtered index while the other worker ran the job): after 120 s its process
    group is killed (the renderers too) and it is run once more, on a fresh profile. A second hang
    fails the test."""
    from orchestration.tools.screenshots import CHROMIUM_FLAGS

    for profile in (user_data, user_data.with_name(f"{user_data.name}-again")):
        cmd = [str(chromium), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            out, err = proc.communicate(timeout=120)
            break
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    else:
        raise AssertionError(f"headless Chromium hung twice (120 s each): {cmd}")
    assert proc.returncode == 0, err[-3000:]
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
