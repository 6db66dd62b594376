"""The scorecard: a static HTML report of the published marts, for stewards and managers.

`index.html` gives the taux d'atteinte des cibles of every mission and programme year by year, ours
beside the official one where a RAP prints verdicts; one page per mission charts its rate over the
years and lists its programmes; one page per programme shows its rate, then every measure with its
realisations and targets as a chart, our verdict and the RAP's verdict as published for each year,
where its direction of improvement came from, its revised values and its trajectory flags.

The package, one concern a module:
- `data.py`: the one read of the published marts file (read-only) and the grouping of its rows;
  every aggregate comes from an `rpt_` model, none is computed here.
- `charts.py`: the geometry of the inline SVG charts (no HTML).
- `vocabulary.py`: the display texts of the contract's vocabularies and the number formats.
- `pages.py`: the Jinja2 environment (autoescape on), the views of each page and the writing of the
  files.
- `templates/*.html.j2` and `templates/scorecard.css`: the markup and the style.

The pages are static and offline: no JavaScript, nothing fetched, the stylesheet inline; they open
from file:// and print as they look. The same marts give the same bytes: the one date printed is the
publication date recorded in the marts file (`publication.info`).
"""

from .data import load_marts
from .pages import render_scorecard

__all__ = ["load_marts", "main", "render_scorecard"]


def main(argv: list[str] | None = None) -> int:
    """python -m orchestration.lib.scorecard [MARTS_DB [OUT_DIR]]"""
    import sys
    import time
    from pathlib import Path

    from orchestration.lib.settings import load_settings

    args = sys.argv[1:] if argv is None else argv
    settings = load_settings()
    marts_db = Path(args[0]) if args else settings.marts_path
    out_dir = Path(args[1]) if len(args) > 1 else settings.reports_dir / "scorecard"
    start = time.perf_counter()
    counts = render_scorecard(marts_db, out_dir)
    print(f"{out_dir / 'index.html'}: {counts} in {time.perf_counter() - start:.2f} s")
    return 0
