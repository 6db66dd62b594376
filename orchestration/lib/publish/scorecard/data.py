"""The scorecard's data layer: what the pages show, read from the published marts file.

Owns the one read of `data/marts.duckdb` (read-only, so a report can be rendered while a run writes
the warehouse) and the grouping of its rows into what a page needs: the measures of each programme
and of each mission, the facts of each measure (its measure-years, revisions, trajectory flags),
and the aggregates, read as the marts compute them — `rpt_attainment_rate` (the one taux d'atteinte)
at its programme level, its mission and year levels as `rpt_scorecard_mission_rate` and
`rpt_scorecard_year`, and
`rpt_scorecard_programme` per programme. Nothing here counts or divides: a figure the pages print
about more than one measure-year comes from an `rpt_` model.

Rows are plain dicts keyed by column name, in a deterministic order (the same marts give the same
pages, byte for byte).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .vocabulary import natural_key, slug


@dataclass
class Measure:
    key: str
    row: dict  # dim_measure
    attainment: dict[int, dict] = field(default_factory=dict)  # year -> fct_target_attainment
    revisions: list[dict] = field(default_factory=list)  # fct_target_revision, is_revised
    trajectory: list[dict] = field(default_factory=list)  # fct_target_trajectory

    @property
    def label(self) -> str:
        return self.row.get("measure_label") or self.key

    @property
    def has_official_verdict(self) -> bool:
        return any(a["official_verdict_raw"] is not None for a in self.attainment.values())


@dataclass
class Mission:
    code: str | None  # None: the programmes whose mission no source codes
    label: str
    programmes: list[dict] = field(default_factory=list)  # dim_programme rows
    measures: list[Measure] = field(default_factory=list)  # mission-level, naming no programme
    rates: dict[int, dict] = field(default_factory=dict)  # year -> rpt_scorecard_mission_rate

    @property
    def page(self) -> str:
        return mission_page(self.code)


@dataclass
class Marts:
    programmes: list[dict]  # dim_programme, in natural order of their codes
    programme_counts: dict[str, dict]  # programme -> rpt_scorecard_programme
    programme_rates: dict[str, dict[int, dict]]  # programme -> year -> rpt_attainment_rate
    missions: list[Mission]
    objectives: dict[str, dict]
    indicators: dict[str, dict]
    documents: dict[str, dict]
    measures: list[Measure]
    by_programme: dict[str, list[Measure]]
    year_rates: dict[int, dict]  # year -> rpt_scorecard_year
    years: list[int]  # every year with a measure-year, ascending
    publication: dict | None

    def mission_of(self, programme: dict) -> "Mission":
        code = programme.get("mission_code")
        return next(m for m in self.missions if m.code == code)


def mission_page(code: str | None) -> str:
    return f"mission-{slug(code)}.html" if code else "mission-none.html"


def programme_page(code: str) -> str:
    return f"{slug(code)}.html"


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _publication(con: duckdb.DuckDBPyConnection) -> dict | None:
    has_info = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'publication' "
        "and table_name = 'info'"
    ).fetchone()[0]
    if not has_info:
        return None
    info = _rows(con, "select * from publication.info limit 1")
    return info[0] if info else None


def load_marts(marts_db: Path) -> Marts:
    """Everything the pages show, from the published marts file (opened read-only)."""
    with duckdb.connect(str(marts_db), read_only=True) as con:
        programmes = _rows(con, "select * from dim_programme order by programme_code")
        programmes.sort(key=lambda r: natural_key(r["programme_code"]))
        programme_counts = {
            r["programme_code"]: r for r in _rows(con, "select * from rpt_scorecard_programme order by all")
        }
        programme_rates: dict[str, dict[int, dict]] = defaultdict(dict)
        for r in _rows(
            con,
            "select * from rpt_attainment_rate where grouping_level = 'programme' order by programme_code, year",
        ):
            programme_rates[r["programme_code"]][r["year"]] = r
        mission_rates: dict[str | None, dict[int, dict]] = defaultdict(dict)
        for r in _rows(con, "select * from rpt_scorecard_mission_rate order by mission_code, year"):
            mission_rates[r["mission_code"]][r["year"]] = r
        year_rates = {r["year"]: r for r in _rows(con, "select * from rpt_scorecard_year order by year")}
        objectives = {r["objective_code"]: r for r in _rows(con, "select * from dim_objective order by all")}
        indicators = {r["indicator_code"]: r for r in _rows(con, "select * from dim_indicator order by all")}
        documents = {
            r["document_id"]: r for r in _rows(con, "select * from dim_document order by document_id")
        }
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
        years = [
            r[0]
            for r in con.execute(
                "select distinct year from fct_target_attainment where year is not null order by year"
            ).fetchall()
        ]
        publication = _publication(con)

    by_programme: dict[str, list[Measure]] = defaultdict(list)
    missions: dict[str | None, Mission] = {}

    def mission(code: str | None, label: str | None) -> Mission:
        if code not in missions:
            missions[code] = Mission(code, label or "")
        elif label and not missions[code].label:
            missions[code].label = label
        return missions[code]

    def latest_label(rates: dict[int, dict]) -> str | None:
        # the rates carry the label printed each year: the latest names the mission today
        return next(
            (r["mission_label"] for _, r in sorted(rates.items(), reverse=True) if r["mission_label"]), None
        )

    for p in programmes:
        rates = mission_rates.get(p.get("mission_code"), {})
        # No label for the programmes without a mission code: they belong to different missions.
        label = (p.get("mission_label") or latest_label(rates)) if p.get("mission_code") else None
        mission(p.get("mission_code"), label).programmes.append(p)
    for m in measures.values():
        if m.row.get("programme_code"):
            by_programme[m.row["programme_code"]].append(m)
        else:
            mission(m.row.get("mission_code"), None).measures.append(m)
    # a mission of past years only (its programmes are under another mission today) has its page too
    for code, rates in mission_rates.items():
        mission(code, latest_label(rates) if code else None).rates = rates
    ordered = sorted(missions.values(), key=lambda m: (m.code is None, natural_key(m.code)))
    return Marts(
        programmes=programmes,
        programme_counts=programme_counts,
        programme_rates=dict(programme_rates),
        missions=ordered,
        objectives=objectives,
        indicators=indicators,
        documents=documents,
        measures=list(measures.values()),
        by_programme=dict(by_programme),
        year_rates=year_rates,
        years=years,
        publication=publication,
    )


def document_label(marts: Marts, document_id: str | None) -> str:
    """PAP-2024-P352 -> 'PAP 2024' (the id stays in the hover text)."""
    doc = marts.documents.get(document_id or "")
    if doc and doc.get("document_type") and doc.get("vintage_year"):
        return f"{doc['document_type']} {doc['vintage_year']}"
    return document_id or "?"
