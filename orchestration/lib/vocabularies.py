"""The coded columns' vocabularies, read from the dbt seeds that declare them (each fact once).

Owns nothing but the reading: the seeds under `dbt_project/seeds/` are the one declaration of each
vocabulary (docs/contract.md, Vocabularies). dbt tests each coded column with a `relationships`
test to its seed, the Great Expectations suites take the sets as suite parameters (`$PARAMETER`:
`expectation_parameters()`), and the Python code imports the tuples below. `tests/test_vocabularies.py`
proves the three read the same set.
"""

import csv
from functools import cache
from pathlib import Path

from orchestration.lib.settings import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

# vocabulary -> (seed, key column). The vocabulary's name is the GX suite parameter's.
VOCABULARY_SEEDS: dict[str, tuple[str, str]] = {
    "value_status": ("ref_cell_status", "value_status"),
    "value_kind": ("ref_value_kind", "value_kind"),
    "attainment_status": ("ref_attainment_status", "attainment_status"),
    "verdict": ("ref_verdict", "verdict"),
    "unit_family": ("ref_unit_family", "unit_family"),
}

# The seeds published with the marts (data/marts.duckdb, tables of the same name): every vocabulary
# a mart's coded column takes, the RAP's verdict wording and the unit mapping, so that a BI user can
# read what a code means. Stewards' decisions (directions, crosswalk, match overrides) stay internal.
PUBLISHED_SEEDS: tuple[str, ...] = (
    "ref_attainment_status",
    "ref_cell_status",
    "ref_direction_source",
    "ref_official_verdict",
    "ref_unit",
    "ref_unit_family",
    "ref_unit_scale",
    "ref_value_kind",
    "ref_verdict",
)


def seed_path(seed: str) -> Path:
    return SEEDS_DIR / f"{seed}.csv"


@cache
def seed_rows(seed: str) -> tuple[dict[str, str], ...]:
    """A seed's rows as text, in file order."""
    with seed_path(seed).open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def vocabulary(name: str) -> tuple[str, ...]:
    """The values of one vocabulary, in the seed's order."""
    seed, column = VOCABULARY_SEEDS[name]
    return tuple(row[column] for row in seed_rows(seed))


def expectation_parameters() -> dict[str, list[str]]:
    """The GX suite parameters: each vocabulary by its name (`{"$PARAMETER": "value_kind"}`)."""
    return {name: list(vocabulary(name)) for name in VOCABULARY_SEEDS}


STATUSES = vocabulary("value_status")  # why a cell is or is not a number (lib/cells.py)
VALUE_KINDS = vocabulary("value_kind")  # what a year column holds (lib/records.py)
ATTAINMENT_STATUSES = vocabulary("attainment_status")
VERDICTS = vocabulary("verdict")
UNIT_FAMILIES = vocabulary("unit_family")
# The verdicts that judge a measure-year (met, improved, not_improved), ours and as the RAP prints them.
ASSESSED_VERDICTS = tuple(r["verdict"] for r in seed_rows("ref_verdict") if r["is_assessed"] == "true")
ASSESSED_OFFICIAL_LABELS = tuple(
    r["official_label"] for r in seed_rows("ref_verdict") if r["is_assessed"] == "true"
)
