"""The scorecard: a static HTML report of the published marts, one page per programme."""

import dagster as dg

from orchestration.lib.scorecard import render_scorecard
from orchestration.lib.settings import load_settings

OWNER = "team:data-engineering"


@dg.asset(
    key=["publish", "scorecard"],
    group_name="publish",
    deps=[["publish", "marts_duckdb"]],
    kinds={"html"},
    owners=[OWNER],
    description=(
        "data/reports/scorecard/index.html: a static HTML report of the published marts for stewards and "
        "managers, one page per programme (and one per mission for mission-level measures that name no "
        "programme). Each measure shows its realisations and targets over the years as an inline SVG "
        "chart, its attainment per year (met / not met / …), its revised values and the trajectory flags "
        "(targets set below what was achieved). No JavaScript, nothing fetched: opens offline from the "
        "file system. Reads data/marts.duckdb read-only."
    ),
)
def scorecard(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    out_dir = settings.reports_dir / "scorecard"
    counts = render_scorecard(settings.marts_path, out_dir)
    context.log.info(
        f"scorecard: {counts['pages']} programme pages, {counts['mission_pages']} mission pages, "
        f"{counts['measures']} measures, {counts['charts']} charts in {out_dir}"
    )
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(out_dir / "index.html")),
            "pages": counts["pages"],
            "mission_pages": counts["mission_pages"],
            "measures": counts["measures"],
            "charts": counts["charts"],
        }
    )
