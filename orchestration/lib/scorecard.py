"""The scorecard: a static HTML report of the published marts, one page per programme.

Managers would rather look than read. For every measure a page shows its realisations and targets over
the years as a chart, its attainment per year (colour AND text), the revisions of its published values
and the trajectory flags (a target set below what was already achieved).

Design:
- Reads the published marts file (`data/marts.duckdb`) read-only: never the warehouse, so a report
  can be rendered while a run writes.
- Charts are inline SVG written here: no JavaScript, no library, nothing fetched, so the pages open
  offline from file:// and print as they look.
- Every text that comes from the sources (labels, units, printed cells, codes) goes through
  `html.escape`, attribute values included; attributes are always double-quoted.
- Deterministic: the same marts give the same bytes. The one date printed is the publication date
  recorded in the marts file (`publication.info`).
- Measures that belong to no programme (mission-level rows that name no programme) go on one page per
  mission, `mission-<code>.html`.
"""

import html
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# --- vocabulary ------------------------------------------------------------------------------------

STATUS_TEXT = {
    "met": ("✓", "met"),
    "not_met": ("✗", "not met"),
    "no_realisation": ("…", "no realisation"),
    "no_target": ("–", "no target"),
    "not_comparable": ("≠", "not comparable"),
}
STATUS_HELP = {
    "met": "the realisation meets the target",
    "not_met": "the realisation misses the target",
    "no_realisation": "a target, but no usable realisation (yet)",
    "no_target": "a realisation, but no usable target",
    "not_comparable": "target and realisation cannot be compared (direction unknown, verdict…)",
}
TRAJECTORY_TEXT = {
    "less_ambitious": ("⚠", "less ambitious than achieved"),
    "same_as_achieved": ("=", "same as achieved"),
    "more_ambitious": ("↗", "more ambitious than achieved"),
}
DIRECTION_TEXT = {
    "increase": "↑ higher is better",
    "decrease": "↓ lower is better",
    "target": "◎ closest to target",
    "unknown": "? direction unknown",
}
KIND_TEXT = {
    "realisation": "realisation",
    "target": "target",
    "target_previous_pap": "target (as recalled by the next PAP)",
    "forecast": "forecast",
    "updated_forecast": "updated forecast",
}
BASIS_TEXT = {
    "set_by_pap": "set by the PAP of the year",
    "echoed_pap_target": "PAP target recalled by a later document",
    "multi_year_target": "fallback: multi-year target printed earlier",
    "other_target": "fallback: other target",
}
NUMERIC_STATUSES = {"numeric", "bound", "annotated", "duration"}


def esc(value: object) -> str:
    """Text for HTML content or a double-quoted attribute value."""
    return html.escape("" if value is None else str(value), quote=True)


def slug(text: str) -> str:
    """A file name / fragment id from a code (codes are P129, MAA, 30157, P352-1-1#1…)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text) or "_"


def natural_key(text: str | None) -> tuple:
    parts = re.split(r"(\d+)", text or "")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


def fmt_num(value: float | None) -> str:
    """French-style number: 12 500 / 7,5 / 0,042."""
    if value is None or not math.isfinite(value):
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        text = f"{int(value):,}"
    else:
        magnitude = math.floor(math.log10(abs(value))) if value else 0
        decimals = max(0, min(6, 2 - magnitude))
        text = f"{value:,.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def fmt_coord(value: float) -> str:
    return f"{value:.1f}"


# --- data ------------------------------------------------------------------------------------------


@dataclass
class Measure:
    key: str
    row: dict
    attainment: dict[int, dict] = field(default_factory=dict)  # year -> fct_target_attainment row
    revisions: list[dict] = field(default_factory=list)
    trajectory: list[dict] = field(default_factory=list)


@dataclass
class Marts:
    programmes: list[dict]
    missions: dict[str, str]  # mission_code -> label
    objectives: dict[str, dict]
    indicators: dict[str, dict]
    measures: list[Measure]
    scorecard: dict[str, dict[int, dict]]  # programme -> year -> row
    documents: dict[str, dict]
    years: list[int]
    publication: dict | None


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_marts(marts_db: Path) -> Marts:
    with duckdb.connect(str(marts_db), read_only=True) as con:
        programmes = _rows(con, "select * from dim_programme order by programme_code")
        programmes.sort(key=lambda r: natural_key(r["programme_code"]))
        missions: dict[str, str] = {}
        for r in _rows(
            con,
            "select mission_code, min(mission_label) as mission_label from dim_programme "
            "where mission_code is not null group by mission_code order by mission_code",
        ):
            missions[r["mission_code"]] = r["mission_label"]
        objectives = {r["objective_code"]: r for r in _rows(con, "select * from dim_objective order by all")}
        indicators = {r["indicator_code"]: r for r in _rows(con, "select * from dim_indicator order by all")}
        measures = {
            r["measure_key"]: Measure(r["measure_key"], r)
            for r in _rows(con, "select * from dim_measure order by measure_key")
        }
        for r in _rows(con, "select * from fct_target_attainment order by measure_key, year"):
            if r["measure_key"] in measures:
                measures[r["measure_key"]].attainment[r["year"]] = r
        for r in _rows(
            con, "select * from fct_target_revision where is_revised order by measure_key, year, value_kind"
        ):
            if r["measure_key"] in measures:
                measures[r["measure_key"]].revisions.append(r)
        for r in _rows(con, "select * from fct_target_trajectory order by measure_key, target_year"):
            if r["measure_key"] in measures:
                measures[r["measure_key"]].trajectory.append(r)
        scorecard: dict[str, dict[int, dict]] = defaultdict(dict)
        for r in _rows(con, "select * from rpt_programme_scorecard order by programme_code, year"):
            scorecard[r["programme_code"]][r["year"]] = r
        documents = {
            r["document_id"]: r for r in _rows(con, "select * from dim_document order by document_id")
        }
        bounds = con.execute(
            "select min(y), max(y) from (select year as y from fct_target_attainment "
            "union all select year from fct_indicator_value)"
        ).fetchone()
        publication = None
        has_info = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'publication' "
            "and table_name = 'info'"
        ).fetchone()[0]
        if has_info:
            info = _rows(con, "select * from publication.info limit 1")
            publication = info[0] if info else None
    years = list(range(bounds[0], bounds[1] + 1)) if bounds and bounds[0] is not None else []
    return Marts(
        programmes=programmes,
        missions=missions,
        objectives=objectives,
        indicators=indicators,
        measures=list(measures.values()),
        scorecard=dict(scorecard),
        documents=documents,
        years=years,
        publication=publication,
    )


def document_label(marts: Marts, document_id: str | None) -> str:
    """PAP-2024-P352 -> 'PAP 2024' (the id stays in the hover text)."""
    doc = marts.documents.get(document_id or "")
    if doc and doc.get("document_type") and doc.get("vintage_year"):
        return f"{doc['document_type']} {doc['vintage_year']}"
    return document_id or "?"


# --- chart -----------------------------------------------------------------------------------------

CHART_W, CHART_H = 500, 200
PAD_L, PAD_R, PAD_T, PAD_B = 62, 14, 24, 30


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * (1 + 1e-9))
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    n = round((end - start) / step)
    return [round(start + i * step, 10) for i in range(n + 1)]


def _is_usable(status: str | None) -> bool:
    return status in NUMERIC_STATUSES


def _diamond(x: float, y: float, r: float = 5.5) -> str:
    return (
        f"M{fmt_coord(x)},{fmt_coord(y - r)} L{fmt_coord(x + r)},{fmt_coord(y)} "
        f"L{fmt_coord(x)},{fmt_coord(y + r)} L{fmt_coord(x - r)},{fmt_coord(y)} Z"
    )


def _triangle(x: float, y: float, up: bool, r: float = 6.0) -> str:
    tip, base = (y - r, y + r * 0.7) if up else (y + r, y - r * 0.7)
    return (
        f"M{fmt_coord(x)},{fmt_coord(tip)} L{fmt_coord(x + r)},{fmt_coord(base)} "
        f"L{fmt_coord(x - r)},{fmt_coord(base)} Z"
    )


def render_chart(marts: Marts, m: Measure) -> str | None:
    """Inline SVG of realisations (line + dots) and targets (diamonds; ▲/▼ for bounds, bars for
    ranges; hollow for fallback targets; grey for the value a revision replaced). None when the
    measure has no number to draw."""
    years = marts.years
    unit = m.row.get("unit_raw") or m.row.get("unit") or ""
    real: list[tuple[int, float, dict]] = []
    targets: list[tuple[int, dict]] = []
    values: list[float] = []
    for year in years:
        a = m.attainment.get(year)
        if not a:
            continue
        if a["realisation_value"] is not None and _is_usable(a["realisation_status"]):
            real.append((year, a["realisation_value"], a))
            values.append(a["realisation_value"])
        if a["target_status"] == "range" and a["target_low"] is not None and a["target_high"] is not None:
            targets.append((year, a))
            values += [a["target_low"], a["target_high"]]
        elif a["target_value"] is not None and _is_usable(a["target_status"]):
            targets.append((year, a))
            values.append(a["target_value"])
    earlier: list[tuple[int, float, dict]] = []
    for r in m.revisions:
        if r["value_kind"] == "target" and r["first_value"] is not None:
            current = m.attainment.get(r["year"], {})
            if current.get("target_value") is not None and current["target_value"] != r["first_value"]:
                earlier.append((r["year"], r["first_value"], r))
                values.append(r["first_value"])
    if not values:
        return None

    lo, hi = min(values), max(values)
    if lo > 0 and lo <= hi * 0.35:
        lo = 0.0  # a zero baseline when the data sit close to it anyway
    ticks = nice_ticks(lo, hi)
    y_min, y_max = ticks[0], ticks[-1]
    plot_w, plot_h = CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B
    band = plot_w / max(len(years), 1)

    def xs(year: int) -> float:
        return PAD_L + (years.index(year) + 0.5) * band

    inset = 7  # points on the extreme ticks stay clear of the frame

    def ys(value: float) -> float:
        return PAD_T + plot_h - inset - (value - y_min) / (y_max - y_min) * (plot_h - 2 * inset)

    label = m.row.get("measure_label") or m.key
    out = [
        f'<svg class="chart" data-measure="{esc(m.key)}" viewBox="0 0 {CHART_W} {CHART_H}" '
        f'width="{CHART_W}" height="{CHART_H}" role="img" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{esc(label)}: realisations and targets, {years[0]}–{years[-1]} ({esc(unit)})</title>",
        f'<rect class="frame" x="{PAD_L}" y="{PAD_T}" width="{fmt_coord(plot_w)}" height="{plot_h}"/>',
    ]
    for t in ticks:
        y = fmt_coord(ys(t))
        out.append(f'<line class="grid" x1="{PAD_L}" y1="{y}" x2="{CHART_W - PAD_R}" y2="{y}"/>')
        out.append(
            f'<text class="tick" x="{PAD_L - 6}" y="{y}" dy="0.32em" text-anchor="end">{esc(fmt_num(t))}</text>'
        )
    for year in years:
        out.append(
            f'<text class="tick" x="{fmt_coord(xs(year))}" y="{CHART_H - PAD_B + 16}" '
            f'text-anchor="middle">{year}</text>'
        )
    out.append(f'<text class="axis-label" x="{PAD_L}" y="{PAD_T - 9}">{esc(unit or "value")}</text>')
    out.append(
        f'<text class="axis-label" x="{CHART_W - PAD_R}" y="{CHART_H - 2}" text-anchor="end">year</text>'
    )

    # Revisions first (under the current targets): the replaced value, linked to the current one.
    for year, value, r in earlier:
        x, y0, y1 = xs(year), ys(value), ys(m.attainment[year]["target_value"])
        out.append(
            f'<line class="revision-link" x1="{fmt_coord(x)}" y1="{fmt_coord(y0)}" '
            f'x2="{fmt_coord(x)}" y2="{fmt_coord(y1)}"/>'
        )
        tip = (
            f"{year} target first printed {r['first_raw']} ({r['first_document_id']}), "
            f"revised to {r['latest_raw']} ({r['latest_document_id']})"
        )
        out.append(
            f'<path class="target-earlier" d="{_diamond(x, y0, 4.5)}"><title>{esc(tip)}</title></path>'
        )

    # Targets: a dashed guide through the numeric ones, then the markers.
    line_pts = [
        (xs(y), ys(a["target_value"]))
        for y, a in targets
        if a["target_value"] is not None and a["target_status"] != "range"
    ]
    if len(line_pts) > 1:
        pts = " ".join(f"{fmt_coord(x)},{fmt_coord(y)}" for x, y in line_pts)
        out.append(f'<polyline class="target-line" points="{pts}"/>')
    for year, a in targets:
        x = xs(year)
        fallback = " fallback" if a["is_fallback_target"] else ""
        basis = BASIS_TEXT.get(a["target_basis"] or "", a["target_basis"] or "")
        tip = f"{year} target: {a['target_raw']} ({basis}; {a['target_document_id']})"
        if a["target_status"] == "range":
            y_lo, y_hi = ys(a["target_low"]), ys(a["target_high"])
            out.append(
                f'<g class="target-range{fallback}"><title>{esc(tip)}</title>'
                f'<line x1="{fmt_coord(x)}" y1="{fmt_coord(y_lo)}" x2="{fmt_coord(x)}" y2="{fmt_coord(y_hi)}"/>'
                f'<line x1="{fmt_coord(x - 6)}" y1="{fmt_coord(y_lo)}" x2="{fmt_coord(x + 6)}" y2="{fmt_coord(y_lo)}"/>'
                f'<line x1="{fmt_coord(x - 6)}" y1="{fmt_coord(y_hi)}" x2="{fmt_coord(x + 6)}" y2="{fmt_coord(y_hi)}"/>'
                "</g>"
            )
            continue
        y = ys(a["target_value"])
        comparator = a["target_comparator"] or ""
        if a["target_status"] == "bound" and comparator in (">", ">=", "<", "<="):
            shape = _triangle(x, y, up=comparator.startswith(">"))
        else:
            shape = _diamond(x, y)
        out.append(f'<path class="target{fallback}" d="{shape}"><title>{esc(tip)}</title></path>')

    # Realisations: a line through them and a dot for each.
    if len(real) > 1:
        pts = " ".join(f"{fmt_coord(xs(y))},{fmt_coord(ys(v))}" for y, v, _ in real)
        out.append(f'<polyline class="real-line" points="{pts}"/>')
    for year, value, a in real:
        tip = f"{year} realisation: {a['realisation_raw']} ({a['realisation_document_id']})"
        out.append(
            f'<circle class="real" cx="{fmt_coord(xs(year))}" cy="{fmt_coord(ys(value))}" r="4.5">'
            f"<title>{esc(tip)}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)


# --- page parts ------------------------------------------------------------------------------------

CSS = """
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa; --real:#0969da; --target:#bc4c00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: #fff; }
header.page, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
header.page { padding-top: 18px; padding-bottom: 8px; border-bottom: 3px solid #000091; }
nav.crumbs { font-size: 14px; display: flex; gap: 18px; flex-wrap: wrap; }
a { color: #0550ae; }
h1 { font-size: 26px; margin: 6px 0 2px; }
h2 { font-size: 20px; margin: 30px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 17px; margin: 20px 0 8px; }
h4 { font-size: 15px; margin: 0 0 4px; }
.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em;
  background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; white-space: nowrap; }
.sub, .meta, .muted { color: var(--muted); }
.meta { font-size: 13px; margin: 0 0 8px; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 7px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); }
td.num, th.num { text-align: right; }
table.programmes { width: 100%; }
table.programmes td.share { text-align: center; white-space: nowrap; min-width: 74px; }
.share .pct { font-weight: 600; }
.share .of { display: block; font-size: 11px; color: var(--muted); }
article.measure { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 12px 0;
  break-inside: avoid; page-break-inside: avoid; }
.measure .body { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.measure .values { flex: 1 1 520px; min-width: 0; }
.measure table.years { width: 100%; table-layout: fixed; font-size: 12.5px; }
.measure table.years td, .measure table.years th { text-align: center; padding: 3px 3px; overflow-wrap: anywhere; }
.measure table.years col.rowhead { width: 88px; }
.measure table.years th[scope=row] { text-align: left; background: var(--soft); }
.nochart { width: 500px; max-width: 100%; padding: 16px; border: 1px dashed var(--line); border-radius: 6px;
  color: var(--muted); font-size: 13px; }
svg.chart { max-width: 100%; height: auto; font-family: inherit; background: #fff; }
svg.chart .frame { fill: #fff; stroke: var(--line); }
svg.chart .grid { stroke: #eaeef2; }
svg.chart .tick { font-size: 11px; fill: var(--muted); }
svg.chart .axis-label { font-size: 11px; fill: var(--muted); font-style: italic; }
svg .real-line { fill: none; stroke: var(--real); stroke-width: 2.5; }
svg .real { fill: var(--real); stroke: #fff; stroke-width: 1.5; }
svg .target-line { fill: none; stroke: var(--target); stroke-width: 1.5; stroke-dasharray: 5 4; opacity: .7; }
svg .target { fill: var(--target); stroke: #fff; stroke-width: 1; }
svg .target.fallback { fill: #fff; stroke: var(--target); stroke-width: 1.8; }
svg .target-range line { stroke: var(--target); stroke-width: 2.5; }
svg .target-range.fallback line { stroke-dasharray: 3 2; }
svg .target-earlier { fill: #fff; stroke: #8c959f; stroke-width: 1.8; }
svg .revision-link { stroke: #d4a72c; stroke-width: 2; stroke-dasharray: 2 3; }
.status { font-weight: 600; border-radius: 4px; }
span.status { white-space: nowrap; }
.status-met { color: #116329; background: #dafbe1; }
.status-not_met { color: #a40e26; background: #ffebe9; }
.status-no_realisation { color: #3d444d; background: #eaeef2; font-weight: 400; }
.status-no_target { color: #59636e; background: #fff; font-weight: 400; }
.status-not_comparable { color: #7d4e00; background: #fff8c5; font-weight: 400; }
span.status { padding: 0 5px; }
td.hl-revised { background: #fff8c5; font-weight: 700; }
td.hl-below { background: #fff1e5; color: #953800; font-weight: 700; }
td.revised { background: #fff8c5; box-shadow: inset 0 -3px 0 #d4a72c; }
.fallback-mark { color: var(--target); font-weight: 700; }
ul.notes { list-style: none; padding: 0; margin: 10px 0 0; font-size: 13px; }
ul.notes li { margin: 3px 0; padding: 3px 8px; border-left: 4px solid var(--line); background: var(--soft); }
ul.notes li.revision { border-left-color: #d4a72c; background: #fff8c5; }
ul.notes li.flag-less_ambitious { border-left-color: #bc4c00; background: #fff1e5; }
ul.notes li.flag-more_ambitious { border-left-color: #0969da; background: #ddf4ff; }
ul.notes li.flag-same_as_achieved { border-left-color: #8c959f; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; font-size: 13px; margin: 14px 0;
  padding: 8px 12px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; }
.legend svg { vertical-align: middle; }
.overview { display: flex; flex-wrap: wrap; gap: 12px 32px; align-items: flex-start; margin-top: 16px; }
.overview nav.toc { flex: 1 1 420px; }
nav.toc ol { margin: 6px 0; padding-left: 22px; font-size: 14px; }
.attention { max-width: 600px; margin-top: 14px; padding: 6px 12px; background: #fff8c5; border-left: 4px solid #d4a72c; }
.attention ul { margin: 4px 0; padding-left: 18px; font-size: 14px; }
.summary-table th[scope=row] { background: var(--soft); white-space: nowrap; }
footer { color: var(--muted); font-size: 12px; margin-top: 30px; padding-top: 10px; padding-bottom: 24px;
  border-top: 1px solid var(--line); }
@media print {
  body { font-size: 11pt; }
  nav.crumbs, nav.toc { display: none; }
  a { color: inherit; text-decoration: none; }
  header.page, main, footer { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
}
"""


def page(title: str, header: str, body: str, marts: Marts) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header class="page">\n{header}\n</header>\n<main>\n{body}\n</main>\n'
        f"<footer>{generated_line(marts)}</footer>\n</body>\n</html>\n"
    )


def generated_line(marts: Marts) -> str:
    text = "Generated from the published marts"
    info = marts.publication
    if info and info.get("published_at") is not None:
        published = info["published_at"]
        stamp = (
            published.strftime("%Y-%m-%d %H:%M:%S %Z") if hasattr(published, "strftime") else str(published)
        )
        text += f" of {stamp}"
        if info.get("run_id"):
            text += f" (run {info['run_id']})"
    return (
        esc(text) + ". Figures as published in the PAP/RAP documents; hover a point for its source document."
    )


LEGEND = (
    '<div class="legend" aria-label="Legend">'
    '<span><svg width="34" height="14" aria-hidden="true"><line x1="2" y1="7" x2="32" y2="7" stroke="#0969da" '
    'stroke-width="2.5"/><circle cx="17" cy="7" r="4.5" fill="#0969da" stroke="#fff" stroke-width="1.5"/></svg>'
    " realisation</span>"
    '<span><svg width="16" height="14" aria-hidden="true"><path d="M8,1.5 L13.5,7 L8,12.5 L2.5,7 Z" '
    'fill="#bc4c00"/></svg> target</span>'
    '<span><svg width="16" height="14" aria-hidden="true"><path d="M8,1 L14,11 L2,11 Z" fill="#bc4c00"/></svg>'
    '/<svg width="16" height="14" aria-hidden="true"><path d="M8,13 L14,3 L2,3 Z" fill="#bc4c00"/></svg>'
    " bound (at least / at most)</span>"
    '<span><svg width="16" height="14" aria-hidden="true"><path d="M8,1.5 L13.5,7 L8,12.5 L2.5,7 Z" fill="#fff" '
    'stroke="#bc4c00" stroke-width="1.8"/></svg> fallback target <span class="fallback-mark">*</span></span>'
    '<span><svg width="16" height="14" aria-hidden="true"><path d="M8,2.5 L12.5,7 L8,11.5 L3.5,7 Z" fill="#fff" '
    'stroke="#8c959f" stroke-width="1.8"/></svg> value replaced by a revision</span>'
    '<span><span class="status status-met">✓ met</span> <span class="status status-not_met">✗ not met</span> '
    '<span class="status status-no_realisation">… no realisation</span> '
    '<span class="status status-no_target">– no target</span> '
    '<span class="status status-not_comparable">≠ not comparable</span></span>'
    "</div>"
)


def status_badge(status: str | None) -> str:
    if not status:
        return ""
    symbol, text = STATUS_TEXT.get(status, ("", status))
    return f'<span class="status status-{esc(status)}">{esc(symbol)} {esc(text)}</span>'


def share_cell(row: dict | None) -> str:
    if not row or (not row["targets_set"] and not row["assessed"]):
        return '<td class="share muted">·</td>'
    tip = (
        f"{row['year']}: {row['targets_set']} targets set, {row['assessed']} assessed, {row['met']} met, "
        f"{row['not_met']} not met, {row['no_realisation']} without realisation, "
        f"{row['not_comparable']} not comparable, {row['fallback_targets']} fallback targets"
    )
    if row["share_met"] is None:
        return (
            f'<td class="share" title="{esc(tip)}"><span class="muted">n/a</span>'
            f'<span class="of">{row["targets_set"]} targets</span></td>'
        )
    return (
        f'<td class="share" title="{esc(tip)}"><span class="pct">{round(row["share_met"] * 100)} %</span>'
        f'<span class="of">{row["met"]}/{row["assessed"]} met</span></td>'
    )


def revision_text(marts: Marts, r: dict) -> str:
    kind = KIND_TEXT.get(r["value_kind"], r["value_kind"])
    text = (
        f"{r['year']} {kind} revised {r['first_raw']} → {r['latest_raw']} "
        f"({document_label(marts, r['first_document_id'])} → {document_label(marts, r['latest_document_id'])})"
    )
    if (r["distinct_values"] or 0) > 2:
        text += f"; every vintage: {r['values_by_vintage']}"
    return text


def trajectory_text(status: str, year: int, raw: str | None, items: list[dict]) -> str:
    """'⚠ less ambitious than achieved (2023 realisation 6): 2025 target 5 (-16,7 %), 2026 target 5* …'"""
    symbol, verdict = TRAJECTORY_TEXT[status]
    parts = []
    for t in items:
        text = f"{t['target_year']} target {t['target_raw']}" + ("*" if t["is_fallback_target"] else "")
        if t["implied_change_pct"] is not None and status != "same_as_achieved":
            pct = fmt_num(round(t["implied_change_pct"], 1))
            text += f" ({'' if pct.startswith('-') else '+'}{pct} %)"
        parts.append(text)
    return f"{symbol} {verdict} ({year} realisation {raw}): " + ", ".join(parts)


def measure_block(marts: Marts, m: Measure, anchor: str) -> tuple[str, bool]:
    r = m.row
    label = r.get("measure_label") or m.key
    chart = render_chart(marts, m)
    unit = r.get("unit_raw") or r.get("unit") or ""
    direction = DIRECTION_TEXT.get(r.get("direction") or "", r.get("direction") or "")
    if r.get("direction") == "target":
        if r.get("tolerance_abs") is not None:
            direction += f" (± {fmt_num(r['tolerance_abs'])})"
        elif r.get("tolerance_relative") is not None:
            direction += f" (± {fmt_num(r['tolerance_relative'] * 100)} %)"
    meta = [
        f'key <span class="code">{esc(m.key)}</span>',
        f"unit <strong>{esc(unit)}</strong> ({esc(r.get('unit_family'))})",
        f"direction <strong>{esc(direction)}</strong>"
        + (
            f" <span class='muted'>({esc(r.get('direction_source'))})</span>"
            if r.get("direction_source")
            else ""
        ),
    ]
    if r.get("mission_indicator_code"):
        meta.append(
            f'also printed by mission indicator <span class="code">{esc(r["mission_indicator_code"])}</span>'
        )
    if r.get("crosswalked_from_keys"):
        meta.append(f'continues <span class="code">{esc(r["crosswalked_from_keys"])}</span>')
    first, last = r.get("first_vintage_year"), r.get("last_vintage_year")
    if first is not None:
        span = f"{first}" if first == last else f"{first}–{last}"
        meta.append(f"printed by {esc(r.get('n_documents'))} document(s), vintages {esc(span)}")

    revised_cells = {(rv["year"], rv["value_kind"]): rv for rv in m.revisions}
    head = "".join(f'<th scope="col">{y}</th>' for y in marts.years)
    real_cells, target_cells, status_cells = [], [], []
    for year in marts.years:
        a = m.attainment.get(year)
        if a is None:
            real_cells.append("<td></td>")
            target_cells.append("<td></td>")
            status_cells.append(f'<td data-year="{year}"></td>')
            continue
        rv = revised_cells.get((year, "realisation"))
        cls = ' class="revised"' if rv else ""
        tip = f' title="{esc(rv["values_by_vintage"])}"' if rv else ""
        real_cells.append(f"<td{cls}{tip}>{esc(a['realisation_raw'] or '')}</td>")
        rv = revised_cells.get((year, "target"))
        basis = BASIS_TEXT.get(a["target_basis"] or "", a["target_basis"] or "")
        tip_text = f"{basis}; {a['target_document_id']}" if a["target_document_id"] else ""
        if rv:
            tip_text += f" — revised: {rv['values_by_vintage']}"
        mark = (
            '<span class="fallback-mark" aria-label="fallback target">*</span>'
            if a["is_fallback_target"]
            else ""
        )
        cls = ' class="revised"' if rv else ""
        tip = f' title="{esc(tip_text)}"' if tip_text else ""
        target_cells.append(f"<td{cls}{tip}>{esc(a['target_raw'] or '')}{mark}</td>")
        status = a["attainment_status"]
        why = STATUS_HELP.get(status, "")
        if a["attainment_ratio"] is not None:
            why += f"; ratio {fmt_num(round(a['attainment_ratio'], 3))}"
        if a["attainment_rule"]:
            why += f"; rule {a['attainment_rule']}"
        status_cells.append(
            f'<td class="status status-{esc(status)}" data-year="{year}" data-status="{esc(status)}" '
            f'title="{esc(why)}">{esc(STATUS_TEXT.get(status, ("", status))[0])} '
            f"{esc(STATUS_TEXT.get(status, ('', status))[1])}</td>"
        )
    table = (
        '<table class="years"><colgroup><col class="rowhead"></colgroup><thead><tr><th></th>'
        + head
        + "</tr></thead><tbody>"
        '<tr><th scope="row">Realisation</th>' + "".join(real_cells) + "</tr>"
        '<tr><th scope="row">Target</th>' + "".join(target_cells) + "</tr>"
        '<tr><th scope="row">Attainment</th>' + "".join(status_cells) + "</tr>"
        "</tbody></table>"
    )
    notes = [f'<li class="revision">↺ {esc(revision_text(marts, rv))}</li>' for rv in m.revisions]
    assessed = [t for t in m.trajectory if t["trajectory_status"] in TRAJECTORY_TEXT]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for t in assessed:
        groups[(t["trajectory_status"], t["last_realisation_year"], t["last_realisation_raw"])].append(t)
    for status in TRAJECTORY_TEXT:
        for (st, year, raw), items in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2] or "")):
            if st != status:
                continue
            years = " ".join(str(t["target_year"]) for t in items)
            notes.append(
                f'<li class="flag flag-{esc(st)}" data-target-years="{years}">'
                f"{esc(trajectory_text(st, year, raw, items))}</li>"
            )
    skipped = len(m.trajectory) - len(assessed)
    if skipped:
        notes.append(
            f'<li class="flag flag-not_assessed muted">{skipped} later target(s) not assessed against the last '
            "realisation (not a number, or direction target/unknown)</li>"
        )
    if not chart:
        printed = sorted({a["realisation_raw"] or "" for a in m.attainment.values()} - {""})
        chart_html = (
            '<div class="nochart">No number to chart'
            + (f" (printed: {esc(', '.join(printed))})" if printed else "")
            + ".</div>"
        )
    else:
        chart_html = chart
    block = (
        f'<article class="measure" id="{esc(anchor)}" data-measure="{esc(m.key)}">'
        f'<h4 lang="fr">{esc(label)}</h4><p class="meta">{" · ".join(meta)}</p>'
        f'<div class="body">{chart_html}<div class="values">{table}'
        + (f'<ul class="notes">{"".join(notes)}</ul>' if notes else "")
        + "</div></div></article>"
    )
    return block, chart is not None


def measures_body(marts: Marts, measures: list[Measure]) -> tuple[str, str, str, int]:
    """Objectives > indicators > measures, in printed order: (table of contents, measures to look at first, body, charts drawn)."""
    by_objective: dict[str, dict[str, list[Measure]]] = defaultdict(lambda: defaultdict(list))
    for m in measures:
        indicator = m.row.get("indicator_code") or ""
        objective = (
            m.row.get("objective_code") or marts.indicators.get(indicator, {}).get("objective_code") or ""
        )
        by_objective[objective][indicator].append(m)

    def objective_order(code: str) -> tuple:
        o = marts.objectives.get(code, {})
        return (0 if o.get("sector_type") == "programme" else 1, natural_key(o.get("objective_number")), code)

    def indicator_order(code: str) -> tuple:
        return (natural_key(marts.indicators.get(code, {}).get("indicator_number")), code)

    toc, parts, charts, anchors, attention = [], [], 0, set(), []
    for objective in sorted(by_objective, key=objective_order):
        o = marts.objectives.get(objective, {})
        level = "Mission objective" if o.get("sector_type") == "mission" else "Objective"
        o_anchor = f"o-{slug(objective)}"
        number = o.get("objective_number") or "?"
        o_label = o.get("objective_label") or "(objective not described)"
        toc.append(
            f'<li><a href="#{esc(o_anchor)}">{esc(level)} {esc(number)}</a> <span lang="fr">{esc(o_label)}</span></li>'
        )
        parts.append(
            f'<section class="objective" id="{esc(o_anchor)}"><h2>{esc(level)} {esc(number)} — '
            f'<span lang="fr">{esc(o_label)}</span> <span class="code">{esc(objective)}</span></h2>'
        )
        for indicator in sorted(by_objective[objective], key=indicator_order):
            i = marts.indicators.get(indicator, {})
            persp = (
                f' <span class="muted">(point of view: {esc(i["perspective"])})</span>'
                if i.get("perspective")
                else ""
            )
            parts.append(
                f'<section class="indicator" id="i-{esc(slug(indicator))}"><h3>Indicator {esc(i.get("indicator_number") or "?")} — '
                f'<span lang="fr">{esc(i.get("indicator_label") or "")}</span> <span class="code">{esc(indicator)}</span>{persp}</h3>'
            )
            items = sorted(
                by_objective[objective][indicator],
                key=lambda m: (m.row.get("measure_position") or 0, natural_key(m.key)),
            )
            for m in items:
                anchor = f"m-{slug(m.key)}"
                while anchor in anchors:
                    anchor += "_"
                anchors.add(anchor)
                block, drawn = measure_block(marts, m, anchor)
                charts += drawn
                parts.append(block)
                why = []
                if any(r["value_kind"] in ("target", "realisation") for r in m.revisions):
                    why.append("↺ revised")
                if any(t["trajectory_status"] == "less_ambitious" for t in m.trajectory):
                    why.append("⚠ target below achieved")
                if any(a["attainment_status"] == "not_met" for a in m.attainment.values()):
                    why.append("✗ not met")
                if why:
                    attention.append(
                        f'<li><a href="#{esc(anchor)}">{esc(m.row.get("indicator_number") or "")}</a> '
                        f'<span lang="fr">{esc(m.row.get("measure_label") or m.key)}</span> — '
                        f"<strong>{esc(', '.join(why))}</strong></li>"
                    )
            parts.append("</section>")
        parts.append("</section>")
    toc_html = (
        f'<nav class="toc" aria-label="Objectives"><strong>Objectives</strong><ol>{"".join(toc)}</ol></nav>'
        if toc
        else ""
    )
    attention_html = (
        f'<div class="attention"><strong>Look here first</strong><ul>{"".join(attention)}</ul></div>'
        if attention
        else ""
    )
    return toc_html, attention_html, LEGEND + "".join(parts), charts


def summary_table(marts: Marts, programme_code: str) -> str:
    rows = marts.scorecard.get(programme_code, {})
    if not rows:
        return '<p class="muted">No measure-year to assess for this programme.</p>'
    years = [y for y in marts.years if y in rows]
    fields = [
        ("targets_set", "targets set"),
        ("assessed", "assessed (met + not met)"),
        ("met", "met"),
        ("not_met", "not met"),
        ("no_realisation", "no realisation"),
        ("not_comparable", "not comparable"),
        ("fallback_targets", "fallback targets"),
    ]
    head = "".join(f'<th scope="col" class="num">{y}</th>' for y in years)
    body = "".join(
        f'<tr><th scope="row">{esc(text)}</th>'
        + "".join(f'<td class="num">{rows[y][name]}</td>' for y in years)
        + "</tr>"
        for name, text in fields
    )
    share = "".join(
        f'<td class="num">{"" if rows[y]["share_met"] is None else str(round(rows[y]["share_met"] * 100)) + " %"}</td>'
        for y in years
    )
    return (
        '<table class="summary-table"><caption class="muted" style="text-align:left">Attainment by year '
        f"(rpt_programme_scorecard)</caption><thead><tr><th></th>{head}</tr></thead><tbody>{body}"
        f'<tr><th scope="row">share met</th>{share}</tr></tbody></table>'
    )


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def render_scorecard(marts_db: Path, out_dir: Path) -> dict:
    """Write out_dir/index.html and one page per programme (and per mission for mission-level measures
    that name no programme). Returns counts: pages (programme pages), mission_pages, measures, charts."""
    marts = load_marts(marts_db)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_programme: dict[str, list[Measure]] = defaultdict(list)
    by_mission: dict[str, list[Measure]] = defaultdict(list)
    for m in marts.measures:
        if m.row.get("programme_code"):
            by_programme[m.row["programme_code"]].append(m)
        else:
            by_mission[m.row.get("mission_code") or "unknown"].append(m)

    written: set[str] = {"index.html"}
    charts = measures_done = 0
    codes = [p["programme_code"] for p in marts.programmes]
    for n, p in enumerate(marts.programmes):
        code = p["programme_code"]
        measures = by_programme.get(code, [])
        toc, attention, body, drawn = (
            measures_body(marts, measures) if measures else ("", "", '<p class="muted">No measure.</p>', 0)
        )
        charts += drawn
        measures_done += len(measures)
        mission = (
            f'mission <span lang="fr">{esc(p["mission_label"])}</span> <span class="code">{esc(p["mission_code"])}</span>'
            if p.get("mission_code")
            else "mission not printed by the sources"
        )
        prev_link = f'<a href="{esc(slug(codes[n - 1]))}.html">← {esc(codes[n - 1])}</a>' if n > 0 else ""
        next_link = (
            f'<a href="{esc(slug(codes[n + 1]))}.html">{esc(codes[n + 1])} →</a>'
            if n + 1 < len(codes)
            else ""
        )
        header = (
            f'<nav class="crumbs"><a href="index.html">↑ All programmes</a>{prev_link}{next_link}</nav>'
            f'<h1><span class="code">{esc(code)}</span> <span lang="fr">{esc(p["programme_label"])}</span></h1>'
            f'<p class="sub">{mission}'
            + (f' · budget <span class="code">{esc(p["budget_type"])}</span>' if p.get("budget_type") else "")
            + f" · {len(measures)} measures, {len({m.row.get('indicator_code') for m in measures})} indicators</p>"
        )
        name = f"{slug(code)}.html"
        _write(
            out_dir / name,
            page(
                f"{esc(code)} · {esc(p['programme_label'])} — LOLF scorecard",
                header,
                f'<div class="overview"><div>{summary_table(marts, code)}{attention}</div>{toc}</div>{body}',
                marts,
            ),
        )
        written.add(name)

    mission_rows = []
    for mission_code in sorted(by_mission, key=natural_key):
        measures = by_mission[mission_code]
        toc, attention, body, drawn = measures_body(marts, measures)
        body = f'<div class="overview"><div>{attention}</div>{toc}</div>{body}'
        charts += drawn
        measures_done += len(measures)
        label = marts.missions.get(mission_code, "")
        name = f"mission-{slug(mission_code)}.html"
        header = (
            '<nav class="crumbs"><a href="index.html">↑ All programmes</a></nav>'
            f'<h1>Mission <span class="code">{esc(mission_code)}</span> <span lang="fr">{esc(label)}</span></h1>'
            f'<p class="sub">Mission-level measures that name no owning programme · {len(measures)} measures</p>'
        )
        _write(out_dir / name, page(f"Mission {esc(mission_code)} — LOLF scorecard", header, body, marts))
        written.add(name)
        mission_rows.append(
            f'<tr><td><a href="{esc(name)}"><span class="code">{esc(mission_code)}</span></a></td>'
            f'<td lang="fr">{esc(label)}</td><td class="num">{len(measures)}</td></tr>'
        )

    # Index.
    head = "".join(f'<th scope="col">{y}</th>' for y in marts.years)
    rows = []
    for p in marts.programmes:
        code = p["programme_code"]
        cells = "".join(share_cell(marts.scorecard.get(code, {}).get(y)) for y in marts.years)
        mission = (
            f'<span lang="fr">{esc(p["mission_label"])}</span> <span class="code">{esc(p["mission_code"])}</span>'
            if p.get("mission_code")
            else '<span class="muted">—</span>'
        )
        own = by_programme.get(code, [])
        n_revised = sum(1 for m in own if m.revisions)
        n_below = sum(1 for m in own if any(t["trajectory_status"] == "less_ambitious" for t in m.trajectory))
        rows.append(
            f'<tr><td><a href="{esc(slug(code))}.html"><span class="code">{esc(code)}</span></a></td>'
            f'<td lang="fr"><a href="{esc(slug(code))}.html">{esc(p["programme_label"])}</a></td>'
            f'<td>{mission}</td><td class="num">{len(own)}</td>{cells}'
            f'<td class="num{" hl-revised" if n_revised else ""}">{n_revised or ""}</td>'
            f'<td class="num{" hl-below" if n_below else ""}">{n_below or ""}</td></tr>'
        )
    statuses: dict[str, int] = defaultdict(int)
    for m in marts.measures:
        for a in m.attainment.values():
            statuses[a["attainment_status"]] += 1
    status_line = " ".join(f"{status_badge(s)}&nbsp;{statuses[s]}" for s in STATUS_TEXT if statuses.get(s))
    revised = sum(1 for m in marts.measures if m.revisions)
    less = sum(
        1 for m in marts.measures if any(t["trajectory_status"] == "less_ambitious" for t in m.trajectory)
    )
    header = (
        "<h1>LOLF performance scorecard</h1>"
        f'<p class="sub">{len(marts.programmes)} programmes · {len(marts.measures)} measures · '
        f"{revised} measures with revised values · {less} measures with a target set below what was achieved</p>"
    )
    body = (
        f"<p>Measure-years by attainment: {status_line}</p>"
        "<h2>Programmes</h2>"
        '<p class="muted">Per year: share of the assessed measure-years that met their target (met / assessed); '
        "“n/a” when no target could be assessed that year (the number of targets set is shown below). "
        "<strong>Revised</strong>: measures whose published values changed between vintages. "
        "<strong>Target below achieved</strong>: measures with a later target less ambitious than the last "
        "realisation. Open a programme for its charts.</p>"
        '<table class="programmes"><thead><tr><th scope="col">Code</th><th scope="col">Programme</th>'
        f'<th scope="col">Mission</th><th scope="col" class="num">Measures</th>{head}'
        '<th scope="col" class="num" title="measures with a value revised between vintages">Revised</th>'
        '<th scope="col" class="num" title="measures with a later target set below the last realisation '
        '(above it for a lower-is-better measure)">Target below achieved</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    if mission_rows:
        body += (
            "<h2>Mission-level measures without a programme</h2>"
            '<table><thead><tr><th scope="col">Mission</th><th scope="col">Label</th>'
            f'<th scope="col" class="num">Measures</th></tr></thead><tbody>{"".join(mission_rows)}</tbody></table>'
        )
    _write(out_dir / "index.html", page("LOLF performance scorecard", header, body, marts))

    # Pages of programmes or missions that are gone.
    for stale in out_dir.glob("*.html"):
        if stale.name not in written:
            stale.unlink()
    return {
        "pages": len(marts.programmes),
        "mission_pages": len(mission_rows),
        "measures": measures_done,
        "charts": charts,
    }


def main(argv: list[str] | None = None) -> int:
    import sys
    import time

    from orchestration.lib.settings import load_settings

    args = sys.argv[1:] if argv is None else argv
    settings = load_settings()
    marts_db = Path(args[0]) if args else settings.marts_path
    out_dir = Path(args[1]) if len(args) > 1 else settings.reports_dir / "scorecard"
    start = time.perf_counter()
    counts = render_scorecard(marts_db, out_dir)
    print(f"{out_dir / 'index.html'}: {counts} in {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
