"""The stewards' review queues close: a decision recorded the way docs/stewards.md says (a row in
the seed that the queue names) turns its queue row from `pending` to `decided` after one run of
the job, with who, when and why beside it, and the final screen counts it.

The seeds live in the dbt project, which a test must not write: the run is made from a copy of the
project (its code, dbt project and expectations) on a writable copy of the shipped run, with one
decision recorded in each queue. An extra exceptions file goes through QUALITY_EXTRA_EXCEPTIONS,
set in the copy's `.env` (the settings read it there, relative to the project folder): it accepts
one measure's unparsed cells (the warn rule cell_not_unparsed of the raw suite).
"""

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.lib.quality import review_queues
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


# Session-scoped (its tests share one xdist group): a module fixture is torn down whenever the
# collection order interleaves another module's test, and this one costs a whole run.
@pytest.fixture(scope="session")
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
    _append(
        seeds / "ref_verdict_disagreement_review.csv",
        {
            "measure_key": disagreement["measure_key"],
            "reason": "the RAP judged against another target (test)",
            "reviewed_by": WHO,
            "reviewed_on": WHEN,
        },
    )
    summary_before = json.loads((data / "reports" / "quality-summary.json").read_text(encoding="utf-8"))
    [unparsed] = [r for r in summary_before["rules"] if r["rule"] == "cell_not_unparsed"]
    extra = project / "steward-exceptions.csv"
    extra.write_text("measure_key,rule,reason,reviewed_by,reviewed_on\n", encoding="utf-8")
    accepted = {
        "measure_key": str(unparsed["rows"][0]["measure_key"]),
        "rule": "cell_not_unparsed",
        "reason": "read by a person (test)",
        "reviewed_by": WHO,
        "reviewed_on": WHEN,
    }
    _append(extra, accepted)
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
    summary_after = json.loads((data / "reports" / "quality-summary.json").read_text(encoding="utf-8"))
    keys = {"directions": direction, "measure_matches": match, "measure_splits": split}
    return (
        before,
        after,
        screen_before,
        result.stdout,
        keys
        | {
            "verdict_disagreements": disagreement,
            "extra_exception": accepted,
            "summaries": (summary_before, summary_after),
        },
    )


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
    assert years and {(r["status"], r["reviewed_by"], r["reviewed_on"]) for r in years} == {
        ("decided", WHO, WHEN)
    }
    assert list(after["verdict_disagreements"][0])[:5] == [
        "measure_key", "reason", "reviewed_by", "reviewed_on", "status"
    ]  # fmt: skip
    fields = ("measure_key", "year")
    touched = _touched(decided)
    assert _pending(after["verdict_disagreements"], fields, touched) == _pending(
        before["verdict_disagreements"], fields, touched
    )


def _verdict_warnings(screen: str) -> int:
    """The rows the dbt test verdict_agrees_with_official (severity warn) counted, as the screen says."""
    match = re.search(r"verdict_agrees_with_official: (\d+) row\(s\) fail the dbt test", screen)
    assert match, screen[-2000:]
    return int(match[1])


def test_the_warn_test_leaves_the_reviewed_measure_out(decided):
    """The dbt test warns of every disagreement still pending: before the decision, every row of
    the queue; after it, the measure the seed accepts no longer counts."""
    before, after, screen_before, screen_after, _keys = decided
    assert _verdict_warnings(screen_before) == len(before["verdict_disagreements"])
    pending_after = [r for r in after["verdict_disagreements"] if r["status"] == "pending"]
    assert _verdict_warnings(screen_after) == len(pending_after) < len(after["verdict_disagreements"])


def test_an_exception_of_the_extra_file_named_in_env_applies(decided):
    """QUALITY_EXTRA_EXCEPTIONS, set in `.env`, adds its exceptions to expectations/exceptions.csv:
    the measure's unparsed cells are accepted, the others still counted."""
    *_, keys = decided
    summary_before, summary_after = keys["summaries"]
    accepted = keys["extra_exception"]
    [applied] = [
        e
        for e in summary_after["exceptions_applied"]
        if (e["measure_key"], e["rule"]) == (accepted["measure_key"], accepted["rule"])
    ]
    assert (applied["reviewed_by"], applied["reviewed_on"]) == (WHO, WHEN) and applied["matched_rows"] >= 1
    assert summary_after["counts"]["exceptions"] == summary_before["counts"]["exceptions"] + 1
    [unparsed_before] = [r for r in summary_before["rules"] if r["rule"] == "cell_not_unparsed"]
    [unparsed_after] = [r for r in summary_after["rules"] if r["rule"] == "cell_not_unparsed"]
    assert unparsed_after["accepted"] == applied["matched_rows"]
    assert unparsed_after["unexpected"] == unparsed_before["unexpected"] - applied["matched_rows"]


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
