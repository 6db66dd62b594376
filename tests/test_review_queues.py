"""The stewards' review queues close: a decision recorded the way docs/stewards.md says (a row in
the seed or in an exceptions file) turns its queue row from `pending` to `decided` after one run of
the job, with who, when and why beside it, and the final screen counts it.

The seeds live in the dbt project, which a test must not write: the run is made from a copy of the
project (its code, dbt project and expectations) on a writable copy of the shipped run, with one
decision recorded in each queue. The extra exceptions file goes through QUALITY_EXTRA_EXCEPTIONS,
set in the copy's `.env` (the settings read it there, relative to the project folder).
"""

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.lib import review_queues
from orchestration.lib.settings import PROJECT_DIR

from .conftest import job_env

pytestmark = pytest.mark.slow

WHO, WHEN = "test steward", "2026-12-02"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _append(path: Path, row: dict[str, str]) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        columns = next(csv.reader(f))
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, columns, lineterminator="\n").writerow(row)


def _applied_pending(screen: str) -> tuple[int, int]:
    match = re.search(r"steward decisions: ([\d,]+) applied, ([\d,]+) pending", screen)
    assert match, screen[-2000:]
    return int(match[1].replace(",", "")), int(match[2].replace(",", ""))


def _project_copy(target: Path) -> Path:
    ignore = shutil.ignore_patterns("target", "logs", "__pycache__", "uncommitted", ".user.yml")
    for folder in ("orchestration", "dbt_project", "expectations"):
        shutil.copytree(PROJECT_DIR / folder, target / folder, ignore=ignore)
    for file in ("dagster.yaml", "pyproject.toml"):
        shutil.copy(PROJECT_DIR / file, target / file)
    return target


@pytest.fixture(scope="module")
def decided(tmp_path_factory, published):
    """(queues before, queues after, final screen before, final screen after, the decisions): one
    decision per queue, recorded in a copy of the project, then one run of the job."""
    from .conftest import _writable_copy

    root = tmp_path_factory.mktemp("review_queues")
    data = _writable_copy(published, root)
    before = {q.name: _rows(data / "reports" / q.file) for q in review_queues.QUEUES[:5]}
    project = _project_copy(root / "project")
    seeds = project / "dbt_project" / "seeds"

    direction = next(
        r for r in before["directions"] if r["status"] == "pending" and int(r["settleable_years"])
    )
    _append(
        seeds / "ref_measure_direction.csv",
        {
            "measure_key": direction["measure_key"],
            "direction": "increase",
            "measure_label_hint": direction["measure_label_hint"],
            "reason": f"'{direction['indicator_label']}': more is better (test)",
            "reviewed_by": WHO,
            "reviewed_on": WHEN,
        },
    )
    match = next(r for r in before["measure_matches"] if r["status"] == "pending")
    _append(
        seeds / "ref_measure_match_override.csv",
        {
            "document_id": match["document_id"],
            "source_measure_key": match["source_measure_key"],
            "to_measure_key": "",  # not the candidate: the row keeps its own key
            "reviewed_by": WHO,
            "reviewed_on": WHEN,
            "rationale": "another measure (test)",
        },
    )
    split = next(r for r in before["measure_splits"] if r["status"] == "pending")
    _append(
        seeds / "ref_measure_version_override.csv",
        {
            "measure_key": split["measure_key"],
            "vintage_year": split["vintage_year"],
            "action": "join",
            "reason": "one measure (test)",
            "reviewed_by": WHO,
            "reviewed_on": WHEN,
        },
    )
    disagreement = next(r for r in before["verdict_disagreements"] if r["status"] == "pending")
    extra = project / "steward-exceptions.csv"
    extra.write_text(",".join(review_queues.DISAGREEMENTS.decision_columns) + "\n", encoding="utf-8")
    _append(
        extra,
        {
            "measure_key": disagreement["measure_key"],
            "rule": "verdict_agrees_with_official",
            "reason": "the RAP judged against another target (test)",
            "reviewed_by": WHO,
            "reviewed_on": WHEN,
        },
    )
    # the settings read `.env` beside the code, and a relative path from the project folder
    (project / ".env").write_text("QUALITY_EXTRA_EXCEPTIONS=steward-exceptions.csv\n", encoding="utf-8")
    env = job_env(data, root / "raw", {"PYTHONPATH": str(project)})
    env.pop("QUALITY_EXTRA_EXCEPTIONS", None)
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    after = {q.name: _rows(data / "reports" / q.file) for q in review_queues.QUEUES[:5]}
    screen_before = (published.parent / "make-run.stdout").read_text(encoding="utf-8")
    keys = {"directions": direction, "measure_matches": match, "measure_splits": split}
    return before, after, screen_before, result.stdout, keys | {"verdict_disagreements": disagreement}


def _touched(decided) -> set[str]:
    """The measure keys some decision of the fixture changes (a decision on one may move another
    queue's rows of the same measure: a joined key, a direction that changes a verdict)."""
    *_, keys = decided
    return {
        keys["directions"]["measure_key"],
        keys["measure_splits"]["measure_key"],
        keys["measure_matches"]["source_measure_key"],
        keys["measure_matches"]["to_measure_key"],
        keys["verdict_disagreements"]["measure_key"],
    } - {""}


def _pending(rows, fields, touched) -> set[tuple[str, ...]]:
    measure_columns = ("measure_key", "source_measure_key", "to_measure_key", "new_measure_key")
    return {
        tuple(r[f] for f in fields)
        for r in rows
        if r["status"] == "pending"
        and not any(r.get(c, "").split("@")[0] in touched for c in measure_columns)
    }


def _row(rows, **key):
    return [r for r in rows if all(r[k] == v for k, v in key.items())]


def test_a_direction_decided_leaves_the_pending_queue(decided):
    before, after, *_, keys = decided
    key = {"measure_key": keys["directions"]["measure_key"]}
    assert [r["status"] for r in _row(before["directions"], **key)] == ["pending"]
    (row,) = _row(after["directions"], **key)
    assert (row["status"], row["direction"], row["reviewed_by"], row["reviewed_on"]) == (
        "decided", "increase", WHO, WHEN
    )  # fmt: skip
    assert row["current_direction_source"] == "steward"
    # no measure turned pending; the other decisions (a join, a rejected match) may remove a key
    pending_before = {r["measure_key"] for r in before["directions"] if r["status"] == "pending"}
    pending_after = {r["measure_key"] for r in after["directions"] if r["status"] == "pending"}
    assert pending_after <= pending_before - {key["measure_key"]}


def test_a_measure_match_decided_leaves_the_pending_queue(decided):
    before, after, *_, keys = decided
    key = {k: keys["measure_matches"][k] for k in ("document_id", "source_measure_key")}
    (row,) = _row(after["measure_matches"], **key)
    assert (row["status"], row["to_measure_key"], row["reviewed_by"], row["decided_in"]) == (
        "decided", "", WHO, "ref_measure_match_override"
    )  # fmt: skip
    fields = ("document_id", "source_measure_key")
    touched = _touched(decided)
    assert _pending(after["measure_matches"], fields, touched) == _pending(
        before["measure_matches"], fields, touched
    )


def test_a_crosswalked_measure_is_decided_not_unmatched(decided):
    before, *_ = decided
    (row,) = _row(before["measure_matches"], document_id="PAP-2024-P352", source_measure_key="P352-1-1#1")
    assert (row["status"], row["to_measure_key"], row["decided_in"]) == (
        "decided", "30157", "ref_indicator_crosswalk"
    )  # fmt: skip


def test_a_split_joined_leaves_the_pending_queue(decided):
    before, after, *_, keys = decided
    key = {k: keys["measure_splits"][k] for k in ("measure_key", "vintage_year")}
    (row,) = _row(after["measure_splits"], **key)
    assert (row["status"], row["action"], row["reviewed_by"], row["new_measure_key"]) == (
        "decided",
        "join",
        WHO,
        "",
    )
    fields = ("measure_key", "vintage_year")
    touched = _touched(decided)
    assert _pending(after["measure_splits"], fields, touched) == _pending(
        before["measure_splits"], fields, touched
    )


def test_a_disagreement_explained_leaves_the_pending_queue(decided):
    before, after, *_, keys = decided
    measure = keys["verdict_disagreements"]["measure_key"]
    years = _row(after["verdict_disagreements"], measure_key=measure)
    assert years and {(r["status"], r["reviewed_by"], r["rule"]) for r in years} == {
        ("decided", WHO, "verdict_agrees_with_official")
    }
    fields = ("measure_key", "year")
    touched = _touched(decided)
    assert _pending(after["verdict_disagreements"], fields, touched) == _pending(
        before["verdict_disagreements"], fields, touched
    )


def test_the_final_screen_counts_the_decisions(decided):
    _before, after, screen_before, screen_after, keys = decided
    applied_before, pending_before = _applied_pending(screen_before)
    applied_after, pending_after = _applied_pending(screen_after)
    newly = 3 + len(
        _row(after["verdict_disagreements"], measure_key=keys["verdict_disagreements"]["measure_key"])
    )
    assert applied_after == applied_before + newly
    # the other decisions may settle more (a joined key leaves the directions' queue too)
    assert pending_after <= pending_before - newly
