"""The stewards' review queues: one CSV file each beside the quality summary, in the columns of the
file that records the decision, then `status`, then the evidence.

A row is `pending` (nobody decided; ranked by what a decision would settle), `decided` (a steward's
row took effect in this run: who, when and why are in its columns) or `not_applied` (a steward's
row that took no effect: a key that matches nothing; fix it). A decision is recorded by copying the
row into the file `decided_in` names and filling it (docs/stewards.md); the next `make run` applies it
and the row turns `decided`. The quality summary and the final screen count the statuses.
"""

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PENDING, DECIDED, NOT_APPLIED = "pending", "decided", "not_applied"
STATUS_ORDER = {NOT_APPLIED: 0, PENDING: 1, DECIDED: 2}


@dataclass(frozen=True)
class Queue:
    name: str
    file: str
    decided_in: str  # the file a steward writes the decision into
    decision_columns: tuple[str, ...]  # its columns, first in the queue file
    show: tuple[str, ...]  # what the summary shows of a pending row
    what: str  # what a pending row asks for


DIRECTIONS = Queue(
    "directions",
    "directions-to-review.csv",
    "dbt_project/seeds/ref_measure_direction.csv",
    (
        "measure_key",
        "direction",
        "tolerance_abs",
        "measure_label_hint",
        "reason",
        "reviewed_by",
        "reviewed_on",
    ),
    ("measure_key", "measure_label_hint", "settleable_years"),
    "a direction of improvement, quoting the label words that decide it",
)
MATCHES = Queue(
    "measure_matches",
    "measure-matches-to-review.csv",
    "dbt_project/seeds/ref_measure_match_override.csv",
    ("document_id", "source_measure_key", "to_measure_key", "reviewed_by", "reviewed_on", "rationale"),
    ("source_file", "source_line", "measure_label", "match_method"),
    "confirm or reject a measure match across vintages",
)
SPLITS = Queue(
    "measure_splits",
    "measure-splits.csv",
    "dbt_project/seeds/ref_measure_version_override.csv",
    ("measure_key", "vintage_year", "action", "reason", "reviewed_by", "reviewed_on"),
    ("measure_key", "vintage_year", "label_before", "label_after"),
    "confirm a split of a reused id into versions, or join it",
)
HELD_CELLS = Queue(
    "held_cells",
    "held-cells.csv",
    "expectations/exceptions.csv",
    ("measure_key", "rule", "reason", "reviewed_by", "reviewed_on"),
    ("first_line", "measure_label", "rule", "cells_held"),
    "release cells a quarantine rule holds (an exception), or fix the source",
)
DISAGREEMENTS = Queue(
    "verdict_disagreements",
    "verdict-disagreements.csv",
    "dbt_project/seeds/ref_verdict_disagreement_review.csv",
    ("measure_key", "reason", "reviewed_by", "reviewed_on"),
    ("source_file", "source_line", "measure_label", "year", "kind"),
    "accept a verdict that differs from the RAP's once understood, or fix its direction",
)
STALE_EXCEPTIONS = Queue(
    "stale_exceptions",
    "stale-exceptions.csv",
    "expectations/exceptions.csv",
    ("measure_key", "rule", "reason", "reviewed_by", "reviewed_on"),
    ("measure_key", "rule", "problem"),
    "remove or fix an exception that accepts nothing",
)
UNITS = Queue(
    "units_to_map",
    "units-to-map.csv",
    "dbt_project/seeds/ref_unit.csv",
    ("unit_raw", "unit", "unit_family", "steward_note"),
    ("unit_raw", "cells_held", "first_line"),
    "map a printed unit to a unit and a family",
)
QUEUES = (DIRECTIONS, MATCHES, SPLITS, HELD_CELLS, DISAGREEMENTS, STALE_EXCEPTIONS, UNITS)


def write_queue(
    queue: Queue, reports_dir: Path, rows: Iterable[dict[str, Any]], evidence: Sequence[str] = ()
) -> Path:
    """The queue's file: the decision columns, `status`, then `evidence` (default: every other key
    of the rows, in first-seen order). Rows keep their order within a status (callers rank the
    pending ones): not_applied first, then pending, then decided."""
    rows = list(rows)
    if not evidence:
        seen = dict.fromkeys(k for r in rows for k in r)
        evidence = [k for k in seen if k not in queue.decision_columns and k != "status"]
    columns = [*queue.decision_columns, "status", *evidence]
    ordered = sorted(rows, key=lambda r: STATUS_ORDER[r["status"]])  # stable: ranks kept
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / queue.file
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for r in ordered:
            writer.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return path


def queue_state(queue: Queue, reports_dir: Path, top: int = 3) -> dict[str, Any]:
    """What the summary and the final screen say of a queue: counts per status, the first pending
    rows (the file ranks them) and any row a steward's decision did not reach."""
    path = reports_dir / queue.file
    state: dict[str, Any] = {
        "queue": queue.name,
        "file": queue.file,
        "decided_in": queue.decided_in,
        "what": queue.what,
        "written": path.is_file(),
    }
    counts: Counter[str] = Counter()
    first: list[dict[str, str]] = []
    not_applied: list[dict[str, str]] = []
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                status = row.get("status") or PENDING
                counts[status] += 1
                if status == PENDING and len(first) < top:
                    first.append({c: row.get(c, "") for c in queue.show})
                elif status == NOT_APPLIED and len(not_applied) < top:
                    not_applied.append({c: row.get(c, "") for c in queue.decision_columns[:2]})
    return state | {
        PENDING: counts[PENDING],
        DECIDED: counts[DECIDED],
        NOT_APPLIED: counts[NOT_APPLIED],
        "first_pending": first,
        "first_not_applied": not_applied,
    }


def queues_state(reports_dir: Path) -> list[dict[str, Any]]:
    return [queue_state(q, reports_dir) for q in QUEUES]


def decisions_line(reports_dir: Path) -> str | None:
    """The final screen's line: the steward decisions this run applied, those pending, per queue."""
    states = [s for s in queues_state(reports_dir) if s["written"]]
    if not states:
        return None
    total = {k: sum(s[k] for s in states) for k in (PENDING, DECIDED, NOT_APPLIED)}
    pending = ", ".join(f"{s['queue']} {s[PENDING]:,}" for s in states if s[PENDING])
    line = f"steward decisions: {total[DECIDED]:,} applied, {total[PENDING]:,} pending" + (
        f" ({pending})" if pending else ""
    )
    if total[NOT_APPLIED]:
        line += f"; {total[NOT_APPLIED]} NOT APPLIED (a decision row that reaches nothing)"
    return line
