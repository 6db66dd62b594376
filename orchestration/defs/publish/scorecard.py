"""The scorecard asset: renders the static HTML report of the published marts (orchestration.lib.publish.scorecard)."""

import dagster as dg

from orchestration.defs.resources import SettingsResource
from orchestration.lib.fingerprint import code_version
from orchestration.lib.publish.scorecard import render_scorecard

OWNER = "team:data-engineering"


@dg.asset(
    key=["publish", "scorecard"],
    group_name="publish",
    deps=[["publish", "marts_duckdb"]],
    kinds={"html"},
    owners=[OWNER],
    description=(
        "data/reports/scorecard/index.html: a static HTML report of the published marts for stewards and "
        "managers, rendered from Jinja2 templates. The index gives the taux d'atteinte des cibles of every "
        "mission and programme year by year (rpt_scorecard_year, rpt_scorecard_mission_rate, "
        "rpt_attainment_rate), ours beside the official one where a RAP prints verdicts; each mission page "
        "charts its rate over the years; each programme page shows every measure with its realisations and "
        "targets as an inline SVG chart, our verdict beside the RAP's as published, where its direction "
        "came from, its revised values and its trajectory flags. The index lists every measure with our "
        "verdict per year; a search box and mission, verdict and year filters (scorecard.js, beside the "
        "pages; without it every row shows) hide rows; every table links to its CSV file under csv/. "
        "Nothing fetched: opens offline from the file system. Reads data/marts.duckdb read-only. A "
        "programme or mission page whose content did not change since the last rendering is kept as "
        "it was (its footer names the publication it was rendered from); the index is always rendered."
    ),
    code_version=code_version()[:16],
)
def scorecard(context: dg.AssetExecutionContext, settings: SettingsResource) -> dg.MaterializeResult:
    paths = settings.resolved()
    out_dir = paths.reports_dir / "scorecard"
    counts = render_scorecard(paths.marts_path, out_dir)
    context.log.info(
        f"scorecard: {counts['pages']} programme pages, {counts['mission_pages']} mission pages, "
        f"{counts['measures']} measures, {counts['charts']} measure charts, {counts['rate_charts']} rate "
        f"charts, {counts['csv_files']} CSV files in {out_dir}; pages rendered {counts['pages_rendered']}, "
        f"kept as they were {counts['pages_kept']}"
    )
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(out_dir / "index.html")),
            "pages": counts["pages"],
            "mission_pages": counts["mission_pages"],
            "measures": counts["measures"],
            "charts": counts["charts"],
            "rate_charts": counts["rate_charts"],
            "csv_files": counts["csv_files"],
            "pages_rendered": counts["pages_rendered"],
            "pages_kept": counts["pages_kept"],
        }
    )
