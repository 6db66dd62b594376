"""The Data Docs readable without a network: a post-processing of the site GX built.

GX 1.24's pages take Bootstrap 4.3.1, jQuery 3.7.1, popper 1.12.9, bootstrap-table 1.19.1,
bootstrap-datepicker 1.9.0, Font Awesome 6.6.0 and Vega from public CDNs, by URLs written into
its Jinja templates (`render/view/templates/*.j2`). Serving those files locally was ruled out:

- the package ships only its own stylesheet, fonts and images (`render/view/static/`), no JS;
- no setting points the templates at local copies: a plugin's `custom_data_docs/views` comes after
  GX's own templates in the loader, so it cannot replace them (only add);
- PyPI has no set that matches: XStatic ships jQuery 3.7.1, but Bootstrap only as 5.x, Font
  Awesome 6.2.1, bootstrap-datepicker 1.4.0, and no bootstrap-table, popper 1 or Vega. npm has
  them, but would need Node in the set-up.

Most of every page is HTML GX wrote on the server (the expectations, their results, the
statistics): only the index's list of results is drawn by a script (bootstrap-table, from JSON
embedded in the page), so offline the index was blank. The pages are therefore post-processed,
each time the site is built (`validation.build_data_docs`), idempotently:

- every page gets a small stylesheet: borders for the tables, and the pass/fail marks that the
  Font Awesome icons draw online (with zero specificity, `:where`, so that Font Awesome wins when
  it loads);
- the index gets a plain HTML table of the validation results, read from the results GX stored
  (`gx-validations/**/*.json`, the JSON the site itself was built from), each linking to its page
  and to its suite's page. A small inline script shows one list only: GX's when bootstrap-table
  drew it, this one otherwise (and with scripts off, both show).
"""

import html
import json
import re
from datetime import datetime
from pathlib import Path

BEGIN, END = "<!-- offline:begin (quality/data_docs.py) -->", "<!-- offline:end -->"

STYLE = (
    "<style>/* offline fallback (quality/data_docs.py): the CDN stylesheets do not load without a network */"
    "body{font-family:sans-serif;margin:1em 2em;max-width:1400px}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}"
    ".d-none{display:none}img{max-width:240px}"
    ":where(.fa-check-circle)::before{content:'\\2714'}:where(.fa-times)::before{content:'\\2718'}"
    ":where(.text-success){color:#1e7e34}:where(.text-danger){color:#c82333}"
    "#offline-index td.failed{color:#c82333;font-weight:bold}#offline-index td.passed{color:#1e7e34}"
    "</style>"
)

# Shows one list of results: GX's when bootstrap-table loaded and drew it, the plain one otherwise.
TOGGLE = (
    "<script>(function(){var drawn=!!(window.jQuery&&window.jQuery.fn&&window.jQuery.fn.bootstrapTable);"
    "var hide=drawn?document.getElementById('offline-index')"
    ":document.querySelector('.ge-index-page-tabs-container');"
    "if(hide){hide.style.display='none';}})();</script>"
)


def validation_results(validations_dir: Path, site: Path) -> list[dict]:
    """The validation results GX stored under `validations_dir`, each with the path of its page
    (GX writes `validations/<suite>/<run name>/<run time>/<batch>.html`, the key of its JSON) and
    of its suite's page, relative to the site; newest first within a suite, suites by name."""
    found = []
    for path in sorted(validations_dir.rglob("*.json")):
        stored = json.loads(path.read_text(encoding="utf-8"))
        meta, statistics = stored.get("meta") or {}, stored.get("statistics") or {}
        suite = stored.get("suite_name") or meta.get("expectation_suite_name") or path.parts[-4]
        run_id = meta.get("run_id") or {}
        page = Path("validations") / path.relative_to(validations_dir).with_suffix(".html")
        suite_page = Path("expectations") / f"{suite}.html"
        found.append(
            {
                "suite": suite,
                "success": bool(stored.get("success")),
                "run_name": run_id.get("run_name") or "",
                "run_time": run_id.get("run_time") or meta.get("validation_time") or "",
                "evaluated": int(statistics.get("evaluated_expectations") or 0),
                "successful": int(statistics.get("successful_expectations") or 0),
                "page": page.as_posix() if (site / page).is_file() else None,
                "suite_page": suite_page.as_posix() if (site / suite_page).is_file() else None,
            }
        )
    found.sort(key=lambda r: r["run_time"], reverse=True)
    found.sort(key=lambda r: r["suite"])
    return found


def _when(run_time: str) -> str:
    try:
        return datetime.fromisoformat(run_time).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    except ValueError:
        return run_time


def _link(href: str | None, text: str) -> str:
    text = html.escape(text)
    return f'<a href="{html.escape(href)}">{text}</a>' if href else text


def index_block(results: list[dict]) -> str:
    """The plain HTML list of `results` (no script), between the BEGIN and END markers."""
    rows = []
    for r in results:
        status = "Passed" if r["success"] else "Failed"
        rows.append(
            "<tr>"
            f'<td class="{status.lower()}">{status}</td>'
            f"<td>{_link(r['page'], r['suite'])}</td>"
            f"<td>{r['successful']} of {r['evaluated']}</td>"
            f"<td>{html.escape(_when(r['run_time']))}</td>"
            f"<td>{html.escape(r['run_name'])}</td>"
            f"<td>{_link(r['suite_page'], 'expectations')}</td>"
            "</tr>"
        )
    body = "".join(rows) or '<tr><td colspan="6">No validation result is stored.</td></tr>'
    return (
        f'{BEGIN}<section id="offline-index"><h2>Validation results</h2>'
        "<p>The latest result of each suite; a suite opens its result, expectation by expectation. "
        "GX says <em>Failed</em> when any expectation is unmet, a warning rule's too: "
        '<a href="../quality-summary.md">quality-summary.md</a> says which rules block publishing.</p>'
        "<table><thead><tr><th>Status</th><th>Suite (its result)</th><th>Expectations met</th>"
        "<th>Run time</th><th>Run name</th><th>Suite</th></tr></thead>"
        f"<tbody>{body}</tbody></table></section>{END}"
    )


def _with_index_block(text: str, block: str) -> str:
    """The index page `text` with `block` above GX's first section (replacing an earlier one)."""
    text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), "", text, flags=re.S).replace(TOGGLE, "")
    anchor = '<div id="section-1"'  # GX's first section: the list comes above its tabs
    if anchor in text:
        text = text.replace(anchor, block + anchor, 1)
    else:
        body = re.search(r"<body[^>]*>", text)
        at = body.end() if body else 0
        text = text[:at] + block + text[at:]
    return text.replace("</body>", TOGGLE + "</body>", 1)


def make_readable_offline(site: Path, validations_dir: Path) -> None:
    """Post-process the site GX built under `site` (see the module's docstring). Running it again
    changes nothing (the index's list is replaced, the stylesheet added once)."""
    block = index_block(validation_results(validations_dir, site))
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = text if STYLE in text else text.replace("</head>", STYLE + "</head>", 1)
        if page == site / "index.html":
            new = _with_index_block(new, block)
        if new != text:
            page.write_text(new, encoding="utf-8")
