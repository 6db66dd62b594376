"""The scorecard's pages: what each page shows, put into its Jinja2 template, written to disk.

Owns the Jinja2 environment (templates under `templates/`, autoescape on for every template, strict
undefined), the views of a measure (its years, verdicts beside the official ones, revisions,
trajectory flags, chart) and of a page's objectives and indicators, and `render_scorecard`, which
writes `index.html`, one page per programme and one page per mission, the CSV file of every table
they show (`tables.py`) and the filters' script `scorecard.js`, and removes the pages and CSV files
of programmes or missions that are gone. A programme or mission page whose content did not change
since the last rendering is not rendered again (`page_cache.py`). Texts from the sources reach the
templates as plain strings: the templates escape them, attribute values included.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import charts, tables
from .data import Marts, Measure, Mission, document_label, load_marts, programme_page
from .page_cache import PageCache
from .vocabulary import (
    BASIS_TEXT,
    DIRECTION_SOURCE_TEXT,
    KIND_TEXT,
    REASON_TEXT,
    STATUS_HELP,
    TRAJECTORY_TEXT,
    VERDICT_HELP,
    VERDICT_TEXT,
    direction_text,
    fmt_num,
    fmt_pct,
    natural_key,
    slug,
    verdict_text,
)

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("orchestration.lib.publish.scorecard", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ENV.filters.update(
    num=fmt_num,
    pct=fmt_pct,
    verdict=verdict_text,
    symbol=lambda code: VERDICT_TEXT.get(code, (code,))[0],
    programme_page=programme_page,
)
ENV.globals.update(VERDICTS=list(VERDICT_TEXT))


# --- a measure -------------------------------------------------------------------------------------


@dataclass
class YearCell:
    year: int
    realisation: str
    realisation_tip: str
    realisation_revised: bool
    target: str
    target_tip: str
    target_revised: bool
    fallback: bool
    verdict: str
    verdict_tip: str
    official_raw: str | None
    official_verdict: str | None
    agrees: bool | None
    official_tip: str


@dataclass
class Note:
    cls: str
    text: str
    target_years: str = ""


@dataclass
class MeasureView:
    anchor: str
    key: str
    label: str
    unit: str
    unit_family: str
    direction: str
    direction_source: str
    direction_source_text: str
    mission_indicator_code: str
    crosswalked_from_keys: str
    n_documents: object
    vintages: str
    chart: charts.MeasureChart | None
    printed: list[str]
    cells: list[YearCell]
    has_official: bool
    notes: list[Note]
    attention: list[str]
    csv: tables.Link | None = None


def _year_cell(marts: Marts, a: dict, revised: dict[tuple[int, str], dict]) -> YearCell:
    year = a["year"]
    real_rev = revised.get((year, "realisation"))
    target_rev = revised.get((year, "target"))
    basis = BASIS_TEXT.get(a["target_basis"] or "", a["target_basis"] or "")
    target_tip = f"{basis}; {a['target_document_id']}" if a["target_document_id"] else ""
    if target_rev:
        target_tip += f" — revised: {target_rev['values_by_vintage']}"
    verdict = a["verdict"] or ""
    reason = REASON_TEXT.get(a["verdict_reason"] or "", a["verdict_reason"] or "")
    verdict_tip = (
        f"{VERDICT_HELP.get(verdict, verdict)}: {reason}" if reason else VERDICT_HELP.get(verdict, "")
    )
    verdict_tip += f" (attainment {a['attainment_status']}: {STATUS_HELP.get(a['attainment_status'], '')}"
    if a["attainment_ratio"] is not None:
        verdict_tip += f"; ratio {fmt_num(round(a['attainment_ratio'], 3))}"
    verdict_tip += f"; direction from {a['direction_source'] or 'none'})"
    official_tip = ""
    if a["official_verdict_raw"] is not None:
        printed = a["official_verdict_raw"] or "an empty cell"
        source = document_label(marts, a["official_verdict_document_id"])
        official_tip = f"{source} prints “{printed}”"
        if a["official_verdict"] in VERDICT_TEXT:
            official_tip += f" ({VERDICT_TEXT[a['official_verdict']][1]})"
        if a["agrees_with_official"] is not None:
            same = "the same as" if a["agrees_with_official"] else "not"
            official_tip += f"; ours is {verdict_text(verdict)}: {same} the official verdict"
        official_tip += f" — {a['official_verdict_source_file']}, line {a['official_verdict_source_line']}"
    return YearCell(
        year=year,
        realisation=a["realisation_raw"] or "",
        realisation_tip=real_rev["values_by_vintage"] if real_rev else "",
        realisation_revised=real_rev is not None,
        target=a["target_raw"] or "",
        target_tip=target_tip,
        target_revised=target_rev is not None,
        fallback=bool(a["is_fallback_target"]),
        verdict=verdict,
        verdict_tip=verdict_tip,
        official_raw=a["official_verdict_raw"],
        official_verdict=a["official_verdict"],
        agrees=a["agrees_with_official"],
        official_tip=official_tip,
    )


def revision_text(marts: Marts, r: dict) -> str:
    kind = KIND_TEXT.get(r["value_kind"], r["value_kind"])
    text = (
        f"↺ {r['year']} {kind} revised {r['first_raw']} → {r['latest_raw']} "
        f"({document_label(marts, r['first_document_id'])} → {document_label(marts, r['latest_document_id'])})"
    )
    if (r["distinct_values"] or 0) > 2:
        text += f"; every vintage: {r['values_by_vintage']}"
    return text


def trajectory_notes(m: Measure) -> list[Note]:
    """'⚠ less ambitious than achieved (2023 realisation 6): 2025 target 5 (-16,7 %), 2026 target 5* …'"""
    assessed = [t for t in m.trajectory if t["trajectory_status"] in TRAJECTORY_TEXT]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for t in assessed:
        groups[(t["trajectory_status"], t["last_realisation_year"], t["last_realisation_raw"])].append(t)
    notes = []
    for status, (symbol, verdict) in TRAJECTORY_TEXT.items():
        for (st, year, raw), items in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2] or "")):
            if st != status:
                continue
            parts = []
            for t in items:
                text = f"{t['target_year']} target {t['target_raw']}" + (
                    "*" if t["is_fallback_target"] else ""
                )
                if t["implied_change_pct"] is not None and status != "same_as_achieved":
                    pct = fmt_num(round(t["implied_change_pct"], 1))
                    text += f" ({'' if pct.startswith('-') else '+'}{pct} %)"
                parts.append(text)
            notes.append(
                Note(
                    f"flag flag-{status}",
                    f"{symbol} {verdict} ({year} realisation {raw}): " + ", ".join(parts),
                    " ".join(str(t["target_year"]) for t in items),
                )
            )
    skipped = len(m.trajectory) - len(assessed)
    if skipped:
        notes.append(
            Note(
                "flag flag-not_assessed muted",
                f"{skipped} later target(s) not assessed against the last realisation (not a number, or "
                "direction target/unknown)",
            )
        )
    return notes


def measure_view(marts: Marts, m: Measure, anchor: str) -> MeasureView:
    r = m.row
    unit = r.get("unit_raw") or r.get("unit") or ""
    revised = {(rv["year"], rv["value_kind"]): rv for rv in m.revisions}
    cells = [_year_cell(marts, m.attainment[year], revised) for year in sorted(m.attainment)]
    disagreements = [c for c in cells if c.agrees is False]
    notes = [Note("revision", revision_text(marts, rv)) for rv in m.revisions]
    if disagreements:
        notes.append(
            Note(
                "disagreement",
                "≠ our verdict differs from the RAP's: "
                + ", ".join(
                    f"{c.year} ours {verdict_text(c.verdict)}, RAP {c.official_raw or '(empty)'}"
                    for c in disagreements
                ),
            )
        )
    notes += trajectory_notes(m)
    chart = charts.measure_chart(m.key, m.label, unit, m.attainment, m.revisions)
    first, last = r.get("first_vintage_year"), r.get("last_vintage_year")
    why = []
    if any(rv["value_kind"] in ("target", "realisation") for rv in m.revisions):
        why.append("↺ revised")
    if any(t["trajectory_status"] == "less_ambitious" for t in m.trajectory):
        why.append("⚠ target below achieved")
    if disagreements:
        why.append("≠ verdict differs from the RAP's")
    source = r.get("direction_source") or "none"
    return MeasureView(
        anchor=anchor,
        key=m.key,
        label=m.label,
        unit=unit,
        unit_family=r.get("unit_family") or "",
        direction=direction_text(r),
        direction_source=source,
        direction_source_text=DIRECTION_SOURCE_TEXT.get(source, source),
        mission_indicator_code=r.get("mission_indicator_code") or "",
        crosswalked_from_keys=r.get("crosswalked_from_keys") or "",
        n_documents=r.get("n_documents"),
        vintages="" if first is None else (f"{first}" if first == last else f"{first}–{last}"),
        chart=chart,
        printed=sorted({a["realisation_raw"] or "" for a in m.attainment.values()} - {""}),
        cells=cells,
        has_official=m.has_official_verdict,
        notes=notes,
        attention=why,
    )


# --- a page's measures -----------------------------------------------------------------------------


@dataclass
class IndicatorView:
    code: str
    anchor: str
    number: str
    label: str
    perspective: str
    measures: list[MeasureView] = field(default_factory=list)


@dataclass
class ObjectiveView:
    code: str
    anchor: str
    level: str
    number: str
    label: str
    indicators: list[IndicatorView] = field(default_factory=list)


@dataclass
class Attention:
    anchor: str
    number: str
    label: str
    why: list[str]


@dataclass
class Body:
    objectives: list[ObjectiveView]
    attention: list[Attention]
    charts: int


def measures_body(marts: Marts, measures: list[Measure]) -> Body:
    """Objectives > indicators > measures, in printed order, and the measures to look at first."""
    grouped: dict[str, dict[str, list[Measure]]] = defaultdict(lambda: defaultdict(list))
    for m in measures:
        indicator = m.row.get("indicator_code") or ""
        objective = (
            m.row.get("objective_code") or marts.indicators.get(indicator, {}).get("objective_code") or ""
        )
        grouped[objective][indicator].append(m)

    def objective_order(code: str) -> tuple:
        o = marts.objectives.get(code, {})
        return (0 if o.get("sector_type") == "programme" else 1, natural_key(o.get("objective_number")), code)

    def indicator_order(code: str) -> tuple:
        return (natural_key(marts.indicators.get(code, {}).get("indicator_number")), code)

    body = Body([], [], 0)
    anchors: set[str] = set()
    for objective in sorted(grouped, key=objective_order):
        o = marts.objectives.get(objective, {})
        o_view = ObjectiveView(
            code=objective,
            anchor=f"o-{slug(objective)}",
            level="Mission objective" if o.get("sector_type") == "mission" else "Objective",
            number=o.get("objective_number") or "?",
            label=o.get("objective_label") or "(objective not described)",
        )
        body.objectives.append(o_view)
        for indicator in sorted(grouped[objective], key=indicator_order):
            i = marts.indicators.get(indicator, {})
            i_view = IndicatorView(
                code=indicator,
                anchor=f"i-{slug(indicator)}",
                number=i.get("indicator_number") or "?",
                label=i.get("indicator_label") or "",
                perspective=i.get("perspective") or "",
            )
            o_view.indicators.append(i_view)
            items = sorted(
                grouped[objective][indicator],
                key=lambda m: (m.row.get("measure_position") or 0, natural_key(m.key)),
            )
            for m in items:
                anchor = f"m-{slug(m.key)}"
                while anchor in anchors:
                    anchor += "_"
                anchors.add(anchor)
                view = measure_view(marts, m, anchor)
                body.charts += view.chart is not None
                i_view.measures.append(view)
                if view.attention:
                    body.attention.append(
                        Attention(anchor, m.row.get("indicator_number") or "", view.label, view.attention)
                    )
    return body


@dataclass
class IndexMeasure:
    """A row of the index's table of measures."""

    mission_code: str | None
    programme_code: str | None
    indicator_number: str
    key: str
    label: str
    unit: str
    href: str
    verdicts: dict[int, str]


def _index_measures(page: str, body: Body, measures: list[Measure], mission: Mission) -> list[IndexMeasure]:
    """The measures of one page, in the page's order, with the anchor the page gives each."""
    found = {m.key: m for m in measures}
    items = []
    for o in body.objectives:
        for i in o.indicators:
            for v in i.measures:
                row = found[v.key].row
                items.append(
                    IndexMeasure(
                        mission_code=mission.code,
                        programme_code=row.get("programme_code"),
                        indicator_number=i.number,
                        key=v.key,
                        label=v.label,
                        unit=v.unit,
                        href=f"{page}#{v.anchor}",
                        verdicts={c.year: c.verdict for c in v.cells},
                    )
                )
    return items


def _measure_csvs(writer: tables.CsvWriter, page: str, body: Body, years: list[int]) -> None:
    """csv/<page>.measures.csv: every measure's years table, one after the other; each measure links
    to its rows."""
    views = [v for o in body.objectives for i in o.indicators for v in i.measures if v.cells]
    if not views:
        return
    parts = [tables.measure_year_rows(years, v) for v in views]
    link = writer.write(
        f"{page[:-5]}.measures.csv", tables.measure_year_header(years), [r for part in parts for r in part]
    )
    first = 1
    for v, part in zip(views, parts, strict=True):
        v.csv = link.part(first, len(part))
        first += len(part)


# --- the pages -------------------------------------------------------------------------------------


def footer(marts: Marts) -> str:
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
        text + ". Figures as published in the PAP/RAP documents, verdicts computed by the warehouse beside "
        "the RAP's own; hover a point or a cell for its source."
    )


def _write(path: Path, template: str, **context) -> None:
    path.write_bytes(ENV.get_template(template).render(**context).encode("utf-8"))


def _write_page(cache: PageCache, path: Path, template: str, **context) -> None:
    if not cache.unchanged(path, template, context):
        _write(path, template, **context)


def verdict_years(marts: Marts) -> list[int]:
    """The years some measure has a verdict other than no_data in: the columns of the index's table of
    measures and the years the filters offer."""
    return sorted(
        {y for m in marts.measures for y, a in m.attainment.items() if a["verdict"] not in (None, "no_data")}
    )


def render_scorecard(marts_db: Path, out_dir: Path) -> dict:
    """Write out_dir/index.html, one page per programme and one per mission, the CSV file of each of
    their tables under out_dir/csv/ and the filters' script. Returns counts: pages (programme pages),
    mission_pages, measures, charts (measure charts), rate_charts, csv_files, and of the programme
    and mission pages, pages_rendered and pages_kept (unchanged since the last rendering)."""
    marts = load_marts(marts_db)
    out_dir.mkdir(parents=True, exist_ok=True)
    csvs = tables.CsvWriter(out_dir)
    pages = PageCache(out_dir)
    common = {"footer": footer(marts), "years": marts.years, "verdict_years": verdict_years(marts)}
    written: set[str] = {"index.html"}
    measures_done = drawn = rate_charts = 0
    listed: dict[str, list[IndexMeasure]] = {}  # page -> its measures, for the index

    def rates_csv(stem: str, rates: dict) -> tables.Link:
        return csvs.write(f"{stem}.rates.csv", *tables.rate_rows(marts.years, rates))

    codes = [p["programme_code"] for p in marts.programmes]
    for n, p in enumerate(marts.programmes):
        code = p["programme_code"]
        measures = marts.by_programme.get(code, [])
        body = measures_body(marts, measures)
        rates = marts.programme_rates.get(code, {})
        chart = charts.rate_chart(code, f"Programme {code}", marts.years, rates) if rates else None
        name = programme_page(code)
        _measure_csvs(csvs, name, body, marts.years)
        listed[name] = _index_measures(name, body, measures, marts.mission_of(p))
        _write_page(
            pages,
            out_dir / name,
            "programme.html.j2",
            p=p,
            mission=marts.mission_of(p),
            counts=marts.programme_counts[code],
            rates=rates,
            rates_csv=rates_csv(name[:-5], rates),
            chart=chart,
            body=body,
            prev=codes[n - 1] if n > 0 else None,
            next=codes[n + 1] if n + 1 < len(codes) else None,
            **common,
        )
        written.add(name)
        measures_done += len(measures)
        drawn += body.charts
        rate_charts += chart is not None

    missions = marts.missions
    for n, mission in enumerate(missions):
        body = measures_body(marts, mission.measures)
        subject = f"Mission {mission.code}" if mission.code else "Programmes without a mission code"
        stem = mission.page[:-5]
        _measure_csvs(csvs, mission.page, body, marts.years)
        listed[mission.page] = _index_measures(mission.page, body, mission.measures, mission)
        _write_page(
            pages,
            out_dir / mission.page,
            "mission.html.j2",
            mission=mission,
            chart=charts.rate_chart(mission.code or "none", subject, marts.years, mission.rates),
            body=body,
            rates_csv=rates_csv(stem, mission.rates),
            programmes_csv=csvs.write(
                f"{stem}.programmes.csv",
                *tables.mission_programme_rows(
                    marts.years, mission, marts.programme_counts, marts.programme_rates
                ),
            ),
            programme_rates=marts.programme_rates,
            programme_counts=marts.programme_counts,
            prev=missions[n - 1] if n > 0 else None,
            next=missions[n + 1] if n + 1 < len(missions) else None,
            **common,
        )
        written.add(mission.page)
        measures_done += len(mission.measures)
        drawn += body.charts
        rate_charts += 1

    # the index lists the measures mission by mission: its programmes' measures, then its own
    index_measures = [
        item
        for m in missions
        for page in [*(programme_page(p["programme_code"]) for p in m.programmes), m.page]
        for item in listed[page]
    ]
    _write(
        out_dir / "index.html",
        "index.html.j2",
        missions=missions,
        programmes=marts.programmes,
        programme_counts=marts.programme_counts,
        programme_rates=marts.programme_rates,
        year_rates=marts.year_rates,
        rates_csv=rates_csv("index", marts.year_rates),
        programmes_csv=csvs.write(
            "index.programmes.csv",
            *tables.index_programme_rows(
                marts.years, missions, marts.programme_counts, marts.programme_rates
            ),
        ),
        measures=index_measures,
        measures_csv=csvs.write(
            "index.measures.csv", *tables.index_measure_rows(common["verdict_years"], index_measures)
        ),
        n_measures=len(marts.measures),
        chart=charts.rate_chart("all", "Every programme", marts.years, marts.year_rates),
        **common,
    )
    rate_charts += 1
    script = ENV.loader.get_source(ENV, "scorecard.js")[0].encode("utf-8")
    (out_dir / "scorecard.js").write_bytes(script)

    for stale in out_dir.glob("*.html"):  # pages of programmes or missions that are gone
        if stale.name not in written:
            stale.unlink()
    csvs.remove_stale()
    pages.save()
    return {
        "pages": len(marts.programmes),
        "mission_pages": len(missions),
        "measures": measures_done,
        "charts": drawn,
        "rate_charts": rate_charts,
        "csv_files": len(csvs.written),
        "pages_rendered": pages.rendered,
        "pages_kept": pages.kept,
    }
