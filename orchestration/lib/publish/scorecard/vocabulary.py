"""The scorecard's words and number formats: what each coded value of the marts reads as on a page.

Owns the display texts of the contract's vocabularies (verdicts, attainment statuses, directions and
where they came from, value kinds, target bases, trajectory flags) and the small formatters the
templates use as filters (French numbers, percentages, file-name slugs, natural sort keys). No HTML
here: the templates escape whatever these return.
"""

import math
import re

# Our verdict and the official one share the RAP's vocabulary (docs/contract.md, Verdicts):
# code -> (symbol, English text, as the RAP prints it).
VERDICT_TEXT = {
    "met": ("✓", "met", "Cible atteinte"),
    "improved": ("↗", "improved", "Amélioration"),
    "not_improved": ("✗", "not improved", "Absence d'amélioration"),
    "no_data": ("…", "no data", "Données non renseignées"),
    "not_retained": ("≠", "not retained", "Données non retenues"),
}
VERDICT_HELP = {
    "met": "the realisation meets the target of record",
    "improved": "not met, but better than the previous year's realisation",
    "not_improved": "not met, and not better than the previous year's realisation",
    "no_data": "no usable target of record or no usable realisation",
    "not_retained": "printed, but not comparable (unit, qualitative or formula target, unknown direction…)",
}
# verdict_reason codes of fct_target_attainment, in words (an unknown code is shown as it is).
REASON_TEXT = {
    "at_least": "realisation at or above the target",
    "at_most": "realisation at or below the target",
    "bound_<": "realisation below the bound",
    "bound_<=": "realisation at or below the bound",
    "bound_>": "realisation above the bound",
    "bound_>=": "realisation at or above the bound",
    "equal_to_target": "realisation within the tolerance of the target",
    "within_range": "realisation inside the target range",
    "compared_with_previous_year": "compared with the previous year's realisation",
    "trend_followed": "the targeted trend was followed",
    "trend_not_followed": "the targeted trend was not followed",
    "no_previous_realisation": "no previous realisation to compare with",
    "no_realisation": "no realisation",
    "no_target": "no target",
    "realisation_not_applicable": "realisation 'sans objet'",
    "realisation_unknown": "realisation not known",
    "target_not_applicable": "target 'sans objet'",
    "target_not_determined": "target not determined",
    "target_unknown": "target not known",
    "target_withheld": "target withheld (secret)",
    "direction_unknown": "direction of improvement unknown",
    "realisation_bound": "realisation printed as a bound",
    "realisation_formula": "realisation printed as a formula",
    "realisation_unparsed": "realisation not a number",
    "target_qualitative": "qualitative target",
    "target_unparsed": "target not a number",
}
STATUS_HELP = {
    "met": "the realisation meets the target",
    "not_met": "the realisation misses the target",
    "no_realisation": "a target, but no usable realisation (yet)",
    "no_target": "a realisation, but no usable target",
    "not_comparable": "target and realisation cannot be compared",
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
# direction_source of dim_measure / fct_target_attainment: where the direction came from.
DIRECTION_SOURCE_TEXT = {
    "steward": "a steward (ref_measure_direction)",
    "label_rule": "a rule on the measure label (ref_direction_default)",
    "indicator_label_rule": "a rule on the indicator label (ref_direction_default)",
    "unit_rule": "a rule on the unit (ref_direction_default)",
    "indicator_siblings": "the other measures of the indicator",
    "target_bounds": "the targets' bounds (≥ / ≤)",
    "target_trajectory": "the targets' trajectory against the realisations",
    "none": "none: no rule applies, the direction is not guessed",
}
KIND_TEXT = {
    "realisation": "realisation",
    "target": "target",
    "target_of_record": "target (as recalled by the next PAP)",
    "forecast": "forecast",
    "updated_forecast": "updated forecast",
}
BASIS_TEXT = {
    "set_by_pap": "set by the PAP of the year",
    "echoed_pap_target": "PAP target recalled by a later document",
    "multi_year_target": "fallback: multi-year target printed earlier",
    "other_target": "fallback: other target",
}
NUMERIC_STATUSES = frozenset({"numeric", "bound", "annotated", "duration"})


def slug(text: str | None) -> str:
    """A file name / fragment id from a code (codes are P129, MAA, 30157, P352-1-1#1…)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text or "") or "_"


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


def fmt_pct(share: float | None) -> str:
    """0.4875 -> '49 %' (a share of the marts, rounded to the unit); '' for none."""
    if share is None or not math.isfinite(share):
        return ""
    return f"{round(share * 100)}\u00a0%"


def verdict_text(code: str | None) -> str:
    """'✓ met'; '' for none."""
    if not code:
        return ""
    symbol, text, _printed = VERDICT_TEXT.get(code, ("", code, code))
    return f"{symbol} {text}".strip()


def direction_text(row: dict) -> str:
    """'↑ higher is better', with the tolerance of a 'closest to target' measure."""
    direction = row.get("direction") or ""
    text = DIRECTION_TEXT.get(direction, direction)
    if direction == "target":
        if row.get("tolerance_abs") is not None:
            text += f" (± {fmt_num(row['tolerance_abs'])})"
        elif row.get("tolerance_relative") is not None:
            text += f" (± {fmt_num(row['tolerance_relative'] * 100)} %)"
    return text
