"""The HTML scorecard, rendered from the published marts of the session's `make run` on the shipped
sources (`published`), then opened in a real browser.

The pages are rendered from a copy of that marts file with one hostile label planted where the
sources print it (measure and indicator 1.2 of P352: `dim_measure.measure_label` and
`dim_indicator.indicator_label`); that such a label travels from a source file to the marts
unchanged is `tests/test_hostile_inputs.py`'s full run. Every figure a test expects is read from the
marts the pages were rendered from (`rpt_attainment_rate`, `fct_target_attainment`, …), never typed
in: the pages must show what the marts hold. The CSV file of every table holds its rows; the filters
(scorecard.js) are driven in headless Chromium, by typing into a probe copy of the page or through the
address's fragment, and the tests compute what they must show from the marts with the script's rule.
"""

import ast
import csv
import json
import re
import shutil
import struct
import subprocess
import sys
import unicodedata
import zlib
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import markupsafe
import numpy as np
import pytest

from orchestration.lib.publish import scorecard
from orchestration.lib.publish.scorecard import render_scorecard, tables
from orchestration.lib.publish.scorecard.pages import ENV
from orchestration.tools import screenshots

from .conftest import browse

FAST_LABEL = "Nombre de produits accompagnés par le FAST"
HOSTILE = """<script>alert(1)</script> & "quotes" =cmd|' /C calc'!A0"""
REAL_BLUE = (9, 105, 218)  # --real in the page CSS: the realisation line and dots
OFFICIAL_PURPLE = (130, 80, 223)  # --official: the official rate's diamonds
SCRIPT_TAG = '<script src="scorecard.js" defer>'  # the one script of every page, written beside them


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(published, tmp_path_factory) -> dict:
    """A copy of the published marts, the FAST label of P352 1.2 replaced by the hostile one."""
    root = tmp_path_factory.mktemp("scorecard")
    marts = root / "marts.duckdb"
    shutil.copyfile(published / "marts.duckdb", marts)
    with duckdb.connect(str(marts)) as con:
        for table, column, key, value in (
            ("dim_measure", "measure_label", "measure_key", "P352-1-2#1"),
            ("dim_indicator", "indicator_label", "indicator_code", "P352-1-2"),
        ):
            planted = con.execute(
                f"update {table} set {column} = ? where {key} = ? and {column} = ? returning 1",
                [HOSTILE, value, FAST_LABEL],
            ).fetchall()
            assert planted == [(1,)], (table, value)
        # the wide view prints it as of each year (the scorecard does not read it): planted there too
        for column in ("indicator_label", "measure_label"):
            con.execute(
                f"update rpt_measure_attainment set {column} = ? where {column} = ?", [HOSTILE, FAST_LABEL]
            )
        # nowhere else: the label is printed in those two places only
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            found = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" = ?', [FAST_LABEL]
            )
            assert found.fetchone() == (0,), (table, column)
    return {"root": root, "marts": marts}


@pytest.fixture(scope="module")
def rendered(built) -> dict:
    out = built["root"] / "report"
    counts = render_scorecard(built["marts"], out)
    return {"out": out, "counts": counts, **built}


def _browse(chromium: Path, user_data: Path, *args: str) -> subprocess.CompletedProcess:
    return browse(chromium, user_data, *args)


def _page(rendered: dict, name: str) -> str:
    return (rendered["out"] / name).read_text(encoding="utf-8")


def _article(page: str, measure_key: str) -> str:
    start = page.index(f'<article class="measure" id="m-{measure_key}"')
    return page[start : page.index("</article>", start)]


class _Dom(HTMLParser):
    """svg.chart elements and the data marks drawn in each; svg.rate-chart elements and their marks
    (with attributes); script elements; body attributes; text; every attribute value."""

    MARKS = ("polyline", "circle", "path")

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, int] = {}
        self.rate_charts: dict[str, list[tuple[str, dict]]] = {}
        self.scripts: list[str | None] = []  # the src of each script element
        self.body: dict[str, str | None] = {}
        self.text: list[str] = []
        self.attributes: list[str] = []
        self._chart: str | None = None
        self._rate: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.attributes += [v for _, v in attrs if v]
        classes = (a.get("class") or "").split()
        if tag == "script":
            self.scripts.append(a.get("src"))
        elif tag == "body":
            self.body = a
        elif tag == "svg" and "chart" in classes:
            self._chart = a.get("data-measure") or ""
            self.charts[self._chart] = 0
        elif tag == "svg" and "rate-chart" in classes:
            self._rate = a.get("data-rate") or ""
            self.rate_charts[self._rate] = []
        elif self._chart is not None and tag in self.MARKS:
            self.charts[self._chart] += 1
        elif self._rate is not None:
            self.rate_charts[self._rate].append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "svg":
            self._chart = self._rate = None

    def handle_data(self, data):
        self.text.append(data)


class _RateTables(HTMLParser):
    """table.rates: caption -> {row header: {year: (cell attributes, cell text)}}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, dict[int, tuple[dict, str]]]] = {}
        self._table: dict | None = None
        self._caption: str | None = None
        self._years: list[int] = []
        self._row: list[tuple[dict, str]] | None = None
        self._cell: list | None = None
        self._link = False  # inside the CSV link of a caption: not the caption's text

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "csv" in (a.get("class") or "").split():
            self._link = True
        elif tag == "table" and "rates" in (a.get("class") or "").split():
            self._table, self._caption, self._years = {}, "", []
        elif self._table is None:
            return
        elif tag == "caption":
            self._cell = [a, ""]
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = [a, ""]

    def handle_endtag(self, tag):
        if tag == "a":
            self._link = False
        if self._table is None:
            return
        if tag == "caption":
            self._caption, self._cell = self._cell[1].strip(), None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((self._cell[0], self._cell[1].strip()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            head, *cells = self._row
            if head[1] == "Year":
                self._years = [int(text) for _, text in cells]
            else:
                self._table[head[1]] = dict(zip(self._years, cells, strict=True))
            self._row = None
        elif tag == "table":
            self.tables[self._caption] = self._table
            self._table = None

    def handle_data(self, data):
        if self._cell is not None and not self._link:
            self._cell[1] += data


def _rate_tables(text: str) -> dict[str, dict[str, dict[int, tuple[dict, str]]]]:
    parser = _RateTables()
    parser.feed(text)
    return parser.tables


def _dom(text: str) -> _Dom:
    parser = _Dom()
    parser.feed(text)
    return parser


def _png_rgb(path: Path) -> np.ndarray:
    """Decode an 8-bit, non-interlaced RGB(A) PNG (what Chromium writes) without adding Pillow."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
    width, height, depth, color, _compression, _filter, interlace = header
    assert depth == 8 and interlace == 0 and color in (2, 6), header
    bpp = 3 if color == 2 else 4
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:]
        if kind == 0:
            cur = line.copy()
        elif kind == 1:  # sub: running sum along the row, per channel, modulo 256
            cur = np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.uint8).reshape(stride)
        elif kind == 2:  # up
            cur = line + prev
        else:  # average / Paeth: sequential along the row
            row, above, done = line.tolist(), prev.tolist(), [0] * stride
            for i in range(stride):
                left = done[i - bpp] if i >= bpp else 0
                up = above[i]
                if kind == 3:
                    done[i] = (row[i] + ((left + up) >> 1)) & 255
                else:
                    corner = above[i - bpp] if i >= bpp else 0
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                    done[i] = (row[i] + pred) & 255
            cur = np.array(done, dtype=np.uint8)
        out[y] = cur
        prev = cur
    return out.reshape(height, width, bpp)[:, :, :3]


# --- reading the marts the pages were rendered from ------------------------------------------------


def _query(rendered: dict, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(rendered["marts"]), read_only=True) as con:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _mission_page(code: str | None) -> str:
    return f"mission-{code}.html" if code else "mission-none.html"


def _pct(share: float) -> str:
    return f"{round(share * 100)}\u00a0%"


def _share_row(table: dict) -> dict[int, tuple[dict, str]]:
    return table["taux d'atteinte, ours"]


# --- the report ------------------------------------------------------------------------------------


def test_one_page_per_programme_and_per_mission_and_an_index_linking_them(rendered):
    programmes = [r["programme_code"] for r in _query(rendered, "select programme_code from dim_programme")]
    measures = _query(rendered, "select count(*) as n from dim_measure")[0]["n"]
    missions = {
        r["mission_code"]
        for r in _query(
            rendered,
            "select mission_code from dim_programme union "
            "select mission_code from dim_measure where programme_code is null union "
            "select mission_code from rpt_scorecard_mission_rate",
        )
    }
    with_rates = _query(rendered, "select count(distinct programme_code) as n from rpt_attainment_rate")[0][
        "n"
    ]
    counts = rendered["counts"]
    assert len(programmes) == counts["pages"] == len(set(programmes))
    assert counts["mission_pages"] == len(missions)
    assert counts["measures"] == measures  # every measure on exactly one page
    assert 0 < counts["charts"] <= measures
    assert counts["rate_charts"] == with_rates + len(missions) + 1  # programmes, missions, index
    out = rendered["out"]
    assert sorted(p.name for p in out.glob("P*.html")) == sorted(f"{code}.html" for code in programmes)
    assert sorted(p.name for p in out.glob("mission-*.html")) == sorted(_mission_page(c) for c in missions)
    index = _page(rendered, "index.html")
    for name in [f"{code}.html" for code in programmes] + [_mission_page(c) for c in missions]:
        assert f'href="{name}"' in index, name
    on_pages = sum(
        len(re.findall(r'<article class="measure"', p.read_text("utf-8"))) for p in out.glob("*.html")
    )
    assert on_pages == measures


def test_index_covers_every_year_with_our_rate_beside_the_official_one(rendered):
    years = [
        r["year"] for r in _query(rendered, "select distinct year from fct_target_attainment order by 1")
    ]
    assert years[0] <= 2010 and years[-1] >= 2027 and {2012, 2013, 2014, 2016, 2017} <= set(years)
    index = _page(rendered, "index.html")
    table = _rate_tables(index)["Every programme together, per year (rpt_scorecard_year)"]
    assert list(table["targets assessed"]) == years  # every year present, in order
    for r in _query(rendered, "select * from rpt_scorecard_year"):
        y = r["year"]
        for name, label in (
            ("targets_assessed", "targets assessed"),
            ("met", "✓ met"),
            ("no_data", "… no data"),
        ):
            assert table[label][y][1] == str(r[name]), (y, name)
        attrs, text = _share_row(table)[y]
        if r["share_met"] is None:
            assert text == "" and "data-share" not in attrs
        else:
            assert float(attrs["data-share"]) == r["share_met"] and text == _pct(r["share_met"])
    # The official verdicts exist for 2017 only, and the page shows them beside ours.
    official = _query(rendered, "select * from rpt_scorecard_year where official_assessed > 0")
    assert [r["year"] for r in official] == [2017]
    (r,) = official
    attrs, text = table["taux d'atteinte, official (RAP)"][2017]
    assert float(attrs["data-official-share"]) == r["official_share_met"] and text == _pct(
        r["official_share_met"]
    )
    assert table["same verdict / both assessed"][2017][1] == f"{r['agreeing']}/{r['both_assessed']}"
    # The rate of the year, recomputed here from the verdicts themselves, is the one the page shows.
    (mine,) = _query(
        rendered,
        "select round(count(*) filter (where a.verdict = 'met') / count(*), 4) as share from fct_target_attainment a "
        "join rpt_measure_attainment m using (measure_key, year) where a.year = 2017 "
        "and m.programme_code is not null and not a.is_fallback_target "
        "and a.verdict in ('met', 'improved', 'not_improved')",
    )
    assert float(_share_row(table)[2017][0]["data-share"]) == mine["share"]


def test_index_rows_give_each_programme_its_rate_per_year(rendered):
    index = _page(rendered, "index.html")
    rows = dict(re.findall(r'<tr data-programme="([^"]+)">(.*?)</tr>', index, re.S))
    rates = _query(rendered, "select * from rpt_attainment_rate where grouping_level = 'programme'")
    assert len(rates) > 1000
    for r in rates:
        row = rows[r["programme_code"]]
        cell = re.search(rf'<td class="share[^"]*" data-year="{r["year"]}"[^>]*>(.*?)</td>', row, re.S)
        assert cell, (r["programme_code"], r["year"])
        if r["share_met"] is not None:
            assert f'data-share="{r["share_met"]}"' in cell.group(0)
            assert f"{r['met']}/{r['targets_assessed']}" in cell.group(1)
        if r["official_share_met"] is not None:
            assert f'data-official-share="{r["official_share_met"]}"' in cell.group(0)
            assert f"agree {r['agreeing']}/{r['both_assessed']}" in cell.group(1)
    counts = {r["programme_code"]: r for r in _query(rendered, "select * from rpt_scorecard_programme")}
    for code, row in rows.items():
        measures = re.search(r'</a></td><td class="num">(\d+)</td>', row).group(1)
        assert int(measures) == counts[code]["measures"], code


def test_each_mission_page_charts_its_rate_over_the_years(rendered):
    by_mission: dict = {}
    for r in _query(rendered, "select * from rpt_scorecard_mission_rate order by mission_code, year"):
        by_mission.setdefault(r["mission_code"], {})[r["year"]] = r
    # The mission's rate is the sum of its programmes' (rpt_attainment_rate), recomputed here.
    recomputed = {
        (r["mission_code"], r["year"]): r
        for r in _query(
            rendered,
            "select mission_code, year, round(sum(met) / nullif(sum(targets_assessed), 0), 4) as share, "
            "round(sum(official_met) / nullif(sum(official_assessed), 0), 4) as official "
            "from rpt_attainment_rate where grouping_level = 'programme' group by all",
        )
    }
    assert len(by_mission) > 30
    with_official = 0
    for code, rates in by_mission.items():
        page = _page(rendered, _mission_page(code))
        (table,) = [t for caption, t in _rate_tables(page).items() if "rpt_scorecard_mission_rate" in caption]
        dom = _dom(page)
        (marks,) = dom.rate_charts.values()
        frame = next(a for tag, a in marks if tag == "rect")
        top, height = float(frame["y"]), float(frame["height"])
        dots = [a for tag, a in marks if tag == "circle"][2:]  # after the legend's two
        diamonds = [a for tag, a in marks if tag == "path"][1:]  # after the legend's one
        assessed = {y: r for y, r in rates.items() if r["share_met"] is not None}
        for year, r in rates.items():
            assert r["share_met"] == recomputed[(code, year)]["share"], (code, year)
            assert r["official_share_met"] == recomputed[(code, year)]["official"], (code, year)
            _, text = _share_row(table)[year]
            assert text == ("" if r["share_met"] is None else _pct(r["share_met"])), (code, year)
        # One dot per assessed year, at the height of its share; one diamond per officially judged year.
        assert len(dots) == len(assessed), code
        for dot, (year, r) in zip(dots, sorted(assessed.items()), strict=True):
            assert abs(float(dot["cy"]) - (top + height * (1 - r["share_met"]))) < 0.06, (code, year)
        officials = [r for _, r in sorted(rates.items()) if r["official_share_met"] is not None]
        assert len(diamonds) == len(officials), code
        for r in officials:
            assert f"{_pct(r['official_share_met'])}</text>" in page
        with_official += bool(officials)
    assert with_official > 30  # RAP 2017 judges nearly every mission


def test_measure_rows_show_our_verdict_beside_the_official_one(rendered):
    rows = _query(
        rendered,
        "select a.*, m.programme_code from fct_target_attainment a join dim_measure m using (measure_key) "
        "where m.programme_code in ('P129', 'P166') and a.official_verdict_raw is not null "
        "order by measure_key, year",
    )
    assert {r["agrees_with_official"] for r in rows} == {True, False}
    pages = {code: _page(rendered, f"{code}.html") for code in ("P129", "P166")}
    for r in rows:
        block = _article(pages[r["programme_code"]], re.sub(r"[^A-Za-z0-9_-]", "_", r["measure_key"]))
        ours = re.search(
            rf'<td class="verdict verdict-(\w+)" data-year="{r["year"]}" data-verdict="(\w+)"', block
        )
        assert ours and ours.group(1) == ours.group(2) == r["verdict"], (r["measure_key"], r["year"])
        official = re.search(
            rf'<td class="official[^"]*" data-year="{r["year"]}"[^>]*>(.*?)</td>', block, re.S
        )
        assert official, (r["measure_key"], r["year"])
        printed = str(markupsafe.escape(r["official_verdict_raw"])) or "(empty)"
        assert f'<span lang="fr">{printed}</span>' in official.group(1)
        mark = {True: '<span class="agree"', False: '<span class="disagree"', None: None}[
            r["agrees_with_official"]
        ]
        if mark:
            assert mark in official.group(1), (r["measure_key"], r["year"])
        assert f"line {r['official_verdict_source_line']}" in official.group(0)


def test_measure_rows_show_where_the_direction_came_from(rendered):
    page = _page(rendered, "P129.html")
    measures = _query(
        rendered, "select measure_key, direction_source from dim_measure where programme_code = 'P129'"
    )
    assert len({m["direction_source"] for m in measures}) >= 3
    for m in measures:
        block = _article(page, re.sub(r"[^A-Za-z0-9_-]", "_", m["measure_key"]))
        assert f'data-direction-source="{m["direction_source"]}"' in block, m


def test_programme_page_gives_its_rate_per_year(rendered):
    page = _page(rendered, "P129.html")
    (table,) = [t for caption, t in _rate_tables(page).items() if "rpt_attainment_rate" in caption]
    rates = _query(
        rendered,
        "select * from rpt_attainment_rate where grouping_level = 'programme' and programme_code = 'P129'",
    )
    assert any(r["official_share_met"] is not None for r in rates)
    for r in rates:
        assert table["targets assessed"][r["year"]][1] == str(r["targets_assessed"])
        assert table["↗ improved"][r["year"]][1] == str(r["improved"])
        assert _share_row(table)[r["year"]][1] == ("" if r["share_met"] is None else _pct(r["share_met"]))
        if r["official_share_met"] is not None:
            assert table["taux d'atteinte, official (RAP)"][r["year"]][1] == _pct(r["official_share_met"])
    assert 'class="rate-chart" data-rate="P129"' in page


def test_p176_page_shows_the_one_taux_d_atteinte_of_2017(rendered):
    """P176 2017: the share the page prints is met / (met + improved + not_improved) of the measure-years
    of that year's P176 judged against the PAP 2017 target, counted here from the fact table (0.15, where
    the removed met / (met + not_met) model said 0.70)."""
    ((met, assessed),) = [
        tuple(r.values())
        for r in _query(
            rendered,
            "select count(*) filter (where a.verdict = 'met'), "
            "count(*) filter (where a.verdict in ('met', 'improved', 'not_improved')) "
            "from fct_target_attainment a join rpt_measure_attainment v using (measure_key, year) "
            "where v.programme_code = 'P176' and a.year = 2017 and not a.is_fallback_target",
        )
    ]
    (table,) = [
        t
        for caption, t in _rate_tables(_page(rendered, "P176.html")).items()
        if "rpt_attainment_rate" in caption
    ]
    attrs, text = _share_row(table)[2017]
    assert (
        assessed > 0
        and float(attrs["data-share"]) == round(met / assessed, 4)
        and text == _pct(met / assessed)
    )


def test_p129_shows_30157_met_in_2023_and_its_revised_target(rendered):
    page = _page(rendered, "P129.html")
    block = _article(page, "30157")
    assert "Nombre de produits devenus des services public à impact national majeur" in block
    assert '<svg class="chart" data-measure="30157"' in block
    # Our verdict per year, colour class AND text.
    assert re.search(r'data-year="2023" data-verdict="met"[^>]*>✓ met</td>', block)
    assert 'data-year="2024" data-verdict="no_data"' in block
    # The revision, highlighted, and the trajectory flag.
    assert '<li class="revision">↺ 2025 target revised 7 → 5 (PAP 2024 → PAP 2025)</li>' in block
    assert 'class="revised"' in block
    assert re.search(
        r'<li class="flag flag-less_ambitious"[^>]*>⚠ less ambitious than achieved \(2023 realisation 6\): 2025 target 5',
        block,
    )
    assert "P352-1-1#1" in block  # it continues the P352 measure
    assert 'data-direction-source="steward"' in block
    chart = block[block.index("<svg") : block.index("</svg>")]
    assert chart.count('<circle class="real"') == 3
    assert '<polyline class="real-line"' in chart
    assert "<title>2023 realisation: 6 (PAP-2025)</title>" in chart
    assert "2025 target: 5" in chart and 'class="target-earlier"' in chart


ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34; =cmd|&#39; /C calc&#39;!A0"


def test_hostile_labels_are_escaped(rendered):
    labels = _query(
        rendered, "select measure_key, measure_label from dim_measure where measure_label like '%alert(1)%'"
    )
    indicator = _query(
        rendered, "select indicator_label from dim_indicator where indicator_code = 'P352-1-2'"
    )
    assert [tuple(r.values()) for r in labels] == [("P352-1-2#1", HOSTILE)]
    assert indicator == [{"indicator_label": HOSTILE}]
    assert str(markupsafe.escape(HOSTILE)) == ESCAPED
    page = _page(rendered, "P352.html")
    block = _article(page, "P352-1-2_1")
    assert f'<h4 lang="fr">{ESCAPED}</h4>' in block
    assert f"<title>{ESCAPED}: realisations and targets" in block  # inside the SVG too
    assert page.count(ESCAPED) >= 3  # measure heading, chart title, indicator heading
    for path in rendered["out"].glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert re.findall(r"<script\b[^>]*>", text, re.I) == [SCRIPT_TAG], path.name
        assert HOSTILE not in text, path.name


def test_hostile_text_anywhere_in_the_marts_is_escaped(rendered, tmp_path):
    """The same payload in every kind of text a page prints: labels, the official verdict as printed,
    its source, a verdict reason, a direction source, a raw cell, the run id of the footer."""
    marts = tmp_path / "marts.duckdb"
    shutil.copyfile(rendered["marts"], marts)
    (first,) = _query(
        rendered,
        "select a.measure_key, a.year from fct_target_attainment a join dim_measure m using (measure_key) "
        "where m.programme_code = 'P129' and a.official_verdict_raw is not null order by 1, 2 limit 1",
    )
    with duckdb.connect(str(marts)) as con:
        for sql, params in (
            ("update dim_programme set mission_label = ? where mission_code = 'JA'", [HOSTILE]),
            ("update rpt_scorecard_mission_rate set mission_label = ? where mission_code = 'JA'", [HOSTILE]),
            ("update dim_programme set programme_label = ? where programme_code = 'P166'", [HOSTILE]),
            (
                "update fct_target_attainment set official_verdict_raw = ?, official_verdict_source_file = ? "
                "where measure_key = ? and year = ?",
                [HOSTILE, HOSTILE, first["measure_key"], first["year"]],
            ),
            (
                "update fct_target_attainment set verdict_reason = ?, realisation_raw = ? "
                "where measure_key = '30157' and year = 2023",
                [HOSTILE, HOSTILE],
            ),
            ("update dim_measure set direction_source = ? where measure_key = '30157'", [HOSTILE]),
            ("update publication.info set run_id = ?", [HOSTILE]),
        ):
            con.execute(sql, params)
    out = tmp_path / "report"
    render_scorecard(marts, out)
    for path in out.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert HOSTILE not in text and re.findall(r"<script\b[^>]*>", text, re.I) == [SCRIPT_TAG], path.name
        assert ESCAPED in text, path.name  # the run id in every footer
    for name, least in (("index.html", 3), ("mission-JA.html", 2), ("P166.html", 2), ("P129.html", 6)):
        dom = _dom(_page({"out": out}, name))
        shown = "".join(dom.text).count(HOSTILE) + sum(HOSTILE in v for v in dom.attributes)
        assert shown >= least, (name, shown)  # decoded back to the text itself: data, never markup
        assert dom.scripts == ["scorecard.js"]
    # The CSV files hold it as data, byte for byte (it starts with no formula character).
    with (out / "csv" / "index.programmes.csv").open(encoding="utf-8", newline="") as f:
        labels = {row["programme_code"]: row["programme_label"] for row in csv.DictReader(f)}
    assert labels["P166"] == HOSTILE


def test_pages_work_offline_and_run_only_their_own_script(rendered):
    for path in rendered["out"].glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert set(re.findall(r"https?://[^\s\"'<>)]+", text)) <= {"http://www.w3.org/2000/svg"}, path.name
        assert re.findall(r"<script\b[^>]*>", text) == [SCRIPT_TAG], path.name  # no inline script
        assert text.count(" src=") == 1, path.name
        for forbidden in ("<link", "<iframe", "<img", "url(", "@import", " on"):
            if forbidden == " on":
                assert not re.search(r"<[^>]+\son[a-z]+\s*=", text), path.name
            else:
                assert forbidden not in text, (path.name, forbidden)
    # The script is the package's, small, hand-written: it fetches nothing and writes no markup.
    script = (rendered["out"] / "scorecard.js").read_text(encoding="utf-8")
    assert script == (Path(scorecard.__file__).parent / "templates" / "scorecard.js").read_text("utf-8")
    assert len(script) < 12_000
    for forbidden in ("http", "fetch(", "XMLHttpRequest", "import", "eval(", "innerHTML", "document.write"):
        assert forbidden not in script, forbidden


def test_rendering_is_deterministic(rendered, tmp_path):
    again = render_scorecard(rendered["marts"], tmp_path / "again")
    assert again == rendered["counts"]
    first = {str(p.relative_to(rendered["out"])): p.read_bytes() for p in rendered["out"].rglob("*.*")}
    second = {
        str(p.relative_to(tmp_path / "again")): p.read_bytes() for p in (tmp_path / "again").rglob("*.*")
    }
    assert first == second
    assert sum(name.endswith(".csv") for name in first) == again["csv_files"]
    # The one date in the pages: the publication recorded in the marts file.
    (info,) = _query(rendered, "select published_at, run_id from publication.info")
    assert f"of {info['published_at']:%Y-%m-%d %H:%M:%S}" in first["index.html"].decode()
    assert f"run {info['run_id']}" in first["P129.html"].decode()


def test_a_page_is_rendered_again_only_when_what_it_shows_changed(rendered, tmp_path):
    """Rendered again into the same folder: every programme and mission page is kept as it was. One
    measure of P129 relabelled: its page alone is rendered again. A new publication with the same
    rows: no page is, and each says which publication it was rendered from; the index (always
    rendered) names the new one."""
    out, marts = tmp_path / "report", tmp_path / "marts.duckdb"
    shutil.copytree(rendered["out"], out)
    shutil.copyfile(rendered["marts"], marts)
    every_page = rendered["counts"]["pages"] + rendered["counts"]["mission_pages"]
    assert rendered["counts"]["pages_rendered"] == every_page

    def pages() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in out.glob("*.html")}

    # in another process, as the next run would (another hash seed, other object addresses)
    code = "import json, sys; from pathlib import Path; from orchestration.lib.publish.scorecard import "
    code += "render_scorecard as r; print(json.dumps(r(Path(sys.argv[1]), Path(sys.argv[2]))))"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(marts), str(out)], capture_output=True, text=True, check=True
    )
    again = json.loads(proc.stdout)
    assert (again["pages_rendered"], again["pages_kept"]) == (0, every_page)
    before = pages()

    with duckdb.connect(str(marts)) as con:
        con.execute(
            "update dim_measure set measure_label = measure_label || ' (relabelled)' "
            "where measure_key = (select min(measure_key) from dim_measure where programme_code = 'P129')"
        )
    again = render_scorecard(marts, out)
    assert (again["pages_rendered"], again["pages_kept"]) == (1, every_page - 1)
    after = pages()
    assert {name for name in after if after[name] != before[name]} == {"P129.html", "index.html"}
    assert "(relabelled)" in after["P129.html"].decode()

    with duckdb.connect(str(marts)) as con:
        con.execute("update publication.info set run_id = 'a-later-run'")
    again = render_scorecard(marts, out)
    assert again["pages_rendered"] == 0
    assert "run a-later-run" in _page({"out": out}, "index.html")
    assert "run a-later-run" not in _page({"out": out}, "P129.html")
    assert "(run " in _page({"out": out}, "P129.html")


def test_stale_pages_are_removed(rendered, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "P999.html").write_text("old")
    (out / "mission-ZZ.html").write_text("old")
    (out / "keep.png").write_bytes(b"x")
    (out / "csv" / "gone").mkdir(parents=True)
    (out / "csv" / "gone" / "old.csv").write_text("old")
    (out / "csv" / "P999.measures.csv").write_text("old")
    render_scorecard(rendered["marts"], out)
    assert not (out / "P999.html").exists() and not (out / "mission-ZZ.html").exists()
    assert not (out / "csv" / "P999.measures.csv").exists() and not (out / "csv" / "gone").exists()
    assert (out / "keep.png").exists() and (out / "csv" / "P129.measures.csv").exists()


def test_markup_lives_in_templates_with_autoescape_on():
    package = Path(scorecard.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert {p.name for p in modules} >= {"__init__.py", "data.py", "charts.py", "pages.py", "vocabulary.py"}
    for path in modules:
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 600, path.name
        assert ast.get_docstring(ast.parse(text)), f"{path.name} says nothing of what it owns"
        assert not re.search(r"<(td|tr|th|table|svg|div|span|li|p|h\d|circle|path)\b", text), path.name
        assert "html.escape" not in text and "Markup(" not in text, path.name
    templates = {p.name for p in (package / "templates").iterdir()}
    assert {"base.html.j2", "index.html.j2", "mission.html.j2", "programme.html.j2"} <= templates
    assert ENV.autoescape is True and ENV.loader is not None
    # Autoescape is what keeps a label a label: the environment escapes a value a template prints.
    assert ENV.from_string("{{ x }}").render(x=HOSTILE) == ESCAPED


# --- in a real browser -----------------------------------------------------------------------------


def test_chromium_draws_the_charts(rendered, chromium, tmp_path):
    out = rendered["out"]
    user_data = tmp_path / "chromium-profile"

    # The DOM Chromium built: every svg.chart of P129 holds data marks.
    dom = _dom(_browse(chromium, user_data, "--dump-dom", (out / "P129.html").as_uri()).stdout)
    assert dom.scripts == ["scorecard.js"]
    assert len(dom.charts) >= 25
    assert all(marks > 0 for marks in dom.charts.values()), dom.charts
    assert dom.charts["30157"] >= 7  # 3 realisation dots + their line + 4 target markers…

    # Laid out and drawn: a probe (a copy of the page plus a script, outside the report) measures
    # every chart and its marks with the browser's own geometry.
    probe_script = (
        "<script>const c=[...document.querySelectorAll('svg.chart, svg.rate-chart')];"
        "const drawn=c.filter(s=>{const r=s.getBoundingClientRect();"
        "return r.width>200&&r.height>80&&[...s.querySelectorAll('circle,polyline,path')]"
        ".some(e=>{const b=e.getBBox();return b.width>0||b.height>0;});});"
        "document.body.setAttribute('data-charts',c.length);"
        "document.body.setAttribute('data-drawn',drawn.length);</script></body>"
    )
    mission = max(
        _query(
            rendered,
            "select mission_code, official_assessed from rpt_scorecard_mission_rate where year = 2017",
        ),
        key=lambda r: (r["official_assessed"], r["mission_code"] or ""),
    )["mission_code"]
    for name in ("P129.html", _mission_page(mission), "index.html"):
        static = _dom(_page(rendered, name))
        charts = len(static.charts) + len(static.rate_charts)
        assert static.rate_charts, name
        probe = tmp_path / f"probe-{name}"
        probe.write_text(_page(rendered, name).replace("</body>", probe_script), encoding="utf-8")
        probed = _dom(_browse(chromium, user_data, "--dump-dom", probe.as_uri()).stdout)
        assert probed.body.get("data-charts") == str(charts), name
        assert probed.body.get("data-drawn") == str(charts), name

    index = _dom(_browse(chromium, user_data, "--dump-dom", (out / "index.html").as_uri()).stdout)
    assert "LOLF performance scorecard" in "".join(index.text)
    assert index.scripts == ["scorecard.js"]

    # Screenshots, kept in the test's temporary folder for people to look at (never under data/).
    shots = (
        ("P129.html", "scorecard-P129.png"),
        ("index.html", "scorecard-index.png"),
        (_mission_page(mission), "scorecard-mission.png"),
    )
    for name, target in shots:
        shot = tmp_path / target
        _browse(chromium, user_data, f"--screenshot={shot}", "--window-size=1280,2000", (out / name).as_uri())
        assert shot.stat().st_size > 50_000, f"{shot} looks blank ({shot.stat().st_size} bytes)"
    pixels = _png_rgb(tmp_path / "scorecard-P129.png")
    assert pixels.shape == (2000, 1280, 3)
    flat = pixels.reshape(-1, 3).astype(int)
    not_white = (flat < 245).any(axis=1).mean()
    assert 0.05 < not_white < 0.8, not_white
    # The realisation lines and dots are on screen in their colour.
    blue = (np.abs(flat - np.array(REAL_BLUE)).max(axis=1) <= 12).sum()
    assert blue > 300, blue
    # The mission's chart: our rate in blue, the official one in purple.
    flat = _png_rgb(tmp_path / "scorecard-mission.png").reshape(-1, 3).astype(int)
    assert (np.abs(flat - np.array(REAL_BLUE)).max(axis=1) <= 12).sum() > 300
    assert (np.abs(flat - np.array(OFFICIAL_PURPLE)).max(axis=1) <= 12).sum() > 40


def test_chromium_shows_the_hostile_label_as_text(rendered, chromium, tmp_path):
    dom = _dom(
        _browse(chromium, tmp_path / "profile", "--dump-dom", (rendered["out"] / "P352.html").as_uri()).stdout
    )
    assert dom.scripts == ["scorecard.js"]
    assert HOSTILE in "".join(dom.text)  # decoded by the browser as text, never as markup
    assert dom.charts.get("P352-1-2#1", 0) > 0


# --- the CSV file behind every table ---------------------------------------------------------------


class _Tables(HTMLParser):
    """Every <table> of a page: its CSV link, its body rows (the rows outside <thead>) and the measure
    whose article holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._table: dict | None = None
        self._head = False
        self._measure: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article":
            self._measure = a.get("data-measure")
        elif tag == "table":
            self._table = {"class": a.get("class"), "csv": [], "rows": 0, "measure": self._measure}
        elif self._table is None:
            return
        elif tag == "a" and "csv" in (a.get("class") or "").split():
            self._table["csv"].append(a["href"])
        elif tag == "thead":
            self._head = True
        elif tag == "tr" and not self._head:
            self._table["rows"] += 1

    def handle_endtag(self, tag):
        if tag == "thead":
            self._head = False
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None
        elif tag == "article":
            self._measure = None


def _tables(text: str) -> list[dict]:
    parser = _Tables()
    parser.feed(text)
    return parser.tables


def _csv(out: Path, href: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows a CSV link names: the whole file, or the rows of its RFC 7111
    fragment (`#row=6-9`, the header being row 1)."""
    name, _, fragment = href.partition("#")
    data = (out / name).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf"), name  # plain UTF-8, no byte-order mark
    text = data.decode("utf-8")
    rows = list(csv.reader(text.splitlines(keepends=True)))
    header = rows[0]
    assert text.split("\r\n", 1)[0] == ",".join(header), name  # commas, a plain header line
    if not fragment:
        return header, rows[1:]
    first, last = (int(n) for n in re.fullmatch(r"row=(\d+)-(\d+)", fragment).groups())
    assert 2 <= first <= last <= len(rows), (href, len(rows))
    return header, rows[first - 1 : last]


def test_every_table_has_a_csv_file_with_its_rows(rendered):
    out = rendered["out"]
    checked = 0
    for page in sorted(out.glob("*.html")):
        for table in _tables(page.read_text(encoding="utf-8")):
            assert len(table["csv"]) == 1, (page.name, table)
            (href,) = table["csv"]
            assert not href.startswith(("/", "http")) and (out / href.partition("#")[0]).is_file(), href
            header, rows = _csv(out, href)
            assert len(rows) == table["rows"] > 0, (page.name, href)
            assert all(len(r) == len(header) for r in rows), href
            if table["measure"] is not None:  # a measure's years table: its rows of the page's file
                assert {r[0] for r in rows} == {table["measure"]}, href
                assert [r[2] for r in rows][:3] == ["realisation", "target", "verdict"], href
            checked += 1
    measures = _query(rendered, "select count(*) as n from dim_measure")[0]["n"]
    assert checked > measures  # every measure's table, and the pages' own tables


def test_csv_files_hold_the_marts_values(rendered):
    out = rendered["out"]
    # The index's rates: the share as the mart holds it (not "62 %").
    header, rows = _csv(out, "csv/index.rates.csv")
    shares = dict(zip(header[1:], next(r for r in rows if r[0] == "share_met")[1:], strict=True))
    for r in _query(rendered, "select year, share_met from rpt_scorecard_year"):
        assert shares[str(r["year"])] == ("" if r["share_met"] is None else repr(r["share_met"])), r
    # The index's measures: every measure once, our verdict of each year that has verdicts.
    header, rows = _csv(out, "csv/index.measures.csv")
    keys = [r[header.index("measure_key")] for r in rows]
    assert sorted(keys) == sorted(
        r["measure_key"] for r in _query(rendered, "select measure_key from dim_measure")
    )
    verdicts = {
        (r[header.index("measure_key")], int(column.removeprefix("verdict_"))): value
        for r in rows
        for column, value in zip(header, r, strict=True)
        if column.startswith("verdict_")
    }
    facts = _query(rendered, "select measure_key, year, verdict from fct_target_attainment")
    judged = {r["year"] for r in facts if r["verdict"] != "no_data"}
    assert {y for _, y in verdicts} == judged
    for r in facts:
        if r["year"] in judged:
            assert verdicts[(r["measure_key"], r["year"])] == r["verdict"], r
    assert sum(v != "" for v in verdicts.values()) == sum(r["year"] in judged for r in facts)


def test_csv_fields_are_quoted_and_never_formulas(tmp_path):
    values = [
        "=1+2",
        "-3",
        "- 2,5 %",
        "-",
        "- dont",
        "+x",
        "@x",
        'a "b", c',
        "ligne\nsuite",
        0.4512,
        None,
        True,
    ]
    link = tables.CsvWriter(tmp_path).write("t.csv", ["a"] * len(values), [values])
    assert link == tables.Link("csv/t.csv", 1)
    data = (tmp_path / "csv" / "t.csv").read_bytes().decode("utf-8")
    assert data.endswith('"a ""b"", c","ligne\nsuite",0.4512,,true\r\n')
    (row,) = list(csv.reader(data.splitlines(keepends=True)))[1:]
    assert row == [
        "'=1+2",
        "-3",
        "- 2,5 %",
        "-",
        "'- dont",
        "'+x",
        "'@x",
        'a "b", c',
        "ligne\nsuite",
        "0.4512",
        "",
        "true",
    ]
    assert link.part(4, 3) == tables.Link("csv/t.csv#row=5-7", 3)


# --- the filters, in a real browser ----------------------------------------------------------------


def _fold(text: str | None) -> str:
    """What scorecard.js compares: accents off (NFD, U+0300–U+036F dropped), lower case."""
    return "".join(
        c for c in unicodedata.normalize("NFD", text or "") if not "\u0300" <= c <= "\u036f"
    ).lower()


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", _fold(text)) if w]


class _Shown(HTMLParser):
    """After the script ran: the programme rows, mission groups, measure rows and measure articles,
    each with whether it is hidden; the text of the filter form's output; the CSV link of each table."""

    def __init__(self) -> None:
        super().__init__()
        self.programmes: dict[str, bool] = {}  # programme -> hidden
        self.missions: dict[str, bool] = {}
        self.rows: list[dict] = []  # the index's measures: mission, anchor, verdict classes, hidden
        self.articles: dict[str, bool] = {}
        self.form_hidden: bool | None = None
        self.output = ""
        self.csv: dict[str, str] = {}  # table class -> href
        self._table: str | None = None
        self._row: dict | None = None
        self._in_output = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        hidden = "hidden" in a
        if tag == "form" and "filters" in (a.get("class") or ""):
            self.form_hidden = hidden
        elif tag == "output":
            self._in_output = True
        elif tag == "table":
            self._table = a.get("class")
        elif tag == "a" and a.get("class") == "csv" and self._table:
            self.csv.setdefault(self._table, a["href"])
        elif tag == "tbody" and "data-mission" in a:
            self.missions[a["data-mission"]] = hidden
        elif tag == "tr" and self._table == "programmes" and "data-programme" in a:
            self.programmes[a["data-programme"]] = hidden
        elif tag == "tr" and self._table == "measures" and "data-mission" in a:
            self._row = {"mission": a["data-mission"], "hidden": hidden, "verdicts": set(), "anchor": None}
            self.rows.append(self._row)
        elif tag == "td" and self._row is not None and (a.get("class") or "").startswith("verdict-"):
            self._row["verdicts"].add(a["class"].removeprefix("verdict-"))
        elif tag == "a" and self._row is not None and self._row["anchor"] is None:
            self._row["anchor"] = a["href"].partition("#")[2]
        elif tag == "article":
            self.articles[a["data-measure"]] = hidden

    def handle_endtag(self, tag):
        if tag == "output":
            self._in_output = False
        elif tag == "table":
            self._table = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._in_output:
            self.output += data


def _shown(text: str) -> _Shown:
    parser = _Shown()
    parser.feed(text)
    return parser


def _probe(rendered: dict, tmp_path: Path, name: str, script: str) -> Path:
    """A copy of a page outside the report, reading the report's files (its script, its CSV links)
    through <base>, with a script of the test run once the page's own has."""
    text = _page(rendered, name)
    text = text.replace("<head>", f'<head>\n<base href="{rendered["out"].as_uri()}/">', 1)
    text = text.replace("</body>", f"<script>{script}</script></body>", 1)
    probe = tmp_path / f"probe-{name}"
    probe.write_text(text, encoding="utf-8")
    return probe


@pytest.fixture(scope="module")
def big_mission(rendered) -> dict:
    """The mission with the most programmes: its code, label, programmes."""
    (m,) = _query(
        rendered,
        "select mission_code, any_value(mission_label) as label, list(programme_code order by programme_code) "
        "as programmes from dim_programme where mission_code is not null group by 1 "
        "order by count(*) desc, 1 limit 1",
    )
    assert len(m["programmes"]) >= 10
    return m


def test_chromium_search_as_you_type_hides_the_programmes_of_other_missions(
    rendered, chromium, tmp_path, big_mission
):
    """Typing the mission's name in the index's search box, one key at a time: the programmes that
    stay are the mission's, and those of other missions whose own words or one of whose measures
    match every word typed (scorecard.js's rule, computed here from the marts)."""
    typed = big_mission["label"]
    script = (
        "document.addEventListener('DOMContentLoaded',function(){"
        "var box=document.querySelector('form.filters input[name=q]');"
        f"var text={typed!r};"
        "for(var i=0;i<text.length;i++){box.value+=text[i];"
        "box.dispatchEvent(new Event('input',{bubbles:true}));}});"
    )
    probe = _probe(rendered, tmp_path, "index.html", script)
    shown = _shown(_browse(chromium, tmp_path / "profile", "--dump-dom", probe.as_uri()).stdout)

    ws = _words(typed)
    programmes = _query(
        rendered, "select programme_code, programme_label, mission_code, mission_label from dim_programme"
    )
    missions = {
        p["mission_code"]: _fold(f"{p['mission_code']} {p['mission_label']}")
        if p["mission_code"]
        else _fold("— Programmes whose mission no source codes")
        for p in programmes
    }
    texts = {
        p["programme_code"]: _fold(f"{p['programme_code']} {p['programme_label']}")
        + " "
        + missions[p["mission_code"]]
        for p in programmes
    }
    measures = _query(
        rendered,
        "select measure_key, measure_label, programme_code from dim_measure where programme_code is not null",
    )
    with_measure = {
        m["programme_code"]
        for m in measures
        if all(
            w in _fold(f"{m['measure_label']} {m['measure_key']}") + " " + texts[m["programme_code"]]
            for w in ws
        )
    }
    expected = {code for code, text in texts.items() if all(w in text for w in ws)} | with_measure
    visible = {code for code, hidden in shown.programmes.items() if not hidden}
    assert set(big_mission["programmes"]) <= visible
    assert visible == expected
    hidden_elsewhere = [
        p
        for p in programmes
        if p["mission_code"] != big_mission["mission_code"] and shown.programmes[p["programme_code"]]
    ]
    assert len(hidden_elsewhere) >= len(programmes) - len(expected) > 150
    assert shown.missions[big_mission["mission_code"]] is False
    assert f"{len(visible)} of {len(programmes)} programmes" in shown.output


def test_chromium_filters_by_mission_and_verdict(rendered, chromium, tmp_path, big_mission):
    """index.html#mission=…&verdict=…(&year=…): only the mission's measures with that verdict (in
    that year) show, and only its programmes; a programme page hides its other measures; and the
    CSV link of the table shown holds the same rows (all of them: the filter hides, the file keeps)."""
    code = big_mission["mission_code"]
    out = rendered["out"]
    in_mission = (
        "select m.measure_key from dim_measure m left join dim_programme p using (programme_code) "
        "where coalesce(p.mission_code, m.mission_code) = ? and exists (select 1 from fct_target_attainment a "
        "where a.measure_key = m.measure_key and a.verdict = ? {year})"
    )
    for verdict, year in (("met", None), ("not_improved", 2016)):
        fragment = f"mission={code}&verdict={verdict}" + (f"&year={year}" if year else "")
        url = (out / "index.html").as_uri() + "#" + fragment
        shown = _shown(_browse(chromium, tmp_path / "profile", "--dump-dom", url).stdout)
        expected = {
            r["measure_key"]
            for r in _query(
                rendered,
                in_mission.format(year="and a.year = ?" if year else ""),
                [code, verdict, *([year] if year else [])],
            )
        }
        assert len(expected) >= 10, (verdict, year)
        visible = [r for r in shown.rows if not r["hidden"]]
        assert all(r["mission"] == code and verdict in r["verdicts"] for r in visible)
        assert sorted(r["anchor"] for r in visible) == sorted(
            f"m-{re.sub(r'[^A-Za-z0-9_-]', '_', k)}" for k in expected
        )
        assert {p for p, hidden in shown.programmes.items() if not hidden} == set(big_mission["programmes"])
        assert [m for m, hidden in shown.missions.items() if not hidden] == [code]
        assert f"{len(expected)} of {len(shown.rows)} measures shown" in shown.output

        # (c) the CSV link of the table shown: on disk, every row of the table, the same verdicts
        header, rows = _csv(out, shown.csv["measures"])
        assert len(rows) == len(shown.rows)
        columns = [f"verdict_{year}"] if year else [h for h in header if h.startswith("verdict_")]
        matching = {
            r[header.index("measure_key")]
            for r in rows
            if r[0] == code and verdict in [r[header.index(c)] for c in columns]
        }
        assert matching == expected

    # A programme page: the measures with that verdict that year.
    url = (out / "P129.html").as_uri() + "#verdict=met&year=2016"
    shown = _shown(_browse(chromium, tmp_path / "profile", "--dump-dom", url).stdout)
    expected = {
        r["measure_key"]
        for r in _query(
            rendered,
            "select measure_key from fct_target_attainment join dim_measure using (measure_key) "
            "where programme_code = 'P129' and year = 2016 and verdict = 'met'",
        )
    }
    assert len(expected) >= 5
    assert {k for k, hidden in shown.articles.items() if not hidden} == expected
    assert shown.form_hidden is False


def test_without_javascript_every_row_shows(rendered, chromium, tmp_path, big_mission):
    """The pages as written: the form hidden, no row hidden. In Chromium, the index without its script
    (headless Chromium cannot turn scripts off: its commands run through them), a filter in the
    address changes nothing: the DOM hides nothing and the window looks as without the filter."""
    shown = _shown(_page(rendered, "index.html"))
    assert shown.form_hidden is True  # the controls would do nothing: not shown
    assert len(shown.rows) == _query(rendered, "select count(*) as n from dim_measure")[0]["n"]
    assert not any(r["hidden"] for r in shown.rows)
    assert not any(shown.programmes.values()) and not any(shown.missions.values())
    for path in rendered["out"].glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert len(re.findall(r"<[^>]*\shidden[\s>]", text)) == ('<form class="filters"' in text), path.name

    index = _page(rendered, "index.html")
    assert index.count(f"{SCRIPT_TAG}</script>") == 1
    without = tmp_path / "index-without-script.html"
    without.write_text(
        index.replace(f"{SCRIPT_TAG}</script>", "").replace(
            "<head>", f'<head><base href="{rendered["out"].as_uri()}/">', 1
        ),
        encoding="utf-8",
    )
    fragment = f"#mission={big_mission['mission_code']}&verdict=met"
    dom = _shown(_browse(chromium, tmp_path / "profile", "--dump-dom", without.as_uri() + fragment).stdout)
    assert dom.form_hidden is True and not any(r["hidden"] for r in dom.rows)
    assert not any(dom.programmes.values())
    shots = {}
    for name, url in (
        ("plain", without.as_uri()),
        ("filtered-without-script", without.as_uri() + fragment),
        ("filtered", (rendered["out"] / "index.html").as_uri() + fragment),
    ):
        shot = tmp_path / f"{name}.png"
        _browse(chromium, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1600", url)
        shots[name] = _png_rgb(shot)
    assert np.array_equal(shots["plain"], shots["filtered-without-script"])
    assert not np.array_equal(shots["plain"], shots["filtered"])


def test_chromium_screenshot_of_the_index_filtered_to_one_mission(rendered, chromium, tmp_path, big_mission):
    """The lead's command (orchestration.tools.screenshots) writes the index filtered to the mission;
    in the same window the programmes' CSV link is on screen, and the filter keeps the mission only."""
    code = big_mission["mission_code"]
    shot = tmp_path / "scorecard-filtered.png"
    args = [str(shot), "--scorecard", str(rendered["out"]), "--mission", code, "--size", "1280,1600"]
    assert screenshots.main(args) == 0
    pixels = _png_rgb(shot)
    assert pixels.shape == (1600, 1280, 3)
    not_white = (pixels.reshape(-1, 3) < 245).any(axis=1).mean()
    assert 0.05 < not_white < 0.8, not_white
    # Where the link is in that window, measured by the browser.
    script = (
        "window.addEventListener('load',function(){"
        "var a=document.querySelector('table.programmes caption a.csv'),r=a.getBoundingClientRect();"
        "document.body.setAttribute('data-link',[Math.round(r.top),Math.round(r.bottom),innerHeight].join(' '));"
        "document.body.setAttribute('data-rows',document.querySelectorAll('table.programmes tr[data-programme]:not([hidden])').length);});"
    )
    probe = _probe(rendered, tmp_path, "index.html", script)
    dom = _dom(
        _browse(
            chromium,
            tmp_path / "profile",
            "--window-size=1280,1600",
            "--dump-dom",
            f"{probe.as_uri()}#mission={code}",
        ).stdout
    )
    top, bottom, height = (int(n) for n in dom.body["data-link"].split())
    assert 0 < top < bottom <= height <= 1600  # within the window (its inner height in this mode)
    assert dom.body["data-rows"] == str(len(big_mission["programmes"]))
