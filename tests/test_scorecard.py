"""The HTML scorecard, rendered from marts built from the shipped sources, then opened in a real browser.

One pipeline build serves every test (dbt alone costs ~45 s here): the shipped sources, copied, with
one hostile label planted in the Farandole document (measure and indicator 1.2 of P352, in both places
the document prints it). The P129 checks and the page counts are unaffected by that label.
"""

import html
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pytest

from orchestration.lib.duckdb_io import connection
from orchestration.lib.ingest import ingest
from orchestration.lib.publish import publish_marts
from orchestration.lib.scorecard import render_scorecard
from orchestration.lib.settings import DBT_PROJECT_DIR, load_settings

from .conftest import RAW_DIR, SEED_FILE

CHROMIUM = Path("/usr/bin/chromium")
FAST_LABEL = "Nombre de produits accompagnés par le FAST"
HOSTILE = """<script>alert(1)</script> & "quotes" =cmd|' /C calc'!A0"""
REAL_BLUE = (9, 105, 218)  # --real in the page CSS: the realisation line and dots


# --- fixtures --------------------------------------------------------------------------------------


def _dbt_executable() -> str:
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """Sources (with the hostile label) -> raw schema -> dbt models -> published marts file."""
    root = tmp_path_factory.mktemp("scorecard")
    raw = root / "raw"
    shutil.copytree(RAW_DIR, raw)
    seed = raw / SEED_FILE.relative_to(RAW_DIR)
    text = seed.read_bytes().decode("utf-8")
    assert text.count(FAST_LABEL) == 2  # the indicator title and the row of its table
    seed.write_bytes(text.replace(FAST_LABEL, HOSTILE).encode("utf-8"))

    warehouse = root / "warehouse.duckdb"
    with connection(warehouse) as con:
        report = ingest(con, raw)
    assert sorted(report.loaded) == ["PAP-2024-P352", "PAP-2025"] and not report.rejected

    # Models and seeds only: the data tests are the business of the dbt and quality test modules.
    proc = subprocess.run(
        [
            _dbt_executable(),
            "build",
            "--profiles-dir",
            ".",
            "--resource-type",
            "model",
            "--resource-type",
            "seed",
            "--threads",
            "4",
            "--target-path",
            str(root / "dbt_target"),
            "--log-path",
            str(root / "dbt_logs"),
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "DUCKDB_PATH": str(warehouse), "DO_NOT_TRACK": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    marts = root / "marts.duckdb"
    publish_marts(warehouse, marts, run_id="test-scorecard")
    return {"root": root, "marts": marts}


@pytest.fixture(scope="module")
def rendered(built) -> dict:
    out = built["root"] / "report"
    start = time.perf_counter()
    counts = render_scorecard(built["marts"], out)
    return {"out": out, "counts": counts, "seconds": time.perf_counter() - start, **built}


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the scorecard is checked in headless Chromium. `make test` installs "
            "Debian's `chromium` package (or run: apt-get update && apt-get install -y chromium)."
        )
    return CHROMIUM


def _browse(chromium: Path, user_data: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={user_data}",
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _page(rendered: dict, name: str) -> str:
    return (rendered["out"] / name).read_text(encoding="utf-8")


def _article(page: str, measure_key: str) -> str:
    start = page.index(f'<article class="measure" id="m-{measure_key}"')
    return page[start : page.index("</article>", start)]


class _Dom(HTMLParser):
    """svg.chart elements and the data marks drawn in each; script elements; body attributes."""

    MARKS = ("polyline", "circle", "path")

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, int] = {}
        self.scripts = 0
        self.body: dict[str, str | None] = {}
        self.text: list[str] = []
        self._chart: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        elif tag == "body":
            self.body = a
        elif tag == "svg" and "chart" in (a.get("class") or "").split():
            self._chart = a.get("data-measure") or ""
            self.charts[self._chart] = 0
        elif self._chart is not None and tag in self.MARKS:
            self.charts[self._chart] += 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self._chart = None

    def handle_data(self, data):
        self.text.append(data)


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


# --- the report ------------------------------------------------------------------------------------


def test_one_page_per_programme_and_an_index_linking_them(rendered):
    with duckdb.connect(str(rendered["marts"]), read_only=True) as con:
        programmes = [r[0] for r in con.execute("select programme_code from dim_programme").fetchall()]
        measures = con.execute("select count(*) from dim_measure").fetchone()[0]
        missions = con.execute(
            "select count(distinct coalesce(mission_code, '?')) from dim_measure where programme_code is null"
        ).fetchone()[0]
    counts = rendered["counts"]
    assert len(programmes) == 145
    assert counts["pages"] == 145
    assert counts["measures"] == measures == 1988  # every measure on exactly one page
    assert counts["mission_pages"] == missions
    assert 0 < counts["charts"] <= measures
    pages = sorted(p.name for p in rendered["out"].glob("P*.html"))
    assert pages == sorted(f"{code}.html" for code in programmes)
    assert len(list(rendered["out"].glob("mission-*.html"))) == missions
    index = _page(rendered, "index.html")
    for code in programmes:
        assert f'href="{code}.html"' in index
    # The measures of the pages add up to the measures of the marts.
    on_pages = sum(
        len(re.findall(r'<article class="measure"', p.read_text(encoding="utf-8")))
        for p in rendered["out"].glob("*.html")
    )
    assert on_pages == measures


def test_p129_shows_30157_met_in_2023_and_its_revised_target(rendered):
    page = _page(rendered, "P129.html")
    block = _article(page, "30157")
    assert "Nombre de produits devenus des services public à impact national majeur" in block
    assert '<svg class="chart" data-measure="30157"' in block
    # Attainment per year, colour class AND text.
    assert re.search(r'data-year="2023" data-status="met"[^>]*>✓ met</td>', block)
    assert 'data-year="2024" data-status="no_realisation"' in block
    # The revision, highlighted, and the trajectory flag.
    assert '<li class="revision">↺ 2025 target revised 7 → 5 (PAP 2024 → PAP 2025)</li>' in block
    assert 'class="revised"' in block
    assert re.search(
        r'<li class="flag flag-less_ambitious"[^>]*>⚠ less ambitious than achieved \(2023 realisation 6\): 2025 target 5',
        block,
    )
    # It continues the P352 measure: the crosswalked key is shown.
    assert "P352-1-1#1" in block
    # The chart: realisations 2021-2023 as dots on a line, targets as markers with hover titles.
    chart = block[block.index("<svg") : block.index("</svg>")]
    assert chart.count('<circle class="real"') == 3
    assert '<polyline class="real-line"' in chart
    assert "<title>2023 realisation: 6 (PAP-2025)</title>" in chart
    assert "2025 target: 5" in chart and 'class="target-earlier"' in chart


def test_hostile_labels_are_escaped(rendered):
    with duckdb.connect(str(rendered["marts"]), read_only=True) as con:
        labels = con.execute(
            "select measure_key, measure_label from dim_measure where measure_label like '%alert(1)%'"
        ).fetchall()
        indicator = con.execute(
            "select indicator_label from dim_indicator where indicator_code = 'P352-1-2'"
        ).fetchone()[0]
    assert labels == [("P352-1-2#1", HOSTILE)]  # it did travel through the pipeline unchanged
    assert indicator == HOSTILE
    page = _page(rendered, "P352.html")
    escaped = html.escape(HOSTILE, quote=True)
    assert (
        escaped
        == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; =cmd|&#x27; /C calc&#x27;!A0"
    )
    block = _article(page, "P352-1-2_1")
    assert f'<h4 lang="fr">{escaped}</h4>' in block
    assert f"<title>{escaped}: realisations and targets" in block  # inside the SVG too
    assert page.count(escaped) >= 3  # measure heading, chart title, indicator heading
    for path in rendered["out"].glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), path.name
        assert HOSTILE not in text, path.name


def test_pages_work_offline_and_do_not_run_code(rendered):
    for path in rendered["out"].glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert set(re.findall(r"https?://[^\s\"'<>)]+", text)) <= {"http://www.w3.org/2000/svg"}, path.name
        for forbidden in ("<link", "<iframe", "<img", " src=", "url(", "@import", " on"):
            if forbidden == " on":
                assert not re.search(r"<[^>]+\son[a-z]+\s*=", text), path.name
            else:
                assert forbidden not in text, (path.name, forbidden)


def test_rendering_is_deterministic(rendered, tmp_path):
    again = render_scorecard(rendered["marts"], tmp_path / "again")
    assert again == rendered["counts"]
    first = {p.name: p.read_bytes() for p in rendered["out"].glob("*.html")}
    second = {p.name: p.read_bytes() for p in (tmp_path / "again").glob("*.html")}
    assert first == second
    # The one date in the pages: the publication recorded in the marts file.
    with duckdb.connect(str(rendered["marts"]), read_only=True) as con:
        published = con.execute("select published_at from publication.info").fetchone()[0]
    assert f"of {published:%Y-%m-%d %H:%M:%S}" in first["index.html"].decode()
    assert "run test-scorecard" in first["P129.html"].decode()


def test_stale_pages_are_removed(rendered, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "P999.html").write_text("old")
    (out / "keep.png").write_bytes(b"x")
    render_scorecard(rendered["marts"], out)
    assert not (out / "P999.html").exists() and (out / "keep.png").exists()


# --- in a real browser -----------------------------------------------------------------------------


def test_chromium_draws_the_charts(rendered, chromium, tmp_path):
    out = rendered["out"]
    user_data = tmp_path / "chromium-profile"
    reports = load_settings().reports_dir
    reports.mkdir(parents=True, exist_ok=True)

    # The DOM Chromium built: every svg.chart of P129 holds data marks.
    dom = _dom(_browse(chromium, user_data, "--dump-dom", (out / "P129.html").as_uri()).stdout)
    assert dom.scripts == 0
    assert len(dom.charts) >= 25
    assert all(marks > 0 for marks in dom.charts.values()), dom.charts
    assert dom.charts["30157"] >= 7  # 3 realisation dots + their line + 4 target markers…

    # Laid out and drawn: a probe (a copy of the page plus a script, outside the report) measures
    # every chart and its marks with the browser's own geometry.
    probe = tmp_path / "probe.html"
    probe.write_text(
        _page(rendered, "P129.html").replace(
            "</body>",
            "<script>const c=[...document.querySelectorAll('svg.chart')];"
            "const drawn=c.filter(s=>{const r=s.getBoundingClientRect();"
            "return r.width>200&&r.height>80&&[...s.querySelectorAll('circle,polyline,path')]"
            ".some(e=>{const b=e.getBBox();return b.width>0||b.height>0;});});"
            "document.body.setAttribute('data-charts',c.length);"
            "document.body.setAttribute('data-drawn',drawn.length);</script></body>",
        ),
        encoding="utf-8",
    )
    probed = _dom(_browse(chromium, user_data, "--dump-dom", probe.as_uri()).stdout)
    assert probed.body.get("data-charts") == str(len(dom.charts))
    assert probed.body.get("data-drawn") == str(len(dom.charts))

    # The index renders: a table row per programme.
    index = _dom(_browse(chromium, user_data, "--dump-dom", (out / "index.html").as_uri()).stdout)
    assert "LOLF performance scorecard" in "".join(index.text)
    assert index.scripts == 0

    # Screenshots, kept under data/reports/ for people to look at.
    for name, target in (("P129.html", "scorecard-P129.png"), ("index.html", "scorecard-index.png")):
        shot = tmp_path / target
        _browse(chromium, user_data, f"--screenshot={shot}", "--window-size=1280,2000", (out / name).as_uri())
        assert shot.stat().st_size > 50_000, f"{shot} looks blank ({shot.stat().st_size} bytes)"
        shutil.copyfile(shot, reports / target)
    pixels = _png_rgb(tmp_path / "scorecard-P129.png")
    assert pixels.shape == (2000, 1280, 3)
    flat = pixels.reshape(-1, 3).astype(int)
    not_white = (flat < 245).any(axis=1).mean()
    assert 0.05 < not_white < 0.8, not_white
    # The realisation lines and dots are on screen in their colour.
    blue = (np.abs(flat - np.array(REAL_BLUE)).max(axis=1) <= 12).sum()
    assert blue > 300, blue


def test_chromium_shows_the_hostile_label_as_text(rendered, chromium, tmp_path):
    dom = _dom(
        _browse(chromium, tmp_path / "profile", "--dump-dom", (rendered["out"] / "P352.html").as_uri()).stdout
    )
    assert dom.scripts == 0
    assert HOSTILE in "".join(dom.text)  # decoded by the browser as text, never as markup
    assert dom.charts.get("P352-1-2#1", 0) > 0
