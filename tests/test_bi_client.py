"""BI tools read the published marts: through SQLAlchemy + duckdb-engine (what Superset-style tools
use), read-only, with the README's example queries. That a reader left open never blocks a run and
keeps reading through kill -9 and the next run is `tests/test_faults.py`'s kill test."""

import subprocess
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from orchestration.lib.publish.bi_queries import readme_queries

from .conftest import RAW_DIR
from .contract_numbers import FCT_INDICATOR_VALUE_TOTAL


def test_readme_documents_three_queries():
    assert list(readme_queries()) == [
        "The taux d'atteinte des cibles of a mission, ours beside the RAP's",
        "One measure across years, as printed each year",
        "Targets set below the last realisation",
    ]


# The rate of one programme, as a BI tool would ask for it (the README shows the mission's).
PROGRAMME_RATE = """select year, programme_label, targets_assessed, met, improved, not_improved, share_met,
       fallback_assessed, fallback_met, official_assessed, official_share_met
from marts.rpt_attainment_rate
where grouping_level = 'programme' and programme_code = 'P176'
order by year"""


@pytest.fixture
def engine(published):
    """What a Superset-style tool holds: a SQLAlchemy engine on the published file, read-only."""
    engine = sa.create_engine(f"duckdb:///{published / 'marts.duckdb'}", connect_args={"read_only": True})
    yield engine
    engine.dispose()  # DuckDB refuses a second connection of another configuration in one process


def test_readme_queries_through_sqlalchemy_read_only(engine, published):
    queries = readme_queries()
    with engine.connect() as con:
        results = {name: [tuple(r) for r in con.execute(sa.text(sql)).all()] for name, sql in queries.items()}
        p176 = [tuple(r) for r in con.execute(sa.text(PROGRAMME_RATE)).all()]
        assert (
            con.execute(sa.text("select count(*) from marts.fct_indicator_value")).scalar()
            == FCT_INDICATOR_VALUE_TOTAL
        )
    # the same answers as the warehouse's own tables, recomputed there from the facts
    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as wh:
        # counted from the fact, under the programme and mission each measure had that year (the
        # wide view), fallback targets apart
        counts = """select a.year, count(*) filter (where a.verdict in ('met', 'improved', 'not_improved')
                       and not a.is_fallback_target),
                   count(*) filter (where a.verdict = 'met' and not a.is_fallback_target),
                   count(*) filter (where a.verdict in ('met', 'improved', 'not_improved') and a.is_fallback_target),
                   count(*) filter (where a.official_verdict in ('met', 'improved', 'not_improved'))
            from marts.fct_target_attainment a join marts.rpt_measure_attainment v using (measure_key, year)
            where {where} group by 1 order by 1"""
        programme = wh.execute(counts.format(where="v.programme_code = 'P176'")).fetchall()
        mission = wh.execute(
            counts.format(where="v.mission_code = 'AA' and v.programme_code is not null")
        ).fetchall()
        below = wh.execute(
            "select count(*) from marts.fct_target_trajectory where is_below_achieved"
        ).fetchone()[0]
    assert [(r[0], r[2], r[3], r[7], r[9]) for r in p176] == programme
    by_year = {r[0]: r for r in p176}
    # 2017: met / (met + improved + not_improved) = 3 / 20; the RAP's own 3 / 21
    assert by_year[2017][1] == "Police nationale" and by_year[2017][6] == round(3 / 20, 4)
    assert by_year[2017][10] == round(3 / 21, 4)
    # 2015: no PAP 2015 target shipped, every judged target is a fallback: none in the headline
    assert by_year[2015][2] == 0 and by_year[2015][6] is None and by_year[2015][7] > 0
    taux = results["The taux d'atteinte des cibles of a mission, ours beside the RAP's"]
    # the README's query leaves out the years with nothing assessed (a rate of 0 / 0)
    assert [(r[0], r[2], r[3]) for r in taux] == [r[:3] for r in mission if r[1] > 0]
    official_2017 = [r[5] for r in taux if r[0] == 2017]
    assert official_2017 and official_2017[0] is not None  # RAP 2017 prints its verdicts
    # P352's indicator 1.1 until PAP 2024, P129's in PLF 2025: the programme printed nearest the year
    assert results["One measure across years, as printed each year"] == [
        (2021, "P352", None, "5", "no_data", "PAP-2024-P352"),
        (2022, "P352", None, "6", "no_data", "PAP-2024-P352"),
        (2023, "P352", "6", "6", "met", "PAP-2024-P352"),
        (2024, "P352", "7", None, "no_data", "PAP-2024-P352"),
        (2025, "P129", "5", None, "no_data", "PAP-2025"),
        (2026, "P129", "5", None, "no_data", "PAP-2025"),
        (2027, "P129", "5", None, "no_data", "PAP-2025"),
    ]
    below_rows = results["Targets set below the last realisation"]
    assert len(below_rows) == below > 0
    assert [r for r in below_rows if r[0] == "30157"] == [
        ("30157", 2025, "5", 2023, "6", "less_ambitious"),
        ("30157", 2026, "5", 2023, "6", "less_ambitious"),
        ("30157", 2027, "5", 2023, "6", "less_ambitious"),
    ]


def test_the_published_file_cannot_be_written_through_the_read_only_engine(engine):
    with engine.connect() as con:
        try:
            con.execute(sa.text("delete from marts.fct_indicator_value"))
        except sa.exc.DBAPIError as exc:
            assert "read-only" in str(exc).lower()
        else:
            raise AssertionError("a read-only BI connection could write")


def test_parquet_exports_hold_every_mart(published):
    exports = sorted(p.name for p in (published / "exports").glob("*.parquet"))
    assert exports == [
        "dim_document.parquet",
        "dim_indicator.parquet",
        "dim_measure.parquet",
        "dim_objective.parquet",
        "dim_programme.parquet",
        "fct_indicator_value.parquet",
        "fct_target_attainment.parquet",
        "fct_target_revision.parquet",
        "fct_target_trajectory.parquet",
        "ref_attainment_status.parquet",
        "ref_cell_status.parquet",
        "ref_direction_source.parquet",
        "ref_official_verdict.parquet",
        "ref_unit.parquet",
        "ref_unit_family.parquet",
        "ref_unit_scale.parquet",
        "ref_value_kind.parquet",
        "ref_verdict.parquet",
        "rpt_attainment_rate.parquet",
        "rpt_measure_attainment.parquet",
        "rpt_scorecard_mission_rate.parquet",
        "rpt_scorecard_programme.parquet",
        "rpt_scorecard_year.parquet",
    ]
    parquet = published / "exports" / "fct_indicator_value.parquet"
    with duckdb.connect() as con:
        count = con.execute(f"select count(*) from '{parquet}'").fetchone()
    assert count == (FCT_INDICATOR_VALUE_TOTAL,)


def test_raw_sources_untouched_by_the_runs():
    digests = subprocess.run(
        ["sha256sum", "pap/2024/000_9fa5ff6774201ab1.txt", "pap/2025/plf-2025-performance.csv"],
        cwd=RAW_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    readme = (RAW_DIR / "README.md").read_text(encoding="utf-8")
    for line in digests.splitlines():
        digest, name = line.split()
        assert f"`{name}`" in readme and digest in readme
    assert Path(RAW_DIR / "pap").is_dir()
