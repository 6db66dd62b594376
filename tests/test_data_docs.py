"""The Great Expectations Data Docs, readable without a network.

The site is built again (`build_data_docs`, as the run builds it) from the validation results
that the session's `make run` on the shipped sources stored (`published`), into a temporary
folder, then opened in headless Chromium with every host name unresolvable and a proxy to nowhere:
the CDN scripts GX's pages ask for never load, and the index must still list every validation,
each opening its page with its expectations.
"""

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from orchestration.lib.quality.data_docs import BEGIN, END, make_readable_offline
from orchestration.lib.quality.validation import build_data_docs

from .conftest import browse

PROJECT_DIR = Path(__file__).resolve().parents[1]
SUITES_DIR = PROJECT_DIR / "expectations" / "gx" / "expectations"
# The one suite GX keeps (the stewards' rules on the raw cells; what dbt enforces on the marts is
# dbt's tests). In the shipped sources its warning rule fails (973 unparsed cells), and GX reports
# any unmet expectation as a failed validation.
SUITES = ("raw_indicator_cell",)
STATUS = {"raw_indicator_cell": "Failed"}

# Offline: no host name resolves, and anything that would still go out meets a closed port.
OFFLINE = ("--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9")


def _browse(chromium: Path, user_data: Path, *args: str) -> str:
    """The page's DOM (or nothing, for a screenshot), with the network out of reach."""
    return browse(chromium, user_data, *OFFLINE, *args).stdout


class _Tables(HTMLParser):
    """Every table's rows (cells' text, and each cell's first link), the body's attributes, and the
    style of the GX tabs container."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[tuple[str, str | None]]]] = []
        self.body: dict[str, str | None] = {}
        self.tabs_style: str | None = None
        self.text: list[str] = []
        self._open: list[list] = []
        self._cell: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        elif "ge-index-page-tabs-container" in (a.get("class") or "").split():
            self.tabs_style = a.get("style") or ""
        elif tag == "table":
            self._open.append([])
        elif tag == "tr" and self._open:
            self._open[-1].append([])
        elif tag in ("td", "th") and self._open and self._open[-1]:
            self._cell = ["", None]
        elif tag == "a" and self._cell is not None and self._cell[1] is None:
            self._cell[1] = a.get("href")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._open[-1][-1].append((" ".join(self._cell[0].split()), self._cell[1]))
            self._cell = None
        elif tag == "table" and self._open:
            self.tables.append(self._open.pop())

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell[0] += data


def _parse(text: str) -> _Tables:
    parser = _Tables()
    parser.feed(text)
    return parser


def _stored(reports: Path) -> dict[str, dict]:
    """The validation result GX stored for each suite (the latest only is kept)."""
    found = {}
    for path in (reports / "gx-validations").rglob("*.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        assert result["suite_name"] not in found, "one stored result per suite"
        found[result["suite_name"]] = result
    return found


@pytest.fixture(scope="module")
def site(published, tmp_path_factory) -> Path:
    """The Data Docs built again from the shared run's stored results, in a temporary folder."""
    reports = tmp_path_factory.mktemp("data-docs") / "reports"
    shutil.copytree(published / "reports" / "gx-validations", reports / "gx-validations")
    shutil.copy(published / "reports" / "quality-summary.md", reports / "quality-summary.md")
    index = build_data_docs(reports)
    assert index == reports / "data-docs" / "index.html"
    return reports / "data-docs"


def test_the_run_builds_the_offline_list(published):
    """`make run` built the Data Docs with the plain list of results in the index."""
    page = (published / "reports" / "data-docs" / "index.html").read_text(encoding="utf-8")
    block = page[page.index(BEGIN) : page.index(END)]
    for suite in SUITES:
        assert f">{suite}</a>" in block


def test_the_index_lists_every_validation(site):
    reports = site.parent
    stored = _stored(reports)
    assert sorted(stored) == sorted(SUITES)
    page = (site / "index.html").read_text(encoding="utf-8")
    assert page.count(BEGIN) == page.count(END) == 1

    # Post-processing again changes nothing: the run may build the site twice.
    before = {p: p.read_bytes() for p in site.rglob("*.html")}
    make_readable_offline(site, reports / "gx-validations")
    assert {p: p.read_bytes() for p in site.rglob("*.html")} == before

    [listed] = [t for t in _parse(page[page.index(BEGIN) : page.index(END)]).tables]
    header, *rows = listed
    assert [text for text, _ in header] == [
        "Status",
        "Suite (its result)",
        "Expectations met",
        "Run time",
        "Run name",
        "Suite",
    ]
    assert [row[1][0] for row in rows] == sorted(SUITES)
    for (status, _), (suite, href), (met, _), _when, (run_name, _), (_, suite_href) in rows:
        result = stored[suite]
        expectations = len(json.loads((SUITES_DIR / f"{suite}.json").read_text())["expectations"])
        unmet = sum(not r["success"] for r in result["results"])
        assert status == STATUS[suite]
        assert met == f"{expectations - unmet} of {expectations}"
        assert run_name == result["meta"]["run_id"]["run_name"]
        assert (site / href).is_file() and href.startswith(f"validations/{suite}/")
        assert suite_href == f"expectations/{suite}.html" and (site / suite_href).is_file()


def test_chromium_offline_shows_the_list_and_a_validation(site, chromium, tmp_path):
    user_data = tmp_path / "profile"
    index = site / "index.html"

    # Laid out offline: a probe (a copy of the index beside it, with a script at the end) measures
    # the plain list and GX's tabs with the browser's own geometry.
    probe = site / "probe-index.html"
    probe.write_text(
        index.read_text(encoding="utf-8").replace(
            "</body>",
            "<script>const t=document.querySelector('#offline-index table');"
            "const shown=[...t.querySelectorAll('tbody tr')].filter(r=>r.getBoundingClientRect().height>0);"
            "const b=document.body;b.setAttribute('data-jquery',typeof window.jQuery);"
            "b.setAttribute('data-rows',shown.length);"
            "b.setAttribute('data-list-width',Math.round(t.getBoundingClientRect().width));"
            "b.setAttribute('data-tabs-height',Math.round(document.querySelector("
            "'.ge-index-page-tabs-container').getBoundingClientRect().height));</script></body>",
        ),
        encoding="utf-8",
    )
    probed = _parse(_browse(chromium, user_data, "--dump-dom", probe.as_uri())).body
    probe.unlink()
    assert probed["data-jquery"] == "undefined"  # the CDN did not answer: offline indeed
    assert probed["data-rows"] == str(len(SUITES))
    assert int(probed["data-list-width"]) > 400
    assert probed["data-tabs-height"] == "0"  # GX's empty tabs are hidden offline

    dom = _parse(_browse(chromium, user_data, "--dump-dom", index.as_uri()))
    assert "display: none" in (dom.tabs_style or "")
    [listed] = [t for t in dom.tables if t and t[0] and t[0][0][0] == "Status"]
    links = {row[1][0]: row[1][1] for row in listed[1:]}
    assert sorted(links) == sorted(SUITES)

    # A link of the list opens the validation's page, which shows every expectation and its result.
    suite = "raw_indicator_cell"
    result = _stored(site.parent)[suite]
    page = _parse(_browse(chromium, user_data, "--dump-dom", (site / links[suite]).as_uri()))
    text = " ".join(" ".join(page.text).split())
    assert "Expectation Validation Result" in text
    expectation_rows = [
        row
        for table in page.tables
        if table and [c for c, _ in table[0]][:2] == ["Status", "Expectation"]
        for row in table[1:]
    ]
    assert len(expectation_rows) == len(result["results"]) == 15
    unmet = [r for r in result["results"] if not r["success"]]
    assert [r["expectation_config"]["meta"]["rule"] for r in unmet] == ["cell_not_unparsed"]
    assert f"{unmet[0]['result']['unexpected_count']} unexpected values found" in text

    # The picture of the offline index, kept in the test's temporary folder for people to look at.
    shot = tmp_path / "data-docs-index.png"
    _browse(chromium, user_data, f"--screenshot={shot}", "--window-size=1280,900", index.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 30_000, f"{shot} looks blank ({shot.stat().st_size} bytes)"
