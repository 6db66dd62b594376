"""The README's SQL runs as printed on the published marts of a real run: every ```sql block
returns rows, and a rate it prints is never NaN, and null only where the same row prints the
rate's denominator as 0 (the RAP prints no verdict that year): a row whose every rate is null is
a year with nothing assessed, which a BI user reads as a broken number."""

import math
import re

import duckdb

from .conftest import PROJECT_DIR

# A rate column and the count column it divides by, where the query prints it.
RATES = {
    "share_met": "targets_assessed",
    "official_share_met": "official_assessed",
    "fallback_share_met": "fallback_assessed",
    "attainment_ratio": None,
    "implied_change_pct": None,
}


def readme_sql() -> list[str]:
    text = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    return [block.strip() for block in re.findall(r"^```sql\n(.+?)^```", text, flags=re.S | re.M)]


def test_every_readme_query_runs_as_printed_with_no_broken_rate(published):
    with duckdb.connect(str(published / "marts.duckdb"), read_only=True) as con:
        for sql in readme_sql():
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            assert rows, f"no rows:\n{sql}"
            rates = [c for c in columns if c in RATES]
            for row in rows:
                values = dict(zip(columns, row, strict=True))
                for name, value in values.items():
                    assert not (isinstance(value, float) and math.isnan(value)), (name, row, sql)
                for rate in rates:
                    if values[rate] is None:
                        denominator = RATES[rate]
                        assert denominator in values and values[denominator] == 0, (rate, row, sql)
                if rates:
                    assert any(values[r] is not None for r in rates), (row, sql)


def test_the_mission_query_reads_the_rates_of_the_shipped_years(published):
    """AA, Action extérieure de l'État: ours every year a RAP is shipped, the RAP's own in 2017."""
    mission = next(sql for sql in readme_sql() if "grouping_level = 'mission'" in sql)
    with duckdb.connect(str(published / "marts.duckdb"), read_only=True) as con:
        rows = con.execute(mission).fetchall()
    assert [(r[0], r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        (2012, 43, 33, 0.7674, 0, None),
        (2013, 46, 30, 0.6522, 0, None),
        (2014, 42, 24, 0.5714, 0, None),
        (2016, 32, 20, 0.625, 0, None),
        (2017, 29, 16, 0.5517, 40, 0.55),
    ]
    assert {r[1] for r in rows} == {"Action extérieure de l'État"}


def test_make_sql_runs_piped_sql_read_only(published, tmp_path):
    """`make sql` with SQL on stdin: Harlequin's hsql on the published file, read-only."""
    import subprocess

    from .conftest import job_env

    env = job_env(published, published.parent / "raw")

    def make_sql(sql: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "--no-print-directory", "sql"],
            cwd=PROJECT_DIR,
            env=env,
            input=sql,
            capture_output=True,
            text=True,
            timeout=300,
        )

    with duckdb.connect(str(published / "marts.duckdb"), read_only=True) as con:
        expected = con.execute("select count(*) from marts.fct_target_attainment").fetchone()[0]
    counted = make_sql("select count(*) as n from marts.fct_target_attainment;")
    assert counted.returncode == 0, counted.stderr
    assert re.search(rf"^\s*{expected}\s*$", counted.stdout, flags=re.M), counted.stdout
    written = make_sql("create table marts.scratch as select 1 as a;")
    assert written.returncode != 0
    assert "read-only" in written.stderr, written.stderr
