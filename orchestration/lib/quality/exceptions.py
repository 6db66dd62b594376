"""The stewards' reviewed exceptions (`expectations/exceptions.csv`: a measure accepted for a rule)
and how a suite applies them: as the rule's own row condition, never by editing the data.

A rule that takes exceptions carries, in its suite file, the GX row condition
`excepted__<rule> == false`. Before validation the batch gets one boolean column per such rule,
true on the rows of the measures accepted for that rule (and only that rule): the rule skips them,
every other rule still reads them. The accepted rows are validated apart, under the opposite
condition, to count what each exception accepted; an exception that accepts nothing is stale.
"""

import csv
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas (0.5 s) is imported where a batch is read, not with the definitions
    import pandas as pd

from orchestration.lib.settings import EXPECTATIONS_DIR

EXCEPTIONS_FILE = EXPECTATIONS_DIR / "exceptions.csv"
EXCEPTION_COLUMNS = ("measure_key", "rule", "reason", "reviewed_by", "reviewed_on")
EXCEPTED_PREFIX = "excepted__"


def load_exceptions(path: Path | None = None, *, extra: Path | None = None) -> list[dict[str, str]]:
    """The steward's exceptions (`path`, default expectations/exceptions.csv), then those of `extra`:
    the file QUALITY_EXTRA_EXCEPTIONS names, as the settings resolve it (the synthetic corpus writes
    one that carries each exception over to the measure's synthetic twins). Never read from the
    process environment here: the settings are read once, `.env` included. A row missing a field is
    refused (named by its line); a named extra file that does not exist is an error."""
    if path is None:
        extra = existing_extra_file(extra)
        return load_exceptions(EXCEPTIONS_FILE) + (load_exceptions(extra) if extra is not None else [])
    if not path.exists():
        return []
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(line for line in f if not line.lstrip().startswith("#"))
        missing = set(EXCEPTION_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
        for number, row in enumerate(reader, start=2):
            row = {k: (row.get(k) or "").strip() for k in EXCEPTION_COLUMNS}
            if not all(row.values()):
                raise ValueError(f"{path}: row {number} leaves a field empty: {row}")
            rows.append(row)
    return rows


def existing_extra_file(extra: Path | None) -> Path | None:
    """The extra exceptions file, which must exist when named: a steward's decisions silently
    ignored would be worse than a stopped run."""
    if extra is not None and not extra.is_file():
        raise FileNotFoundError(
            f"QUALITY_EXTRA_EXCEPTIONS names {extra}, which does not exist (a relative path is taken "
            "from the project folder)"
        )
    return extra


def excepted_column(rule: str) -> str:
    return EXCEPTED_PREFIX + rule


def condition_column(row_condition) -> str | None:
    """The `excepted__<rule>` column a rule's row condition reads, if it takes exceptions."""
    if row_condition is None or isinstance(row_condition, str):
        return None
    column = getattr(getattr(row_condition, "column", None), "name", None)
    return column if column and column.startswith(EXCEPTED_PREFIX) else None


def mark_excepted(df: "pd.DataFrame", rules: list[str], exceptions: list[dict[str, str]]) -> "pd.DataFrame":
    """One `excepted__<rule>` column per rule that takes exceptions: true on its accepted measures."""
    by_rule: dict[str, set[str]] = {rule: set() for rule in rules}
    for e in exceptions:
        if e["rule"] in by_rule:
            by_rule[e["rule"]].add(e["measure_key"])
    keys = df["measure_key"].astype(str) if "measure_key" in df.columns else None
    for rule, measures in by_rule.items():
        df[excepted_column(rule)] = keys.isin(measures) if keys is not None else False
    return df
