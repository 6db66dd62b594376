"""A suite's result as plain, JSON-ready data (what the summary, the Dagster checks and the tests
read), and its storage: REPORTS_DIR/quality/<suite>.json, the latest result of each suite."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from orchestration.lib.settings import load_settings

SEVERITIES = ("error", "warn")
# GX's native severity field -> ours: `critical` blocks publishing, `warning` reports.
GX_SEVERITIES = {"critical": "error", "warning": "warn"}
# What a failing rule does (its `meta.action`, expectations/README.md): `fail` stops publishing
# (GX severity critical), `warn` keeps the cells and reports them, `quarantine` holds the offending
# cells out of every verdict, rate and published value and lets the rest land (both `warning`).
ACTIONS = {"fail": "critical", "warn": "warning", "quarantine": "warning"}


@dataclass
class RuleResult:
    suite: str
    rule: str
    severity: str  # error / warn
    why: str
    expectation: str  # GX expectation type
    column: str  # column(s) the rule reads
    status: str  # passed / passed_with_exceptions / failed
    evaluated: int
    unexpected: int
    accepted: int
    rows: list[dict[str, Any]] = field(default_factory=list)  # up to MAX_ROWS offending rows
    accepted_rows: list[dict[str, Any]] = field(default_factory=list)
    action: str = "warn"  # fail / warn / quarantine
    held: int = 0  # cells a quarantine rule holds (its unexpected rows)


@dataclass
class SuiteResult:
    suite: str
    asset_key: list[str]
    run_id: str
    validated_at: str
    batch_rows: int
    rules: list[RuleResult]
    exceptions: list[dict[str, Any]]  # the exceptions of this suite's rules, with what they matched
    timings_s: dict[str, float]
    # the cells held by quarantine rules: [document_id, source_line, column_position, rule]
    holds: list[list[Any]] = field(default_factory=list)

    @property
    def failed_errors(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == "failed" and r.severity == "error"]

    @property
    def failed_warnings(self) -> list[RuleResult]:
        return [
            r
            for r in self.rules
            if r.status == "failed" and r.severity == "warn" and r.action != "quarantine"
        ]

    @property
    def holding(self) -> list[RuleResult]:
        """The quarantine rules that hold cells."""
        return [r for r in self.rules if r.status == "failed" and r.action == "quarantine"]

    @property
    def stale_exceptions(self) -> list[dict[str, Any]]:
        return [e for e in self.exceptions if e["matched_rows"] == 0]

    def totals(self) -> dict[str, int]:
        return {
            "evaluated": sum(r.evaluated for r in self.rules),
            "unexpected": sum(r.unexpected for r in self.rules),
            "accepted": sum(r.accepted for r in self.rules),
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SuiteResult":
        rules = [RuleResult(**r) for r in data["rules"]]
        return cls(**{**data, "rules": rules})


def store_result(result: SuiteResult, reports_dir: Path) -> Path:
    folder = reports_dir / "quality"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.suite}.json"
    path.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return path


def stored_results(reports_dir: Path | None = None, suites: tuple[str, ...] = ()) -> dict[str, SuiteResult]:
    """The latest stored result of each suite (of `suites`, when given)."""
    from orchestration.lib.quality.suites import SUITES

    reports_dir = (reports_dir or load_settings().reports_dir).resolve()
    names = suites or tuple(SUITES)
    out = {}
    for path in sorted((reports_dir / "quality").glob("*.json")):
        if path.stem in names:
            out[path.stem] = SuiteResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    return out
