"""Each vocabulary is declared once, in a dbt seed, and dbt, Great Expectations and Python read it
from there: the Python constants are the seed's values, the dbt tests of the coded columns are
`relationships` to the seed (no literal list), and the GX suites take the seed's values as a suite
parameter."""

import csv
import json
import re
from pathlib import Path

import pytest

from orchestration.lib import vocabularies
from orchestration.lib.settings import EXPECTATIONS_DIR

SUITES_DIR = EXPECTATIONS_DIR / "gx" / "expectations"
# vocabulary -> the columns that hold it (in dbt models, seeds and the GX batches)
COLUMNS = {
    "value_status": {"value_status"},
    "value_kind": {"value_kind"},
    "attainment_status": {"attainment_status"},
    "verdict": {"verdict", "verdict_strict", "official_verdict"},
    "unit_family": {"unit_family"},
}


def seed_values(name: str) -> list[str]:
    seed, column = vocabularies.VOCABULARY_SEEDS[name]
    with (vocabularies.SEEDS_DIR / f"{seed}.csv").open(encoding="utf-8", newline="") as f:
        return [row[column] for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def manifest(dbt_manifest: Path) -> dict:
    return json.loads(dbt_manifest.read_text(encoding="utf-8"))


def _tests(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "test" and n.get("test_metadata")]


@pytest.mark.parametrize("name", sorted(vocabularies.VOCABULARY_SEEDS))
def test_the_seed_declares_each_value_once(name):
    values = seed_values(name)
    assert values and all(values) and len(values) == len(set(values))
    assert all(v == v.strip() for v in values)
    assert vocabularies.vocabulary(name) == tuple(values)


def test_python_reads_the_seeds():
    from orchestration.lib.ingest import cells, records
    from orchestration.lib.quality import history_review

    assert tuple(seed_values("value_status")) == cells.STATUSES
    assert tuple(seed_values("value_kind")) == records.VALUE_KINDS
    with (vocabularies.SEEDS_DIR / "ref_verdict.csv").open(encoding="utf-8", newline="") as f:
        verdicts = list(csv.DictReader(f))
    assert tuple(v["verdict"] for v in verdicts if v["is_assessed"] == "true") == history_review.ASSESSED
    assert (
        tuple(v["official_label"] for v in verdicts if v["is_assessed"] == "true")
        == history_review.OFFICIAL_ASSESSED
    )
    # every status the cell parser can return is in the seed (tests/test_cells.py covers each one)
    assert set(cells.STATUSES) == set(seed_values("value_status"))


def _check_constraint_lists(manifest: dict):
    """(model, column, values) of every column check constraint of the form `column in ('a', 'b')`."""
    pattern = re.compile(r"^\s*(\w+)\s+in\s*\((.*)\)\s*$", re.S)
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        for column in node["columns"].values():
            for constraint in column.get("constraints", []):
                found = pattern.match(constraint.get("expression") or "")
                if constraint["type"] == "check" and found and found.group(1) == column["name"]:
                    yield node, column["name"], set(re.findall(r"'((?:[^']|'')*)'", found.group(2)))


@pytest.mark.parametrize("name", sorted(vocabularies.VOCABULARY_SEEDS))
def test_dbt_tests_the_vocabulary_against_the_seed(manifest, name):
    seed, key = vocabularies.VOCABULARY_SEEDS[name]
    tests = _tests(manifest)
    relationships = [
        t
        for t in tests
        if t["test_metadata"]["name"] == "relationships"
        and t["test_metadata"]["kwargs"].get("to") == f"ref('{seed}')"
    ]
    assert relationships, f"no dbt test holds a column to {seed}"
    assert {t["test_metadata"]["kwargs"]["field"] for t in relationships} == {key}
    assert {t["column_name"] for t in relationships} <= COLUMNS[name]
    # no literal list repeats the vocabulary (or a column of it) anywhere in the project: neither
    # an accepted_values test nor a contract's check constraint (`column in ('a', 'b')`)
    literal = [
        (t["unique_id"], t["column_name"], set(t["test_metadata"]["kwargs"]["values"]))
        for t in tests
        if t["test_metadata"]["name"] == "accepted_values"
    ]
    literal += [
        (f"{node['unique_id']}.{column}", column, values)
        for node, column, values in _check_constraint_lists(manifest)
    ]
    assert any(uid.startswith("model.") for uid, _, _ in literal)
    for uid, column, values in literal:
        assert values != set(seed_values(name)), uid
        assert column not in COLUMNS[name], uid
    # the seed itself is a dbt node, so dbt loads exactly the file read here
    seeds = [n for n in manifest["nodes"].values() if n["resource_type"] == "seed" and n["name"] == seed]
    assert len(seeds) == 1 and seeds[0]["original_file_path"] == f"seeds/{seed}.csv"


def test_gx_suites_take_the_vocabularies_from_the_seeds():
    parameters = vocabularies.expectation_parameters()
    assert parameters == {name: seed_values(name) for name in vocabularies.VOCABULARY_SEEDS}
    used = set()
    for path in sorted(SUITES_DIR.glob("*.json")):
        for e in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            value_set = e["kwargs"].get("value_set")
            if e["type"] != "expect_column_values_to_be_in_set":
                continue
            column = e["kwargs"]["column"]
            family = [name for name, columns in COLUMNS.items() if column in columns]
            if family:
                assert value_set == {"$PARAMETER": family[0]}, (path.name, e["meta"]["rule"])
                used.add(family[0])
            else:
                assert not isinstance(value_set, dict) or value_set.get("$PARAMETER") in parameters
                assert all(set(value_set) != set(v) for v in parameters.values()), (path.name, column)
    assert used == {"value_status", "value_kind"}  # the raw suite's; attainment_status is dbt's test
