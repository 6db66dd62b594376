"""The scorecard's chart geometry: where every mark of an inline SVG chart goes, and its hover text.

Owns the two charts of the scorecard, computed here as plain data and drawn by
`templates/_charts.html.j2` (which escapes every text):
- a measure's chart: realisations (a line and dots) and targets (diamonds; ▲/▼ for bounds, a bar for
  a range; hollow for a fallback target; grey for a value a revision replaced), over the years the
  measure has;
- a rate chart: the taux d'atteinte des cibles (share_met) by year, ours as a line with dots and the
  official one (where a RAP prints verdicts) as diamonds, on a 0–100 % scale, over every year of the
  marts, so that the charts of two missions compare at a glance.

No JavaScript, no library: coordinates are strings with one decimal, so the same marts give the
same bytes.
"""

import math
from dataclasses import dataclass, field

from .vocabulary import BASIS_TEXT, NUMERIC_STATUSES, fmt_num, fmt_pct


def coord(value: float) -> str:
    return f"{value:.1f}"


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


def diamond(x: float, y: float, r: float = 5.5) -> str:
    return (
        f"M{coord(x)},{coord(y - r)} L{coord(x + r)},{coord(y)} "
        f"L{coord(x)},{coord(y + r)} L{coord(x - r)},{coord(y)} Z"
    )


def triangle(x: float, y: float, up: bool, r: float = 6.0) -> str:
    tip, base = (y - r, y + r * 0.7) if up else (y + r, y - r * 0.7)
    return f"M{coord(x)},{coord(tip)} L{coord(x + r)},{coord(base)} L{coord(x - r)},{coord(base)} Z"


@dataclass(frozen=True)
class Tick:
    x: str
    y: str
    label: str
    muted: bool = False


@dataclass(frozen=True)
class Frame:
    """The plot area, its grid lines and axis labels."""

    x: str
    y: str
    width: str
    height: str
    grid: list[str]  # y of each horizontal grid line
    grid_x1: str
    grid_x2: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]


class _Axes:
    """Band scale for years (a band per year, points at its middle), linear scale for values."""

    def __init__(self, width: int, height: int, pad: tuple[int, int, int, int], years: list[int]):
        self.width, self.height = width, height
        self.left, self.right, self.top, self.bottom = pad
        self.years = years
        self.plot_w = width - self.left - self.right
        self.plot_h = height - self.top - self.bottom
        self.band = self.plot_w / max(len(years), 1)
        self.y_min, self.y_max, self.inset = 0.0, 1.0, 0.0

    def x(self, year: int) -> float:
        return self.left + (self.years.index(year) + 0.5) * self.band

    def y(self, value: float) -> float:
        span = (self.y_max - self.y_min) or 1.0
        usable = self.plot_h - 2 * self.inset
        return self.top + self.plot_h - self.inset - (value - self.y_min) / span * usable

    def frame(self, ticks: list[float], tick_text, muted_years: set[int] = frozenset()) -> Frame:
        every = 1 if self.band >= 30 else 2
        return Frame(
            x=str(self.left),
            y=str(self.top),
            width=coord(self.plot_w),
            height=str(self.plot_h),
            grid=[coord(self.y(t)) for t in ticks],
            grid_x1=str(self.left),
            grid_x2=str(self.width - self.right),
            y_ticks=[Tick(str(self.left - 6), coord(self.y(t)), tick_text(t)) for t in ticks],
            x_ticks=[
                Tick(coord(self.x(year)), str(self.height - self.bottom + 16), str(year), year in muted_years)
                for year in self.years
                if year % every == 0 or len(self.years) == 1
            ],
        )


def _runs(points: list[tuple[int, float, float]]) -> list[str]:
    """Polyline points for each run of consecutive years (a line never bridges a year without data)."""
    runs: list[list[str]] = []
    last = None
    for year, x, y in points:
        if last is None or year != last + 1:
            runs.append([])
        runs[-1].append(f"{coord(x)},{coord(y)}")
        last = year
    return [" ".join(run) for run in runs if len(run) > 1]


# --- a measure's realisations and targets ----------------------------------------------------------


@dataclass(frozen=True)
class Dot:
    cx: str
    cy: str
    tip: str


@dataclass(frozen=True)
class Marker:
    """A target: a path (diamond or triangle) or, for a range, a bar with its two ends."""

    tip: str
    fallback: bool
    d: str = ""
    x: str = ""
    y_low: str = ""
    y_high: str = ""
    x_left: str = ""
    x_right: str = ""

    @property
    def is_range(self) -> bool:
        return not self.d


@dataclass(frozen=True)
class Revision:
    """The value a revision replaced, linked to the value now of record."""

    x: str
    y_from: str
    y_to: str
    d: str
    tip: str


@dataclass
class MeasureChart:
    key: str
    title: str
    unit: str
    width: int
    height: int
    frame: Frame
    unit_x: str
    unit_y: str
    year_x: str
    year_y: str
    revisions: list[Revision] = field(default_factory=list)
    target_lines: list[str] = field(default_factory=list)  # one per run of consecutive years
    targets: list[Marker] = field(default_factory=list)
    real_lines: list[str] = field(default_factory=list)
    reals: list[Dot] = field(default_factory=list)


MEASURE_W, MEASURE_H = 500, 200
MEASURE_PAD = (62, 14, 24, 30)  # left, right, top, bottom


def measure_chart(key: str, label: str, unit: str, attainment: dict[int, dict], revisions: list[dict]):
    """The chart of one measure, over the years it has; None when it has no number to draw."""
    real: list[tuple[int, float, dict]] = []
    targets: list[tuple[int, dict]] = []
    values: list[float] = []
    for year in sorted(attainment):
        a = attainment[year]
        if a["realisation_value"] is not None and a["realisation_status"] in NUMERIC_STATUSES:
            real.append((year, a["realisation_value"], a))
            values.append(a["realisation_value"])
        if a["target_status"] == "range" and a["target_low"] is not None and a["target_high"] is not None:
            targets.append((year, a))
            values += [a["target_low"], a["target_high"]]
        elif a["target_value"] is not None and a["target_status"] in NUMERIC_STATUSES:
            targets.append((year, a))
            values.append(a["target_value"])
    earlier: list[tuple[int, float, dict]] = []
    for r in revisions:
        if r["value_kind"] == "target" and r["first_value"] is not None:
            current = attainment.get(r["year"], {})
            if current.get("target_value") is not None and current["target_value"] != r["first_value"]:
                earlier.append((r["year"], r["first_value"], r))
                values.append(r["first_value"])
    if not values:
        return None
    drawn = [y for y, *_ in real] + [y for y, _ in targets] + [y for y, *_ in earlier]
    years = list(range(min(drawn), max(drawn) + 1))

    lo, hi = min(values), max(values)
    if lo > 0 and lo <= hi * 0.35:
        lo = 0.0  # a zero baseline when the data sit close to it anyway
    ticks = nice_ticks(lo, hi)
    axes = _Axes(MEASURE_W, MEASURE_H, MEASURE_PAD, years)
    axes.y_min, axes.y_max, axes.inset = ticks[0], ticks[-1], 7  # points on extreme ticks clear the frame
    chart = MeasureChart(
        key=key,
        title=f"{label}: realisations and targets, {years[0]}–{years[-1]} ({unit})",
        unit=unit or "value",
        width=MEASURE_W,
        height=MEASURE_H,
        frame=axes.frame(ticks, fmt_num),
        unit_x=str(axes.left),
        unit_y=str(axes.top - 9),
        year_x=str(MEASURE_W - axes.right),
        year_y=str(MEASURE_H - 2),
    )
    for year, value, r in earlier:
        x = axes.x(year)
        y0, y1 = axes.y(value), axes.y(attainment[year]["target_value"])
        tip = (
            f"{year} target first printed {r['first_raw']} ({r['first_document_id']}), "
            f"revised to {r['latest_raw']} ({r['latest_document_id']})"
        )
        chart.revisions.append(Revision(coord(x), coord(y0), coord(y1), diamond(x, y0, 4.5), tip))

    chart.target_lines = _runs(
        [
            (y, axes.x(y), axes.y(a["target_value"]))
            for y, a in targets
            if a["target_value"] is not None and a["target_status"] != "range"
        ]
    )
    for year, a in targets:
        x = axes.x(year)
        basis = BASIS_TEXT.get(a["target_basis"] or "", a["target_basis"] or "")
        tip = f"{year} target: {a['target_raw']} ({basis}; {a['target_document_id']})"
        fallback = bool(a["is_fallback_target"])
        if a["target_status"] == "range":
            chart.targets.append(
                Marker(
                    tip,
                    fallback,
                    x=coord(x),
                    y_low=coord(axes.y(a["target_low"])),
                    y_high=coord(axes.y(a["target_high"])),
                    x_left=coord(x - 6),
                    x_right=coord(x + 6),
                )
            )
            continue
        y = axes.y(a["target_value"])
        comparator = a["target_comparator"] or ""
        if a["target_status"] == "bound" and comparator in (">", ">=", "<", "<="):
            shape = triangle(x, y, up=comparator.startswith(">"))
        else:
            shape = diamond(x, y)
        chart.targets.append(Marker(tip, fallback, d=shape))

    points = [(axes.x(year), axes.y(value), a) for year, value, a in real]
    chart.real_lines = _runs([(year, axes.x(year), axes.y(value)) for year, value, _ in real])
    chart.reals = [
        Dot(
            coord(x),
            coord(y),
            f"{a['year']} realisation: {a['realisation_raw']} ({a['realisation_document_id']})",
        )
        for x, y, a in points
    ]
    return chart


# --- the taux d'atteinte des cibles by year --------------------------------------------------------


@dataclass(frozen=True)
class RatePoint:
    x: str
    y: str
    d: str  # the official diamond's path ('' for ours: a circle at x, y)
    label: str
    label_y: str
    tip: str
    small: bool = False  # fewer than SMALL_SAMPLE targets assessed


@dataclass(frozen=True)
class RateLegend:
    y: str
    line_x1: str
    line_x2: str
    dot_x: str
    ours_x: str
    diamond: str
    official_x: str
    small_x: str
    small_text_x: str
    small_text: str
    counts_x: str
    counts_y: str


@dataclass
class RateChart:
    name: str
    title: str
    width: int
    height: int
    frame: Frame
    ours_lines: list[str]  # one polyline per run of consecutive assessed years
    ours: list[RatePoint]
    official: list[RatePoint]
    legend: "RateLegend"
    counts: list[Tick] = field(default_factory=list)  # targets assessed, under each year


RATE_W, RATE_H = 900, 260
SMALL_SAMPLE = 5  # fewer targets assessed than this: the dot is drawn hollow
RATE_PAD = (46, 16, 40, 42)


def rate_chart(name: str, subject: str, years: list[int], rates: dict[int, dict]) -> RateChart:
    """The share of assessed targets met, by year: ours (line, dots) and the official one (diamonds).

    `years` are every year of the marts (gaps included on the axis, so charts compare); `rates` are
    rows of an rpt model with targets_assessed, met, share_met and the official counts."""
    span = list(range(min(years), max(years) + 1)) if years else []
    axes = _Axes(RATE_W, RATE_H, RATE_PAD, span)
    axes.y_min, axes.y_max, axes.inset = 0.0, 1.0, 0
    assessed = {y for y, r in rates.items() if r["share_met"] is not None}
    chart = RateChart(
        name=name,
        title=f"{subject}: taux d'atteinte des cibles (share of assessed targets met) by year, ours and the "
        "official one where a RAP prints verdicts",
        width=RATE_W,
        height=RATE_H,
        frame=axes.frame([0, 0.25, 0.5, 0.75, 1.0], fmt_pct, set(span) - assessed),
        ours_lines=[],
        ours=[],
        official=[],
        legend=RateLegend(
            y="16",
            line_x1=str(axes.left),
            line_x2=str(axes.left + 26),
            dot_x=str(axes.left + 13),
            ours_x=str(axes.left + 34),
            diamond=diamond(axes.left + 198, 16, 6.5),
            official_x=str(axes.left + 212),
            small_x=str(axes.left + 400),
            small_text_x=str(axes.left + 410),
            small_text=f"hollow: fewer than {SMALL_SAMPLE} targets assessed",
            counts_x="2",
            counts_y=str(RATE_H - 4),
        ),
    )
    run: list[str] = []
    for year in span:
        r = rates.get(year) or {}
        share, official = r.get("share_met"), r.get("official_share_met")
        if r.get("targets_assessed"):
            chart.counts.append(Tick(coord(axes.x(year)), str(RATE_H - 4), str(r["targets_assessed"])))
        if share is None:
            if len(run) > 1:
                chart.ours_lines.append(" ".join(run))
            run = []
        # Labels on the outer side of the pair, so that the two never sit on each other.
        ours_above = official is None or share is None or share >= official
        x = axes.x(year)
        if share is not None:
            y = axes.y(share)
            run.append(f"{coord(x)},{coord(y)}")
            tip = (
                f"{year}, our verdicts: {fmt_pct(share)} of the targets assessed were met "
                f"({r['met']} met, {r['improved']} improved, {r['not_improved']} not improved of "
                f"{r['targets_assessed']}; {r['no_data']} without data, {r['not_retained']} not retained)"
            )
            label_y = y - 9 if ours_above else y + 17
            small = r["targets_assessed"] < SMALL_SAMPLE
            chart.ours.append(RatePoint(coord(x), coord(y), "", fmt_pct(share), coord(label_y), tip, small))
        if official is not None:
            y = axes.y(official)
            tip = (
                f"{year}, official verdicts (RAP): {fmt_pct(official)} of the targets assessed were met "
                f"({r['official_met']} of {r['official_assessed']}); ours agree on {r['agreeing']} of the "
                f"{r['both_assessed']} measure-years both assessed"
            )
            label_y = y + 19 if ours_above and share is not None else y - 10
            small = r["official_assessed"] < SMALL_SAMPLE
            chart.official.append(
                RatePoint(
                    coord(x), coord(y), diamond(x, y, 6.5), fmt_pct(official), coord(label_y), tip, small
                )
            )
    if len(run) > 1:
        chart.ours_lines.append(" ".join(run))
    return chart
