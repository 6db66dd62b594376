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
- `tables.py`: the rows of each table as data and the writing of their CSV files under `csv/`.
- `pages.py`: the Jinja2 environment (autoescape on), the views of each page and the writing of the
  files.
- `templates/*.html.j2`, `templates/scorecard.css` and `templates/scorecard.js`: the markup, the style
  and the filters' script (copied beside the pages).

The pages are static and offline: nothing fetched, the stylesheet inline, one small script of ours
beside them (`scorecard.js`: a search box and mission, verdict and year filters that hide rows, their
state in the address's fragment); without it the filters stay hidden and every row shows. They open
from file:// and print as they look. Every table links to its CSV file. The same marts give the same bytes: the one date printed is the
publication date recorded in the marts file (`publication.info`).
"""

from .data import load_marts
from .pages import render_scorecard

__all__ = ["load_marts", "render_scorecard"]
