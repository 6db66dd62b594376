"""BI tools read the published marts: through SQLAlchemy + duckdb-engine (what Superset-style tools
use), read-only, with the README's example queries. That a reader left open never blocks a run and
keeps reading through kill -9 and the next run is `tests/test_faults.py`'s kill test."""

import subprocess
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from orchestration.lib.bi_queries import readme_queries

from .conftest import RAW_DIR
from .contract_numbers import FCT_INDICATOR_VALUE_TOTAL


def test_readme_documents_four_queries():
    assert list(readme_queries()) == [
        "The scorecard of a programme",
        "The taux d'atteinte des cibles of a mission, ours beside the RAP's",
        "The attainment of one measure across years",
        "Targets set below the last realisation",
    ]


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
        assert (
            con.execute(sa.text("select count(*) from marts.fct_indicator_value")).scalar()
            == FCT_INDICATOR_VALUE_TOTAL
        )
    # the same answers as the warehouse's own tables, recomputed there from the facts
    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as wh:
        scorecard = wh.execute(
            """select m.programme_code, a.year,
                   count(*) filter (where a.attainment_status <> 'no_target'),
                   count(*) filter (where a.attainment_status in ('met', 'not_met')),
                   count(*) filter (where a.attainment_status = 'met'),
                   count(*) filter (where a.attainment_status = 'not_met')
            from marts.fct_target_attainment a join marts.dim_measure m using (measure_key)
            where m.programme_code = 'P129' group by all order by 2"""
        ).fetchall()
        rate = wh.execute(
            """select a.year, count(*) filter (where a.verdict in ('met', 'improved', 'not_improved')),
                   count(*) filter (where a.verdict = 'met')
            from marts.fct_target_attainment a join marts.dim_measure m using (measure_key)
            left join marts.dim_programme p on m.programme_code = p.programme_code
            where coalesce(p.mission_code, m.mission_code) = 'AA' and m.programme_code is not null
            group by 1 order by 1"""
        ).fetchall()
        below = wh.execute(
            "select count(*) from marts.fct_target_trajectory where is_below_achieved"
        ).fetchone()[0]
    assert [r[:6] for r in results["The scorecard of a programme"]] == scorecard
    # P129 through the years: RAP 2012-2017 judged, then the PAP years; 30157 met in 2023
    assert ("P129", 2023, 1, 1, 1, 0, 1.0) in results["The scorecard of a programme"]
    assert {r[1] for r in results["The scorecard of a programme"] if r[3] > 0} >= set(range(2012, 2018))
    taux = results["The taux d'atteinte des cibles of a mission, ours beside the RAP's"]
    assert [r[:3] for r in taux] == rate
    official_2017 = [r[4] for r in taux if r[0] == 2017]
    assert official_2017 and official_2017[0] is not None  # RAP 2017 prints its verdicts
    assert results["The attainment of one measure across years"] == [
        (2021, None, "5", "PAP-2024-P352", "no_target", None),
        (2022, None, "6", "PAP-2025", "no_target", None),
        (2023, "6", "6", "PAP-2025", "met", 1.0),
        (2024, "7", None, None, "no_realisation", None),
        (2025, "5", None, None, "no_realisation", None),
        (2026, "5", None, None, "no_realisation", None),
        (2027, "5", None, None, "no_realisation", None),
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
        "rpt_attainment_rate.parquet",
        "rpt_programme_scorecard.parquet",
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
