"""One key, one measure, on the shipped sources: a sub-indicator id reused for another measure is
split into versions (`<key>@<first vintage year>`), a relabelling is not, stewards join or split by
seed, and the review file lists every split. Read from the warehouse, the published marts and the
reports of one `make run` (the session's `published` run)."""

import csv

import pytest

from .contract_numbers import DIM_MEASURE_ROWS, MEASURE_KEYS_BEFORE_VERSIONING, MEASURE_VERSIONS_BY_REASON

OVERRIDE_COLUMNS = ["measure_key", "vintage_year", "action", "reason", "reviewed_by", "reviewed_on"]


def keys_by_document(wh, base_key):
    return dict(
        wh.execute(
            "select document_id, measure_key from intermediate.int_measure_keys "
            "where base_measure_key = ? and sub_indicator_id is not null order by 1",
            [base_key],
        ).fetchall()
    )


def versions(marts, base_key):
    return marts.execute(
        "select measure_key, version_number, version_reason, first_vintage_year, last_vintage_year, unit_family "
        "from dim_measure where base_measure_key = ? order by version_number",
        [base_key],
    ).fetchall()


def test_3538_a_vehicle_availability_rate_then_a_delay_is_two_measures(wh, marts):
    assert keys_by_document(wh, "3538") == {
        "RAP-2012": "3538",
        "RAP-2013": "3538",
        "RAP-2014": "3538",
        "RAP-2017": "3538",
        "PAP-2025": "3538@2025",
    }
    # RAP 2016 prints no ids: its row joined 3538 by its exact label, and stays with the rate
    assert wh.execute(
        "select measure_key, match_method from intermediate.int_measure_keys "
        "where base_measure_key = '3538' and document_id = 'RAP-2016'"
    ).fetchall() == [("3538", "exact_label")]
    assert versions(marts, "3538") == [
        ("3538", 1, None, 2012, 2017, "percent"),
        ("3538@2025", 2, "unit_change", 2025, 2025, "duration"),
    ]
    # no fact of the delay lands on the rate, nor the other way round
    assert marts.execute(
        "select measure_key, min(document_id), max(document_id) from fct_indicator_value "
        "where measure_key like '3538%' group by 1 order by 1"
    ).fetchall() == [("3538", "RAP-2012", "RAP-2017"), ("3538@2025", "PAP-2025", "PAP-2025")]
    assert marts.execute(
        "select measure_key, min(year), max(year) from fct_target_attainment where measure_key like '3538%' "
        "group by 1 order by 1"
    ).fetchall() == [("3538", 2010, 2017), ("3538@2025", 2022, 2027)]


def test_8470_a_count_of_grafts_then_a_ratio_in_percent_splits_at_2013(wh, marts):
    assert keys_by_document(wh, "8470") == {
        "RAP-2012": "8470",
        "RAP-2013": "8470@2013",
        "RAP-2014": "8470@2013",
    }
    assert versions(marts, "8470") == [
        ("8470", 1, None, 2012, 2012, "count"),
        ("8470@2013", 2, "unit_change", 2013, 2014, "percent"),
    ]


@pytest.mark.parametrize(
    "base_key",
    [
        "3211",  # '1. Passeports (réseau)' in every vintage, its unit printed 'Jour' then 'jours'
        "19791",  # 'Part des travailleurs handicapés (en ESAT) concernés par une formation' reworded in 2025 (0.47)
        "30157",  # P352 1.1 of the seed, crosswalked, then 30157 in PLF 2025
        "P352-2-1#2",
    ],
)
def test_a_relabelled_or_crosswalked_measure_does_not_split(wh, marts, base_key):
    (only,) = versions(marts, base_key)
    assert only[:3] == (base_key, 1, None)
    assert wh.execute(
        "select count(*) from intermediate.int_measure_keys where base_measure_key = ? and measure_key <> ?",
        [base_key, base_key],
    ).fetchone() == (0,)


def test_19791_rewording_scores_between_a_third_and_a_half(wh):
    # the evidence of the chosen threshold: a rewording of the same measure scores 0.34-0.5
    score = wh.execute(
        "select version_label_score from intermediate.int_measure_keys "
        "where base_measure_key = '19791' and document_id = 'PAP-2025' and sub_indicator_id is not null"
    ).fetchone()[0]
    assert 0.34 <= score < 0.5


def test_a_steward_join_keeps_10091_one_measure(wh, marts, published):
    # 'Nombre décimal' in RAP 2017, 'points' in PLF 2025: the rules split, the seed joins
    seed = wh.execute(
        "select action from reference.ref_measure_version_override where measure_key = '10091' and vintage_year = 2025"
    ).fetchall()
    assert seed == [("join",)]
    assert wh.execute(
        "select distinct version_automatic_reason, version_override_action, measure_key from intermediate.int_measure_keys "
        "where base_measure_key = '10091' and document_id = 'PAP-2025'"
    ).fetchall() == [("unit_change", "join", "10091")]
    assert versions(marts, "10091") == [("10091", 1, None, 2012, 2025, "percent")]
    rows = list(csv.DictReader((published / "reports" / "measure-splits.csv").open(encoding="utf-8")))
    (joined,) = [r for r in rows if r["measure_key"] == "10091"]
    assert (joined["action"], joined["status"], joined["new_measure_key"]) == ("join", "decided", "")
    assert joined["reviewed_by"] and joined["reviewed_on"]


def test_dim_measure_counts_the_versions(marts):
    assert marts.execute("select count(*), count(distinct base_measure_key) from dim_measure").fetchone() == (
        DIM_MEASURE_ROWS,
        MEASURE_KEYS_BEFORE_VERSIONING,
    )
    by_reason = dict(
        marts.execute(
            "select version_reason, count(*) from dim_measure where version_number > 1 group by 1"
        ).fetchall()
    )
    assert by_reason == MEASURE_VERSIONS_BY_REASON
    # a later version is '<base>@<its first vintage year>'
    assert marts.execute(
        "select count(*) from dim_measure where version_number > 1 "
        "and measure_key not like base_measure_key || '@' || first_vintage_year || '%'"
    ).fetchone() == (0,)


def test_measure_splits_csv_lists_every_split_for_stewards(marts, published):
    with (published / "reports" / "measure-splits.csv").open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames[: len(OVERRIDE_COLUMNS) + 1] == [*OVERRIDE_COLUMNS, "status"]
        rows = list(reader)
    to_review = {r["new_measure_key"] for r in rows if r["status"] == "pending"}
    later_versions = {
        r[0] for r in marts.execute("select measure_key from dim_measure where version_number > 1").fetchall()
    }
    assert to_review == later_versions
    (r3538,) = [r for r in rows if r["measure_key"] == "3538"]
    assert r3538 == r3538 | {
        "vintage_year": "2025",
        "action": "split",
        "new_measure_key": "3538@2025",
        "previous_document_id": "RAP-2017",
        "document_id": "PAP-2025",
        "label_before": "Taux de disponibilité technique des véhicules",
        "unit_before": "%",
        "unit_after": "minutes",
        "automatic_reason": "unit_change",
        "status": "pending",
    }
    assert r3538["label_after"].startswith("Délai de prise en charge de l'usager")
