"""Directions of improvement on the shipped sources (the session's `published` run): every steward
row quotes its reason, the examples users reported get the direction their label words say,
sibling measures no longer pass a direction on, and the stewards' review file is written, ranked,
in the seed's columns. The official verdicts are never read to decide anything here."""

import csv

from orchestration.lib.quality.history_review import DIRECTION_COLUMNS, DIRECTIONS_FILE

from .conftest import PROJECT_DIR


def _keys(wh, label_pattern: str, indicator_pattern: str) -> list[str]:
    """The measures that printed a label matching `label_pattern` under an indicator matching
    `indicator_pattern`, in any vintage."""
    return [
        r[0]
        for r in wh.execute(
            "select distinct measure_key from intermediate.int_indicator_cells_crosswalked "
            "where regexp_matches(lower(measure_label), ?) and regexp_matches(lower(indicator_label), ?) order by 1",
            [label_pattern, indicator_pattern],
        ).fetchall()
    ]


def _directions(wh, keys: list[str]) -> dict[str, tuple[str, str, str]]:
    return {
        r[0]: (r[1], r[2], r[3])
        for r in wh.execute(
            "select measure_key, direction, direction_source, direction_confidence "
            "from intermediate.int_measure_directions_assigned where list_contains(?, measure_key)",
            [keys],
        ).fetchall()
    }


def test_every_steward_row_quotes_its_reason():
    with (PROJECT_DIR / "dbt_project" / "seeds" / "ref_measure_direction.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # the decision columns of the review queue: who, when and why beside the direction
    assert list(rows[0]) == list(DIRECTION_COLUMNS)
    assert rows and all(r["reason"].strip() and r["reviewed_by"].strip() and r["reviewed_on"] for r in rows)
    # a reason quotes the label words that decide it
    assert all("'" in r["reason"] for r in rows), [r["measure_key"] for r in rows if "'" not in r["reason"]]


def test_helicopter_availability_is_an_increase(wh):
    keys = _keys(wh, "hélicoptères", "^disponibilité des matériels")
    assert len(keys) >= 8
    directions = _directions(wh, keys)
    assert {d[0] for d in directions.values()} == {"increase"}, directions
    # their own label ('Marine nationale Hélicoptères') names no measure: the indicator's does
    assert {d[1:] for d in directions.values()} == {("indicator_label_rule", "medium")}


def test_pupils_held_back_a_year_is_a_decrease(wh):
    keys = _keys(wh, ".", "^taux de redoublement")
    assert len(keys) >= 20
    directions = _directions(wh, keys)
    assert {d[0] for d in directions.values()} == {"decrease"}, directions


def test_share_of_biometric_passports_within_the_deadline_is_an_increase(wh):
    [key] = _keys(wh, "^pourcentage de passeports biométriques", ".")
    # its id's latest label is a delay ('Délai d'instruction…', in jours): another measure, a version
    # of its own; no rule decides the share, the steward's row does
    assert (
        wh.execute(
            "select count(*) from marts.dim_measure where base_measure_key = ? and measure_key <> ?",
            [key, key],
        ).fetchone()[0]
        >= 1
    )
    assert _directions(wh, [key]) == {key: ("increase", "steward", "high")}


def test_visits_of_rfi_sites_are_an_increase(wh):
    [key] = _keys(wh, "^rfi$", "^nombre de visites")
    assert _directions(wh, [key])[key][0] == "increase"


def test_siblings_no_longer_set_a_direction(wh):
    sources = {
        r[0]
        for r in wh.execute(
            "select distinct direction_source from intermediate.int_measure_directions_assigned"
        ).fetchall()
    }
    vocabulary = {
        r[0] for r in wh.execute("select direction_source from reference.ref_direction_source").fetchall()
    }
    assert "indicator_siblings" not in sources | vocabulary
    # a measure whose siblings all agree but that no source of its own decides stays unknown
    assert (
        wh.execute(
            "select count(*) from intermediate.int_measure_directions_assigned "
            "where direction_source = 'none' and sibling_directions in ('increase', 'decrease')"
        ).fetchone()[0]
        > 0
    )
    assert wh.execute(
        "select count(*) from intermediate.int_measure_directions_assigned "
        "where direction_source = 'none' and direction <> 'unknown'"
    ).fetchone() == (0,)


def test_confidence_follows_the_source(wh):
    pairs = set(
        wh.execute(
            "select direction_source, direction_confidence from intermediate.int_measure_directions_assigned"
        ).fetchall()
    )
    allowed = {
        ("steward", "high"),
        ("target_bounds", "high"),
        ("label_rule", "high"),
        ("indicator_label_rule", "medium"),
        ("target_trajectory", "medium"),
        ("target_trajectory", "low"),
        ("unit_rule", "low"),
        ("none", "low"),
    }
    assert pairs <= allowed, pairs - allowed
    assert {c for _, c in pairs} == {"high", "medium", "low"}


def test_directions_to_review_file_is_ranked_in_the_seed_columns(wh, published):
    path = published / "reports" / DIRECTIONS_FILE
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    expected = wh.execute(
        "select count(*) from intermediate.int_measure_directions_assigned "
        "where direction = 'unknown' or direction_confidence = 'low'"
    ).fetchone()[0]
    steward_rows = wh.execute("select count(*) from reference.ref_measure_direction").fetchone()[0]
    pending = [r for r in rows if r["status"] == "pending"]
    decided = [r for r in rows if r["status"] == "decided"]
    # pending first, then the steward's rows, each decided (it took effect), with who, when and why
    assert rows == pending + decided and len(decided) == steward_rows
    assert len(pending) == expected > 1000
    assert list(rows[0])[: len(DIRECTION_COLUMNS)] == list(DIRECTION_COLUMNS)
    assert all(r["direction"] == "" and r["reason"] == "" for r in pending)
    assert all(r["direction"] and r["reason"] and r["reviewed_by"] and r["reviewed_on"] for r in decided)
    settled = [int(r["settleable_years"]) for r in pending]
    assert settled == sorted(settled, reverse=True) and settled[0] > 0
    # the RAP's verdicts appear only as evidence, in a column that says so
    assert "official_verdicts_evidence_only" in rows[0]
    assert not any("verdict" in c for c in DIRECTION_COLUMNS)
