"""The real history on the shipped sources, read from the warehouse and the published marts of one
`make run` (the session's `published` run): measures across vintages, attainment judged on real
data, our verdicts against the Direction du budget's own, the taux d'atteinte."""

import csv
import json

import duckdb

from .contract_numbers import RAP_IDS, SHIPPED_IDS


def one(con, sql):
    return con.execute(sql).fetchone()


def test_seven_documents_nothing_quarantined(wh, published):
    assert [
        r[0] for r in wh.execute("select document_id from raw.source_document order by 1").fetchall()
    ] == SHIPPED_IDS
    assert one(wh, "select count(*) from raw.rejected_document") == (0,)
    published_docs = duckdb.connect(str(published / "marts.duckdb"), read_only=True)
    with published_docs:
        rows = published_docs.execute(
            "select document_id, document_type, vintage_year from dim_document where document_type = 'RAP' order by 1"
        ).fetchall()
    assert rows == [(doc, "RAP", int(doc[-4:])) for doc in RAP_IDS]


def test_every_sub_indicator_id_reaches_dim_measure(wh, marts):
    ids = {
        r[0]
        for r in wh.execute(
            "select distinct cast(sub_indicator_id as varchar) from raw.indicator_cell where sub_indicator_id is not null"
        ).fetchall()
    }
    keys = {r[0] for r in marts.execute("select measure_key from dim_measure").fetchall()}
    crosswalked = {
        r[0] for r in wh.execute("select from_measure_key from reference.ref_indicator_crosswalk").fetchall()
    }
    assert ids - crosswalked - keys == set()
    assert len(ids) > 4000


def test_rap_2016_rows_are_matched_to_ids_or_listed(wh):
    methods = dict(
        wh.execute(
            "select match_method, count(*) from intermediate.int_measure_keys where document_id = 'RAP-2016' group by 1"
        ).fetchall()
    )
    assert set(methods) <= {"exact_label", "approximate_label", "ambiguous", "unmatched", "steward_override"}
    assert (
        sum(methods.values())
        == one(
            wh,
            "select count(distinct source_measure_key) from staging.stg_raw__indicator_cells where document_id = 'RAP-2016'",
        )[0]
    )
    # most rows find their id by the exact label
    assert methods["exact_label"] > 0.75 * sum(methods.values())
    # an exact match joins the 2016 row to the id's other vintages
    joined = one(
        wh,
        "select count(distinct k.measure_key) from intermediate.int_measure_keys k "
        "join staging.stg_raw__indicator_cells c on c.source_measure_key = k.measure_key and c.document_id = 'RAP-2017' "
        "where k.document_id = 'RAP-2016' and k.match_method = 'exact_label'",
    )[0]
    assert joined > 1000


def test_at_least_6000_measure_years_of_2012_2017_are_met_or_not_met(marts):
    n = one(
        marts,
        "select count(*) from fct_target_attainment where year between 2012 and 2017 "
        "and attainment_status in ('met', 'not_met')",
    )[0]
    assert n >= 6000


def test_rap_2013_reprint_of_2012_agrees_with_rap_2012_and_the_rest_shows_as_revised(wh, marts):
    pairs = wh.execute(
        """
        select a.measure_key, a.value_numeric = b.value_numeric as same
        from intermediate.int_indicator_values_deduplicated a
        join intermediate.int_indicator_values_deduplicated b using (measure_key, year, value_kind)
        where a.document_id = 'RAP-2012' and b.document_id = 'RAP-2013' and a.year = 2012
          and a.value_kind = 'realisation' and a.value_status = 'numeric' and b.value_status = 'numeric'
        """
    ).fetchall()
    same = sum(1 for _k, s in pairs if s)
    assert len(pairs) > 1500 and same / len(pairs) >= 0.85
    differing = {k for k, s in pairs if not s}
    revised = {
        r[0]
        for r in marts.execute(
            "select measure_key from fct_target_revision where year = 2012 and value_kind = 'realisation' "
            "and revision_type = 'revised'"
        ).fetchall()
    }
    assert differing <= revised


def test_the_target_of_record_of_a_rap_year_is_pap_n(marts):
    bases = dict(
        marts.execute(
            "select target_basis, count(*) from fct_target_attainment where year between 2012 and 2017 "
            "and target_document_id like 'RAP-%' group by 1"
        ).fetchall()
    )
    # 'Prévision N PAP N' as printed by RAP N (the PAP N target echoed), fallbacks named
    assert bases["echoed_pap_target"] > 8000
    assert set(bases) <= {"echoed_pap_target", "rap_year_target", "multi_year_target", "other_target"}
    # the target of 2013 comes from RAP 2013's 'Prévision 2013 PAP 2013', not from RAP 2012's 'Valeur cible'
    assert one(
        marts,
        "select target_document_id, target_raw from fct_target_attainment where measure_key = '3172' and year = 2013",
    ) == ("RAP-2013", "11")


def test_verdicts_are_ours_and_the_official_ones_stand_beside(marts):
    # every measure-year has a verdict from the vocabulary, with a reason
    assert one(
        marts, "select count(*) from fct_target_attainment where verdict is null or verdict_reason is null"
    ) == (0,)
    # the official verdict appears only where RAP 2017 prints one, with its file and line
    rows = marts.execute(
        "select official_verdict_raw, count(*) from fct_target_attainment where official_verdict_raw is not null "
        "group by 1 order by 1"
    ).fetchall()
    counts = dict(rows)
    assert set(counts) <= {"Cible atteinte", "Amélioration", "Absence d'amélioration", "Données non renseignées",
                           "Données non retenues", ""}  # fmt: skip
    assert one(
        marts,
        "select count(*) from fct_target_attainment where official_verdict_raw is not null "
        "and (official_verdict_source_file not like 'rap/2017/%' or official_verdict_source_line is null or year <> 2017)",
    ) == (0,)
    # agreement flag is exactly verdict = official_verdict
    assert one(
        marts,
        "select count(*) from fct_target_attainment where official_verdict is not null "
        "and agrees_with_official <> (verdict = official_verdict)",
    ) == (0,)


def test_the_summary_reports_the_agreement_the_marts_give(marts, published):
    summary = json.loads((published / "reports" / "quality-summary.json").read_text(encoding="utf-8"))
    both, agreeing = one(
        marts,
        "select count(*), count(*) filter (where agrees_with_official) from fct_target_attainment "
        "where verdict in ('met', 'improved', 'not_improved') and official_verdict in ('met', 'improved', 'not_improved')",
    )
    assert summary["history"]["agreement"] == {
        "both_assessed": both,
        "agreeing": agreeing,
        "share": round(agreeing / both, 4),
    }
    disagreements = one(marts, "select count(*) from fct_target_attainment where not agrees_with_official")[0]
    assert len(summary["history"]["disagreements"]) == disagreements
    md = (published / "reports" / "quality-summary.md").read_text(encoding="utf-8")
    assert f"**{agreeing} of {both}" in md
    # the scorecard's count, which leaves out the measures no programme owns (and fallback targets:
    # none both-assessed in the shipped sources), is named beside it
    scorecard_both, scorecard_agreeing = one(
        marts,
        "select sum(both_assessed), sum(agreeing) from rpt_attainment_rate where grouping_level = 'year'",
    )
    unowned_both, unowned_agreeing = one(
        marts,
        "select count(*), count(*) filter (where agrees_with_official) from rpt_measure_attainment "
        "where programme_code is null and not is_fallback_target "
        "and verdict in ('met', 'improved', 'not_improved') and official_verdict in ('met', 'improved', 'not_improved')",
    )
    assert (scorecard_both + unowned_both, scorecard_agreeing + unowned_agreeing) == (both, agreeing)
    assert summary["history"]["scorecard_agreement"] == {
        "both_assessed": scorecard_both,
        "agreeing": scorecard_agreeing,
    }
    assert f"{scorecard_agreeing} of {scorecard_both} over the years" in md
    # one page: at most 30 KB, its top items within the first screen (about 45 lines), no HTML
    # entity (markdown escapes instead), and every list it cuts links to the file that holds it all
    assert len(md.encode("utf-8")) <= 30_000
    top = md.splitlines()[: md.splitlines().index("## Figures")]
    assert len(top) <= 45 and "## To act on" in top
    assert "&#" not in md and "&amp;" not in md
    for listed in (
        "verdict-disagreements.csv",
        "directions-to-review.csv",
        "measure-matches-to-review.csv",
        "measure-splits.csv",
        "held-cells.csv",
        "quality/raw_indicator_cell--cell_not_unparsed.csv",
    ):
        assert f"{listed} |" in md or f"{listed}`" in md, listed
        assert (published / "reports" / listed).is_file(), listed
    # every disagreement is in its review queue, with the RAP's file and line, and the summary links it
    with (published / "reports" / "verdict-disagreements.csv").open(encoding="utf-8") as f:
        queued = list(csv.DictReader(f))
    assert {(r["source_file"], r["source_line"]) for r in queued} == {
        (d["source_file"], str(d["source_line"])) for d in summary["history"]["disagreements"]
    }
    assert f"| verdict_disagreements | {len(queued)} | 0 | 0 |" in md
    # the review files beside it
    review = (
        (published / "reports" / "measure-matches-to-review.csv").read_text(encoding="utf-8").splitlines()
    )
    assert review[0].startswith(
        "document_id,source_measure_key,to_measure_key,reviewed_by,reviewed_on,rationale,status,"
    )
    assert len(review) > 1


def test_direction_is_known_for_most_assessable_measures_and_says_why(marts):
    sources = dict(marts.execute("select direction_source, count(*) from dim_measure group by 1").fetchall())
    assert set(sources) <= {"steward", "target_bounds", "label_rule", "indicator_label_rule", "target_trajectory",
                            "indicator_siblings", "unit_rule", "none"}  # fmt: skip
    known, total = one(
        marts,
        "select count(*) filter (where direction_source <> 'none'), count(*) from dim_measure m "
        "where exists (select 1 from fct_target_attainment a where a.measure_key = m.measure_key "
        "and a.target_raw is not null and a.realisation_raw is not null)",
    )
    # stated or inferred from the documents for three measures in four (docs/contract.md gives the
    # figure); the rest stay `unknown`, never guessed
    assert known / total >= 0.75
    # the scorecard's source and the fact agree with the dimension
    assert one(
        marts,
        "select count(*) from fct_target_attainment a join dim_measure m using (measure_key) "
        "where a.direction_source <> m.direction_source or a.direction <> m.direction",
    ) == (0,)


def test_attainment_rate_is_the_taux_d_atteinte_of_our_verdicts(marts):
    rate = marts.execute(
        "select targets_assessed, met, improved, not_improved from rpt_attainment_rate "
        "where grouping_level = 'year' and year = 2017"
    ).fetchone()
    facts = marts.execute(
        "select count(*) filter (where a.verdict in ('met', 'improved', 'not_improved')), "
        "count(*) filter (where a.verdict = 'met'), count(*) filter (where a.verdict = 'improved'), "
        "count(*) filter (where a.verdict = 'not_improved') "
        "from fct_target_attainment a join rpt_measure_attainment m using (measure_key, year) "
        "where a.year = 2017 and m.programme_code is not null and not a.is_fallback_target"
    ).fetchone()
    assert rate == facts and rate[0] > 1000
    years = [
        r[0]
        for r in marts.execute(
            "select distinct year from rpt_attainment_rate where targets_assessed + fallback_assessed > 0 order by 1"
        ).fetchall()
    ]
    assert {2012, 2013, 2014, 2015, 2016, 2017} <= set(years)


def test_dim_measure_gives_first_and_last_vintage(wh, marts):
    expected = dict(
        (k, (a, b))
        for k, a, b in wh.execute(
            "select measure_key, min(vintage_year), max(vintage_year) "
            "from intermediate.int_indicator_cells_crosswalked group by 1"
        ).fetchall()
    )
    got = {
        k: (a, b)
        for k, a, b in marts.execute(
            "select measure_key, first_vintage_year, last_vintage_year from dim_measure"
        ).fetchall()
    }
    assert got == expected
    # 3172 (P105 1.1 'Encadrement UE') from RAP 2012, through RAP 2016 by its exact label
    assert got["3172"] == (2012, 2016)
    assert (
        one(
            marts,
            "select count(*) from dim_measure where first_vintage_year = 2012 and last_vintage_year = 2025",
        )[0]
        > 300
    )


# --- the export's damage: named, recovered only from another document's print, else held ---------

DEFECT_COLUMNS = "value_raw, value_status, value_comparator, value_numeric, value_low, value_high, value_unit"


def _cell(marts, document_id, line, measure, year, kind):
    return marts.execute(
        f"select {DEFECT_COLUMNS}, value_note, value_defect, recovery_rule, recovered_from_document_id "
        "from marts.fct_indicator_value where document_id = ? and source_line = ? and measure_key = ? "
        "and year = ? and value_kind = ?",
        [document_id, line, measure, year, kind],
    ).fetchone()


def test_a_lost_comparator_of_rap_2012_is_recovered_from_rap_2013(marts):
    # RAP 2012 prints '? 10' for the 2013 target of 4768; RAP 2013 prints '>=10 (génération 2008)'
    # for the same measure and year: the comparator lost by the export is >=.
    assert _cell(marts, "RAP-2012", 681, "4768", 2013, "target") == (
        *("? 10", "bound", ">=", 10.0, None, None, None, None),
        *("lost_comparator", "comparator_from_other_document", "RAP-2013"),
    )


def test_a_lost_comparator_no_source_shows_stays_damaged(marts):
    # '? 14' (17754, RAP 2012's updated forecast of 2012): no other document prints a bound at 14
    assert _cell(marts, "RAP-2012", 558, "17754", 2012, "updated_forecast") == (
        *("? 14", "damaged", None, 14.0, None, None, None, "lost_comparator"),
        *("lost_comparator", None, None),
    )


def test_a_range_a_spreadsheet_made_a_date_is_held(marts):
    # '03-avr' (13389, RAP 2012 line 49): a '3-4' read as the 3rd of April; no document prints the
    # range 3-4 for this measure and year, so it is held, never judged
    assert _cell(marts, "RAP-2012", 49, "13389", 2012, "target_of_record") == (
        *("03-avr", "damaged", None, None, 3.0, 4.0, None, "spreadsheet_date"),
        *("spreadsheet_date", None, None),
    )


def test_a_bound_on_minutes_is_a_bound_in_minutes(wh):
    rows = wh.execute(
        "select document_id, source_line, value_raw, value_status, value_comparator, value_numeric, "
        "value_unit from raw.indicator_cell where value_raw like '<%''' order by all"
    ).fetchall()
    assert {(doc, line) for doc, line, *_ in rows} == {
        ("PAP-2025", 1570),
        ("RAP-2013", 1900),
        ("RAP-2014", 1850),
        ("RAP-2016", 1594),
        ("RAP-2017", 1559),
    }
    assert ("RAP-2017", 1559, "<14'", "bound", "<", 14.0, "minutes") in rows
    assert ("PAP-2025", 1570, "<14'", "bound", "<", 14.0, "minutes") in rows
    assert {row[3:] for row in rows} == {("bound", "<", 14.0, "minutes"), ("bound", "<", 15.0, "minutes")}


def test_p178_negative_percents_beside_positives_are_sign_artefacts(marts):
    # RAP 2014 prints 13059 as -100, -98, -100, 100, 99, -100 on one line: the negatives are the
    # artefact; three are printed positive by RAP 2013, the 2014 forecast of PAP 2014 by no other
    rows = marts.execute(
        "select year, value_kind, value_raw, value_status, value_numeric, value_defect, recovery_rule, "
        "recovered_from_document_id from marts.fct_indicator_value "
        "where measure_key = '13059' and document_id = 'RAP-2014' order by column_position"
    ).fetchall()
    assert rows == [
        (
            2012,
            "realisation",
            "-100",
            "numeric",
            100.0,
            "sign_artefact",
            "sign_from_other_document",
            "RAP-2013",
        ),
        (
            2013,
            "realisation",
            "-98",
            "numeric",
            98.0,
            "sign_artefact",
            "sign_from_other_document",
            "RAP-2013",
        ),
        (2014, "target_of_record", "-100", "damaged", -100.0, "sign_artefact", None, None),
        (2014, "updated_forecast", "100", "numeric", 100.0, None, None, None),
        (2014, "realisation", "99", "numeric", 99.0, None, None, None),
        (2015, "target", "-100", "numeric", 100.0, "sign_artefact", "sign_from_other_document", "RAP-2013"),
    ]


# per defect: cells, recovered, held (on the shipped sources)
DEFECTS = {
    "lost_comparator": (160, 56, 104),
    "sign_artefact": (116, 70, 46),
    "spreadsheet_date": (20, 0, 20),
    "number_in_text": (19, 0, 19),
}


def test_defects_are_counted_listed_and_never_judged(marts, published):
    counts = marts.execute(
        "select value_defect, count(*), count(recovery_rule), count(*) - count(recovery_rule) "
        "from marts.fct_indicator_value where value_defect is not null group by 1"
    ).fetchall()
    assert {d: tuple(n) for d, *n in counts} == DEFECTS
    # what is not recovered is held: damaged, or unparsed for a number in text
    assert marts.execute(
        "select value_defect, value_status, count(*) from marts.fct_indicator_value "
        "where value_defect is not null and recovery_rule is null group by all order by all"
    ).fetchall() == [
        ("lost_comparator", "damaged", 104),
        ("number_in_text", "unparsed", 19),
        ("sign_artefact", "damaged", 46),
        ("spreadsheet_date", "damaged", 20),
    ]
    # a held cell never reaches a verdict: a damaged realisation judges nothing; against a damaged
    # target of record, only another target the RAP prints for the year can be met (the RAP's rule)
    assert one(
        marts,
        "select count(*) from marts.fct_target_attainment where verdict in ('met', 'improved', 'not_improved') "
        "and (realisation_status = 'damaged' or (target_status = 'damaged' "
        "and coalesce(met_against, '') not in ('updated_forecast', 'year_target')))",
    ) == (0,)
    assert one(
        marts,
        "select count(*) from marts.fct_target_attainment where target_status = 'damaged' and verdict_strict "
        "in ('met', 'improved', 'not_improved')",
    ) == (0,)
    listing = (published / "reports" / "damaged-cells.csv").read_text(encoding="utf-8").splitlines()
    assert len(listing) == 1 + sum(n for n, _r, _h in DEFECTS.values())
    assert listing[0].startswith("document,source_file,source_line,column_header,")
    summary = (published / "reports" / "quality-summary.md").read_text(encoding="utf-8")
    assert "cells the export damaged:\n\n| defect | cells | recovered | held |" in summary
