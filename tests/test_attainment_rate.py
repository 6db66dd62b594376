"""The one taux d'atteinte des cibles (`rpt_attainment_rate`), its wide source (`rpt_measure_attainment`)
and the vocabularies published beside the marts, on the published file of one `make run` on the shipped
sources. Every expected count is recounted here from `fct_target_attainment`."""

from orchestration.lib.vocabularies import ASSESSED_VERDICTS, PUBLISHED_SEEDS, seed_rows

ASSESSED = "(" + ", ".join(f"'{v}'" for v in ASSESSED_VERDICTS) + ")"  # the seed's is_assessed


def _rate(marts, level: str, year: int, mission: str | None = None, programme: str | None = None) -> tuple:
    return marts.execute(
        "select targets_assessed, met, improved, not_improved, share_met, fallback_assessed, fallback_met, "
        "official_assessed, official_met, both_assessed, agreeing from rpt_attainment_rate "
        "where grouping_level = ? and year = ? and mission_code is not distinct from ? "
        "and programme_code is not distinct from ?",
        [level, year, mission, programme],
    ).fetchone()


def _recount(marts, where: str) -> tuple:
    """The same figures, counted from the fact; the view gives only the programme and mission of the year."""
    assessed, met, improved, not_improved, fb_assessed, fb_met, off_assessed, off_met, both, agreeing = (
        marts.execute(
            f"""select
            count(*) filter (where a.verdict in {ASSESSED} and not a.is_fallback_target),
            count(*) filter (where a.verdict = 'met' and not a.is_fallback_target),
            count(*) filter (where a.verdict = 'improved' and not a.is_fallback_target),
            count(*) filter (where a.verdict = 'not_improved' and not a.is_fallback_target),
            count(*) filter (where a.verdict in {ASSESSED} and a.is_fallback_target),
            count(*) filter (where a.verdict = 'met' and a.is_fallback_target),
            count(*) filter (where a.official_verdict in {ASSESSED}),
            count(*) filter (where a.official_verdict = 'met'),
            count(*) filter (where a.verdict in {ASSESSED} and not a.is_fallback_target
                             and a.official_verdict in {ASSESSED}),
            count(*) filter (where a.verdict in {ASSESSED} and not a.is_fallback_target
                             and a.official_verdict in {ASSESSED} and a.verdict = a.official_verdict)
        from fct_target_attainment a
        join rpt_measure_attainment v using (measure_key, year)
        where v.programme_code is not null and {where}"""
        ).fetchone()
    )
    share = round(met / assessed, 4) if assessed else None
    return (
        assessed,
        met,
        improved,
        not_improved,
        share,
        fb_assessed,
        fb_met,
        off_assessed,
        off_met,
        both,
        agreeing,
    )


def test_2017_national_mission_and_programme_rates_recount_from_the_fact(marts):
    national = _rate(marts, "year", 2017)
    assert national == _recount(marts, "a.year = 2017")
    assessed, met, *_ = national
    assert assessed > 1000 and national[4] == round(met / assessed, 4)
    assert national[7] > 1000 and national[9] <= min(assessed, national[7])  # RAP 2017 prints its verdicts
    assert _rate(marts, "mission", 2017, "SB") == _recount(marts, "a.year = 2017 and v.mission_code = 'SB'")
    p176 = _rate(marts, "programme", 2017, "SB", "P176")
    assert p176 == _recount(marts, "a.year = 2017 and v.programme_code = 'P176'")
    # met / (met + improved + not_improved) = 3 / 20 (the removed met / (met + not_met) model said 0.70)
    assert p176[:5] == (20, 3, 11, 6, 0.15)


def test_levels_add_up(marts):
    sums = marts.execute(
        """select grouping_level, year, sum(targets_assessed), sum(met), sum(fallback_assessed), sum(official_met)
        from rpt_attainment_rate group by all order by all"""
    ).fetchall()
    by_level: dict[str, list] = {}
    for level, *rest in sums:
        by_level.setdefault(level, []).append(tuple(rest))
    assert by_level["programme"] == by_level["mission"] == by_level["year"]
    rolled_up = marts.execute(
        "select count(*) from rpt_attainment_rate where (grouping_level = 'year' and mission_code is not null) "
        "or (grouping_level <> 'programme' and programme_code is not null)"
    ).fetchone()
    assert rolled_up == (0,)


def test_2015_rests_on_fallback_targets_only_and_is_kept_out_of_the_headline(marts):
    # No 2015 file is shipped: every 2015 target is RAP 2014's `Valeur cible`, a fallback.
    assert marts.execute(
        "select count(*) from fct_target_attainment where year = 2015 and not is_fallback_target "
        "and target_basis is not null"
    ).fetchone() == (0,)
    year_2015 = _rate(marts, "year", 2015)
    assert year_2015 == _recount(marts, "a.year = 2015")
    assessed, met, _, _, share, fallback_assessed, fallback_met, *_ = year_2015
    assert (assessed, met, share) == (0, 0, None)
    assert fallback_assessed > 0 and 0 < fallback_met <= fallback_assessed


def test_the_wide_view_carries_the_labels_of_the_year(marts):
    rows = marts.execute(
        """select year, mission_code, mission_label, programme_label
        from rpt_measure_attainment where programme_code = 'P421' and year in (2017, 2025)
        group by all order by year"""
    ).fetchall()
    # The mission that PLF 2025 calls "Investir pour la France de 2030" was "Investissements d'avenir" in 2017.
    assert rows == [
        (2017, "AV", "Investissements d'avenir", "Soutien des progrès de l'enseignement et de la recherche"),
        (
            2025,
            "AV",
            "Investir pour la France de 2030",
            "Soutien des progrès de l'enseignement et de la recherche",
        ),
    ]
    # one row per measure-year of the fact, its verdict and official verdict unchanged
    assert (
        marts.execute(
            """select count(*), count(*) filter (where v.verdict = a.verdict
                and v.official_verdict is not distinct from a.official_verdict
                and v.is_fallback_target = a.is_fallback_target)
        from rpt_measure_attainment v join fct_target_attainment a using (measure_key, year)"""
        ).fetchone()
        == marts.execute("select count(*), count(*) from fct_target_attainment").fetchone()
    )
    # a measure renumbered since is shown under the programme the RAP 2017 file printed it in
    ((printed,),) = marts.execute(
        "select programme_code from rpt_measure_attainment where measure_key = '10436' and year = 2017"
    ).fetchall()
    assert printed == "P843" and marts.execute(
        "select programme_code from dim_measure where measure_key = '10436'"
    ).fetchone() == ("P374",)


def test_the_published_file_holds_the_vocabularies(marts):
    tables = {
        r[0]
        for r in marts.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
    }
    assert set(PUBLISHED_SEEDS) <= tables
    for seed in PUBLISHED_SEEDS:
        key = next(iter(seed_rows(seed)[0]))
        # the seed's empty text (ref_unit's unprinted unit) loads as null
        published = [
            r[0]
            for r in marts.execute(
                f"select coalesce(cast({key} as varchar), '') from marts.{seed}"
            ).fetchall()
        ]
        assert sorted(published) == sorted(r[key] for r in seed_rows(seed)), seed
    for seed in ("ref_verdict", "ref_official_verdict", "ref_value_kind", "ref_cell_status"):
        assert seed in tables
    # a BI user decodes a verdict without the warehouse
    assert (
        marts.execute(
            "select r.official_label, count(*) from fct_target_attainment a join ref_verdict r using (verdict) "
            "where a.year = 2017 and a.verdict = 'met' group by 1"
        ).fetchone()[0]
        == "Cible atteinte"
    )
