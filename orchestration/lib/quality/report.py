"""The quality report: `quality-summary.json` (every rule of every suite, the exceptions, the
quarantined source files, the history review) and `quality-summary.md`, rendered from the Jinja2
templates of `templates/` (autoescape on: every value escaped, tables by `markdown.md_table`), then
the Data Docs."""

import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.lib.duckdb_io import connection, dict_rows
from orchestration.lib.ingest.raw_schema import standing_outcome
from orchestration.lib.markdown import markdown_environment, md_table
from orchestration.lib.quality import review_queues
from orchestration.lib.quality.exceptions import EXCEPTION_COLUMNS, load_exceptions
from orchestration.lib.quality.history_review import DISAGREEMENTS_FILE, REVIEW_FILE
from orchestration.lib.quality.results import SuiteResult, stored_results
from orchestration.lib.quality.suites import SUITES
from orchestration.lib.quality.validation import TIMINGS, build_data_docs
from orchestration.lib.settings import EXPECTATIONS_DIR, load_settings

SUITES_DIR = EXPECTATIONS_DIR / "gx" / "expectations"


def quarantined_rows(con) -> list[dict[str, Any]]:
    """The files of `raw.rejected_document`, each with the version that stands in the warehouse."""
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'rejected_document'"
        ).fetchall()
    }
    if not columns:
        return []
    # A warehouse that no ingestion has opened since the columns were added has none.
    standing = "standing_document_id, standing_sha256" if "standing_sha256" in columns else "null, null"
    rows = con.execute(
        f"select source_file, error_line, error, {standing} from raw.rejected_document order by 1"
    ).fetchall()
    return [
        {
            "file": file,
            "line": line,
            "error": error,
            "standing_document_id": doc,
            "standing_sha256": sha,
            "in_the_warehouse": standing_outcome(doc, sha),
        }
        for file, line, error, doc, sha in rows
    ]


def quarantined_files(warehouse: Path, lock_timeout_s: float = 30.0) -> list[dict[str, Any]]:
    """`quarantined_rows` of the warehouse file (none when it does not exist yet)."""
    if not warehouse.exists():
        return []
    with connection(warehouse, read_only=True, timeout_s=lock_timeout_s) as con:
        return quarantined_rows(con)


def documents(warehouse: Path, lock_timeout_s: float = 30.0) -> list[dict[str, Any]]:
    """The documents of the warehouse with their cells loaded."""
    if not warehouse.exists():
        return []
    with connection(warehouse, read_only=True, timeout_s=lock_timeout_s) as con:
        rows = con.execute(
            "select document_id, source_file, cell_count from raw.source_document order by document_id"
        ).fetchall()
    return [{"document_id": d, "source_file": f, "cells_loaded": n} for d, f, n in rows]


def held_by_document(
    results: dict[str, SuiteResult], loaded: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Per document: cells loaded, cells held by each quarantine rule, the first offending lines."""
    raw = results.get("raw_indicator_cell")
    held: dict[str, dict[str, Any]] = {}
    for document_id, line, column, rule in raw.holds if raw else []:
        entry = held.setdefault(document_id, {"cells": set(), "by_rule": {}, "lines": set()})
        entry["cells"].add((line, column))
        entry["by_rule"][rule] = entry["by_rule"].get(rule, 0) + 1
        entry["lines"].add(line)
    out = []
    for doc in loaded if loaded is not None else [{"document_id": d} for d in sorted(held)]:
        entry = held.get(doc["document_id"], {"cells": set(), "by_rule": {}, "lines": set()})
        out.append(
            {
                **doc,
                "cells_held": len(entry["cells"]),
                "held_by_rule": dict(sorted(entry["by_rule"].items(), key=lambda kv: (-kv[1], kv[0]))),
                "first_lines": sorted(entry["lines"])[:5],
            }
        )
    return out


UNITS_TO_MAP_FILE = "units-to-map.csv"
UNITS_TO_MAP_COLUMNS = (
    # the columns of the seed that records the decision (dbt_project/seeds/ref_unit.csv) …
    "unit_raw",
    "unit",
    "unit_family",
    "steward_note",
    # … then what a decision would settle
    "status",
    "cells_held",
    "measures",
    "documents",
    "first_line",
)


def write_units_to_map(con, reports_dir: Path) -> Path:
    """data/reports/units-to-map.csv: every printed unit that neither ref_unit nor a unit rule maps,
    in the seed's columns (unit_raw is the key to add; unit and family for the steward to fill), with
    the cells it holds, ranked by the cells a decision would settle."""
    import csv

    from orchestration.lib.quality.suites import unit_key_sql

    rows = con.execute(
        f"""
        select
            {unit_key_sql("c.unit_raw")} as unit_key,
            count(*) as cells_held,
            count(distinct coalesce(cast(c.sub_indicator_id as varchar), c.indicator_code || '#'
                || cast(c.measure_position as varchar))) as measures,
            string_agg(distinct c.document_id, ' ' order by c.document_id) as documents,
            min(c.source_file || ':' || c.source_line) as first_line
        from raw.cell_hold as h
        inner join raw.indicator_cell as c
            on h.document_id = c.document_id
            and h.source_line = c.source_line
            and h.column_position = c.column_position
        where h.rule = 'unit_mapped'
        group by 1
        order by cells_held desc, unit_key
        """
    ).fetchall()
    path = reports_dir / UNITS_TO_MAP_FILE
    reports_dir.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(UNITS_TO_MAP_COLUMNS)
        for key, cells, measures, docs, first in rows:
            writer.writerow([key, "", "", "", "pending", cells, measures, docs, first])
    return path


HELD_CELLS_FILE = review_queues.HELD_CELLS.file
# The raw suite's measure key (orchestration/lib/quality/batches/raw_indicator_cell.sql), which an
# exception names.
_RAW_MEASURE_KEY = "coalesce(cast(c.sub_indicator_id as varchar), c.indicator_code || '#' || cast(c.measure_position as varchar))"


def write_held_cells(con, reports_dir: Path, raw_result: SuiteResult | None = None) -> Path:
    """data/reports/held-cells.csv, the queue of held cells: one row per measure and quarantine rule,
    in the columns of expectations/exceptions.csv, with every held cell (line:column) and the first
    values as published; ranked by the cells an exception would release. The exceptions that
    released cells in this run (`raw_result`) are its decided rows."""
    rows = dict_rows(
        con,
        f"""
        select
            {_RAW_MEASURE_KEY} as measure_key,
            h.rule,
            'pending' as status,
            count(*) as cells_held,
            min(c.source_file || ':' || c.source_line) as first_line,
            string_agg(distinct h.document_id, ' ' order by h.document_id) as documents,
            any_value(c.measure_label) as measure_label,
            any_value(c.unit_raw) as unit_raw,
            string_agg(c.value_raw, ' | ' order by h.document_id, h.source_line, h.column_position)
                as values_raw,
            string_agg(c.source_file || ':' || h.source_line || ':' || c.column_header, ' | '
                order by h.document_id, h.source_line, h.column_position) as cells
        from raw.cell_hold as h
        inner join raw.indicator_cell as c
            on h.document_id = c.document_id
            and h.source_line = c.source_line
            and h.column_position = c.column_position
        group by all
        order by cells_held desc, measure_key, h.rule
        """,
    )
    quarantine = {r.rule for r in raw_result.rules if r.action == "quarantine"} if raw_result else set()
    for e in raw_result.exceptions if raw_result else []:
        if e["rule"] in quarantine and e["matched_rows"]:
            rows.append(
                {k: e[k] for k in EXCEPTION_COLUMNS}
                | {
                    "status": review_queues.DECIDED,
                    "cells_released": e["matched_rows"],
                    "cells": " | ".join(f"{f}:{line}" for f, line in e["lines"]),
                }
            )
    return review_queues.write_queue(review_queues.HELD_CELLS, reports_dir, rows)


def write_stale_exceptions(data: dict[str, Any], reports_dir: Path) -> Path:
    """data/reports/stale-exceptions.csv: the exceptions that accept nothing (or name a rule no suite
    has), to remove or fix; they leave the queue when the line is gone from the file."""
    rows = [
        {k: e[k] for k in EXCEPTION_COLUMNS} | {"status": review_queues.PENDING, "problem": problem}
        for key, problem in (
            ("exceptions_stale", "matches no offending row"),
            ("exceptions_unknown_rule", "no suite has this rule"),
        )
        for e in data[key]
    ]
    return review_queues.write_queue(review_queues.STALE_EXCEPTIONS, reports_dir, rows)


def rules_in_suite_files() -> set[str]:
    """Every rule the suite files declare (meta.rule of each expectation)."""
    rules = set()
    for name in SUITES:
        suite = json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        rules |= {(e.get("meta") or {}).get("rule") for e in suite.get("expectations", [])}
    return rules


def summary(
    results: dict[str, SuiteResult],
    run_id: str | None = None,
    quarantined: list[dict[str, Any]] | None = None,
    loaded: list[dict[str, Any]] | None = None,
    exceptions: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The content of quality-summary.json (and .md): every rule of every suite, and the source
    files in quarantine with the version of each that stands. `exceptions`: those the suites applied
    (default: expectations/exceptions.csv alone)."""
    exceptions = load_exceptions() if exceptions is None else exceptions
    known_rules = {r.rule for res in results.values() for r in res.rules}
    all_rules = rules_in_suite_files()
    unknown = [e for e in exceptions if e["rule"] not in all_rules]
    suites = []
    for name, spec in SUITES.items():
        res = results.get(name)
        entry: dict[str, Any] = {
            "suite": name,
            "asset": "/".join(spec.asset_key),
            "description": spec.description,
        }
        if res is None:
            entry |= {"status": "not_run", "run_id": None, "validated_at": None}
        else:
            stale_run = run_id is not None and res.run_id != run_id
            status = (
                "failed"
                if res.failed_errors
                else ("warned" if res.failed_warnings or res.holding else "passed")
            )
            entry |= {
                "status": status,
                "run_id": res.run_id,
                "from_an_earlier_run": stale_run,
                "validated_at": res.validated_at,
                "batch_rows": res.batch_rows,
                **res.totals(),
                "timings_s": res.timings_s,
            }
        suites.append(entry)
    rules = [asdict(r) for name in SUITES if name in results for r in results[name].rules]
    accepted = [e for res in results.values() for e in res.exceptions if e["matched_rows"]]
    stale = [e for res in results.values() for e in res.exceptions if not e["matched_rows"]]
    errors = [r for r in rules if r["status"] == "failed" and r["severity"] == "error"]
    warns = [r for r in rules if r["status"] == "failed" and r["severity"] == "warn"]
    per_document = held_by_document(results, loaded)
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
        "verdict": "blocked" if errors else ("passed_with_warnings" if warns else "passed"),
        "counts": {
            "suites": len(SUITES),
            "suites_run": len(results),
            "rules": len(rules),
            "rules_failed_error": len(errors),
            "rules_failed_warn": len(warns),
            "rules_passed_with_exceptions": sum(r["status"] == "passed_with_exceptions" for r in rules),
            "exceptions": len(exceptions),
            "exceptions_matching": len(accepted),
            "exceptions_stale": len(stale) + len(unknown),
            "files_quarantined": len(quarantined or []),
            "cells_held": sum(d["cells_held"] for d in per_document),
            "files_quarantined_previous_version_stands": sum(
                q["standing_document_id"] is not None for q in quarantined or []
            ),
        },
        "quarantined_files": quarantined,
        "documents": per_document,
        "suites": suites,
        "rules": rules,
        "exceptions_applied": accepted,
        "exceptions_stale": stale,
        "exceptions_unknown_rule": unknown,
        "rules_without_result": sorted(all_rules - known_rules - {"exception_matches_something"}),
        "data_docs": "data-docs/index.html",
    }


# --- markdown -------------------------------------------------------------------------------------

ENV = markdown_environment("orchestration.lib.quality")


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.1f} %"


def rows_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)"
    headers = list(dict.fromkeys(k for r in rows for k in r))
    return md_table(headers, [[r.get(h) for h in headers] for r in rows])


RULE_COLUMNS = ("suite", "rule", "severity", "status", "evaluated", "unexpected", "accepted")


def rules_table(rules: list[dict[str, Any]]) -> str:
    return md_table(RULE_COLUMNS, [[r[c] for c in RULE_COLUMNS] for r in rules])


ENV.filters.update(pct=_pct)


def _history_view(history: dict[str, Any]) -> dict[str, Any]:
    """The rows of the figures' tables."""
    verdicts = history["verdicts"]
    ours = sorted({v["verdict"] for v in verdicts})
    theirs = sorted({v["official_verdict"] or "(empty)" for v in verdicts})
    counts = {(v["verdict"], v["official_verdict"] or "(empty)"): v["n"] for v in verdicts}
    return {
        "history": history,
        "review_file": REVIEW_FILE,
        "disagreements_file": DISAGREEMENTS_FILE,
        "defects": [
            [d["value_defect"], d["cells"], d["recovered"], d["held"]] for d in history.get("defects", [])
        ],
        "matching": [
            [m[k] for k in ("document_id", "source_rows", "by_id", "exactly", "approximately")]
            + [m[k] for k in ("not_at_all", "by_steward", "own_key")]
            for m in history["matching"]
        ],
        "cross": {
            "headers": ["ours \\ official", *theirs, "total"],
            "rows": [
                [o, *(counts.get((o, t), 0) for t in theirs), sum(counts.get((o, t), 0) for t in theirs)]
                for o in ours
            ],
        },
        "kinds": [[k["kind"], k["measure_years"], k["both_assessed"]] for k in history["disagreement_kinds"]],
    }


DOCUMENTS_SHOWN = 20
FIRST_CHARS = 90  # of a cell shown in the summary; the full lists hold it whole


def _first_row(row: dict[str, Any] | None) -> str:
    """A failed rule's first offending row, as the summary shows it: where, then what."""
    if not row:
        return ""
    where = f"{row.get('source_file', row.get('document_id', ''))}:{row.get('source_line', '')}"
    what = next((row[k] for k in ("value_raw", "measure_label", "measure_key") if row.get(k) is not None), "")
    return f"{where} {what}"[:FIRST_CHARS]


def rule_rows_file(rule: dict[str, Any]) -> str:
    """The file, under REPORTS_DIR, of a failed rule's offending rows (`write_reports` writes it)."""
    return f"quality/{rule['suite']}--{rule['rule']}.csv"


def _full_list(rule: dict[str, Any]) -> str:
    """Where every offending row of a failed rule is: its rows file (all of them for a `list_all`
    rule, else the first ones, with the Data Docs for the rest), and the review queue that holds
    them."""
    cut = len(rule["rows"]) < rule["unexpected"]
    return (
        rule_rows_file(rule)
        + (f" (first {len(rule['rows'])}; all in the Data Docs)" if cut else "")
        + (f", queue {HELD_CELLS_FILE}" if rule.get("action") == "quarantine" else "")
    )


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def summary_markdown(data: dict[str, Any]) -> str:
    """quality-summary.md from the content of quality-summary.json: one page, linking the full
    lists `write_reports` writes beside it."""
    failed = sorted(
        (r for r in data["rules"] if r["status"] == "failed"),
        key=lambda r: (
            r["severity"] != "error",
            r.get("action") != "quarantine",
            -r["unexpected"],
            r["rule"],
        ),
    )
    queues = data.get("review_queues") or []
    history = data.get("history") or {}
    docs = data.get("documents") or []
    view = {
        "data": data,
        "decisions": {
            k: sum(q[k] for q in queues)
            for k in (review_queues.PENDING, review_queues.DECIDED, "not_applied")
        },
        "quarantined": [
            [q["file"], q["line"], q["error"], q["in_the_warehouse"]]
            for q in data.get("quarantined_files") or []
        ],
        "documents": [
            [
                d["document_id"],
                d.get("source_file"),
                d.get("cells_loaded"),
                d["cells_held"],
                ", ".join(f"{rule} {n}" for rule, n in d["held_by_rule"].items()),
                ", ".join(map(str, d["first_lines"])),
            ]
            for d in docs[:DOCUMENTS_SHOWN]
        ],
        "more_documents": max(len(docs) - DOCUMENTS_SHOWN, 0),
        "failed": [
            [
                f"{r['suite']} · {r['rule']}",
                r.get("action", ""),
                f"{r['unexpected']} of {r['evaluated']}",
                _first_row(r["rows"][0] if r["rows"] else None),
                _full_list(r),
            ]
            for r in failed
        ],
        "queues": [
            [
                q["queue"],
                q[review_queues.PENDING],
                q[review_queues.DECIDED],
                q["not_applied"],
                " · ".join(str(v) for v in (q["first_pending"][0].values() if q["first_pending"] else ()))[
                    :FIRST_CHARS
                ],
                q["file"] if q["written"] else "(not written in this run)",
                q["decided_in"],
            ]
            for q in queues
        ],
        "rules": [
            [r[c] for c in ("suite", "rule", "action", "status", "evaluated", "unexpected", "accepted")]
            for r in data["rules"]
        ],
        **(_history_view(history) if history else {"history": {}}),
    }
    return ENV.get_template("quality_summary.md.j2").render(view)


def write_reports(
    results: dict[str, SuiteResult] | None = None,
    *,
    run_id: str | None = None,
    reports_dir: Path | None = None,
    data_docs: bool = True,
    warehouse: Path | None = None,
    lock_timeout_s: float = 30.0,
    history: dict[str, Any] | None = None,
    exceptions: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """quality-summary.{md,json} from the stored results (or `results`), then the Data Docs. With
    `warehouse`, the summary lists the quarantined source files too; `history`: the sections of
    `history_review` (measure matching, verdicts against the official ones)."""
    reports_dir = (reports_dir or load_settings().reports_dir).resolve()
    reports_dir.mkdir(parents=True, exist_ok=True)
    results = stored_results(reports_dir) if results is None else results
    quarantined = quarantined_files(warehouse, lock_timeout_s) if warehouse is not None else None
    loaded = documents(warehouse, lock_timeout_s) if warehouse is not None else None
    data = summary(results, run_id, quarantined, loaded, exceptions)
    if history:
        data["history"] = history
    timings: dict[str, float] = {}
    if data_docs:
        started = time.monotonic()
        build_data_docs(reports_dir)
        timings["data_docs_s"] = round(time.monotonic() - started, 2)
    data["timings_s"] = timings | dict(TIMINGS)
    # the full lists the one-page summary links to, then the state of every review queue
    _write_csv(reports_dir / "documents.csv", data["documents"])
    _write_csv(reports_dir / "exceptions-applied.csv", data["exceptions_applied"])
    for rule in data["rules"]:
        if rule["status"] == "failed":
            _write_csv(reports_dir / rule_rows_file(rule), rule["rows"])
    write_stale_exceptions(data, reports_dir)
    data["review_queues"] = review_queues.queues_state(reports_dir)
    (reports_dir / "quality-summary.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    (reports_dir / "quality-summary.md").write_text(summary_markdown(data), encoding="utf-8")
    return data


def summary_paths(reports_dir: Path | None = None) -> dict[str, Path]:
    reports_dir = (reports_dir or load_settings().reports_dir).resolve()
    return {
        "summary_md": reports_dir / "quality-summary.md",
        "summary_json": reports_dir / "quality-summary.json",
        "data_docs": reports_dir / "data-docs" / "index.html",
    }
