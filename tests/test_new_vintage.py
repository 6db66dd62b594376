"""A new vintage flows in on its own: a copy of the real RAP 2017 file relabelled as RAP 2018 (its
headers rewritten, so the reader sees a genuine new vintage), with defects injected (a % above 100,
negative amounts, a unit nobody mapped, a unit a unit rule maps), lands in one `make run`, cold and
after a good run: its good cells reach the published marts, its bad cells are held with file and
line, and a reviewed exception releases its cells on the next run without reading any file again.
Cold here; after a good run, with the exception, in the fault chain (tests/test_faults.py), which
imports the helpers below."""

import csv
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from .conftest import PROJECT_DIR, RAW_DIR, make_run, relabelled_rap, shared_run

pytestmark = pytest.mark.slow

RAP_2017 = RAW_DIR / "rap" / "2017" / "PERF_SSI_RAP_2017_20180517_122845769.csv"
NEW_FILE = Path("rap") / "2018" / "PERF_SSI_RAP_2018_relabelled.csv"
# columns of the RAP export: `COD_PGM`, `Identifiant sous indicateur`, `Unité`, `Réalisation N`
PROGRAMME, MEASURE, UNIT, REALISATION_N = 2, 13, 18, 23


def relabel_as_2018(target: Path) -> dict[str, list[int]]:
    """Write RAP 2017 as RAP 2018 under `target` (every year of the header one later) with defects
    on chosen lines; returns the physical lines of each defect."""
    lines = relabelled_rap(RAP_2017.read_bytes(), 1).decode("cp1252").split("\n")
    injected: dict[str, list[int]] = {"percent": [], "money": [], "new_unit": [], "ruled_unit": []}
    # measures a reviewed exception accepts beyond a rule are no defect to inject
    with (PROJECT_DIR / "expectations" / "exceptions.csv").open(encoding="utf-8") as f:
        excepted = {row["measure_key"] for row in csv.DictReader(f)}
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split(";")
        # a programme's own row (a mission row repeating it folds into it in the facts)
        if (
            len(fields) < 25
            or not fields[PROGRAMME]
            or fields[MEASURE] in excepted
            or not re.fullmatch(r"\d+(,\d+)?", fields[REALISATION_N])
        ):
            continue
        unit = fields[UNIT]
        names_a_change = re.search(r"(?i)(é|e)volution|variation|croissance|(é|e)cart", fields[MEASURE + 1])
        if unit == "%" and not names_a_change and len(injected["percent"]) < 3:  # a share, not a change
            fields[REALISATION_N] = "150"
            injected["percent"].append(number)
        elif unit == "€" and len(injected["money"]) < 2:
            fields[REALISATION_N] = "-" + fields[REALISATION_N]
            injected["money"].append(number)
        elif unit == "Nombre" and len(injected["new_unit"]) < 2:
            fields[UNIT] = "Widgets"
            injected["new_unit"].append(number)
        elif unit == "Nombre" and not injected["ruled_unit"]:
            fields[UNIT] = "Nombre de dossiers instruits"  # a unit rule maps it: a count
            injected["ruled_unit"].append(number)
        else:
            continue
        lines[number - 1] = ";".join(fields)
    assert all(injected.values()), injected
    path = target / NEW_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(lines).encode("cp1252"))
    return injected


def holds(data_dir: Path) -> dict[str, set[int]]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select rule, source_line from raw.cell_hold where document_id = 'RAP-2018'"
        ).fetchall()
    out: dict[str, set[int]] = {}
    for rule, line in rows:
        out.setdefault(rule, set()).add(line)
    return out


def published_rap_2018(data_dir: Path) -> tuple[int, int, int]:
    """(facts of RAP-2018, held facts, numeric facts) in the published marts."""
    with duckdb.connect(str(data_dir / "marts.duckdb"), read_only=True) as con:
        return con.execute(
            "select count(*), count(*) filter (where value_status = 'held'), "
            "count(value_numeric) from fct_indicator_value where document_id = 'RAP-2018'"
        ).fetchone()


@pytest.fixture(scope="session")
def cold_new_vintage(tmp_path_factory):
    """One `make run` on a warehouse that never had a complete run: raw/pap and the new vintage."""

    def build(root: Path) -> None:
        shutil.copytree(RAW_DIR / "pap", root / "raw" / "pap")
        injected = relabel_as_2018(root / "raw")
        result = make_run(root / "data", root / "raw")
        (root / "injected.json").write_text(json.dumps(injected), encoding="utf-8")
        (root / "stdout.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
        (root / "rc.txt").write_text(str(result.returncode), encoding="utf-8")

    root = shared_run(tmp_path_factory, "cold_new_vintage", build)
    return root, json.loads((root / "injected.json").read_text(encoding="utf-8"))


def test_a_new_vintage_with_defects_lands_cold(cold_new_vintage):
    root, injected = cold_new_vintage
    data = root / "data"
    screen = (root / "stdout.txt").read_text(encoding="utf-8")
    # cells only held: the run succeeds and publishes
    assert (root / "rc.txt").read_text() == "0", screen[-3000:]
    assert "ingested  RAP-2018" in screen
    # each injected defect is held by its rule, on its line, and nothing else of the document is
    held = holds(data)
    assert held == {
        "percent_within_0_100": set(injected["percent"]),
        "money_non_negative": set(injected["money"]),
        "unit_mapped": set(injected["new_unit"]),
    }
    # the final screen names the document's held cells, by rule, with their first lines
    [line] = [x for x in screen.splitlines() if x.strip().startswith("held ") and "unit_mapped" in x]
    first = sorted(set().union(*held.values()))[:5]
    assert line.strip().endswith("first lines " + ", ".join(map(str, first)))
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        cells = con.execute(
            "select count(*) from raw.indicator_cell where document_id = 'RAP-2018'"
        ).fetchone()[0]
        unit_cells = con.execute(
            "select count(*) from raw.indicator_cell where document_id = 'RAP-2018' and unit_raw = 'Widgets'"
        ).fetchone()[0]
        # the unit a rule decides is mapped, not held
        assert con.execute(
            "select unit, unit_family, unit_mapping, unit_rule_id from intermediate.int_units_mapped "
            "where unit_key = 'nombre de dossiers instruits'"
        ).fetchone() == ("count", "count", "unit_rule", "count_word")
        assert con.execute("select count(*) from raw.cell_hold").fetchone()[0] == (
            len(injected["percent"]) + len(injected["money"]) + unit_cells
        )
    facts, held_facts, numeric = published_rap_2018(data)
    # the good cells reach the published marts; the held ones are there as `held`, without a number
    assert facts > 10_000 and held_facts >= 1 and numeric > 8_000
    with duckdb.connect(str(data / "marts.duckdb"), read_only=True) as con:
        assert con.execute(
            "select value_raw, value_numeric, hold_rules from fct_indicator_value "
            f"where document_id = 'RAP-2018' and source_line = {injected['percent'][0]} "
            "and column_header = 'Réalisation 2018'"
        ).fetchone() == ("150", None, "percent_within_0_100")
        # a held realisation judges nothing: not retained where a target exists, no data where none
        verdicts = con.execute(
            "select distinct verdict, verdict_reason from fct_target_attainment a "
            "join fct_indicator_value f on f.measure_key = a.measure_key and f.year = a.year "
            "where f.document_id = 'RAP-2018' and f.value_status = 'held' and f.value_kind = 'realisation' "
            "and a.realisation_document_id = 'RAP-2018'"
        ).fetchall()
        assert ("not_retained", "realisation_held") in verdicts
        assert set(verdicts) <= {("not_retained", "realisation_held"), ("no_data", "no_target")}
    # the new unit is listed for the steward with the cells it would settle
    with (data / "reports" / "units-to-map.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["unit_raw"], r["status"], int(r["cells_held"])) for r in rows] == [
        ("widgets", "pending", unit_cells)
    ]
    # every held cell is listed with its file, line and rule, in the queue of the measures to release
    # (pending: in exceptions.csv's columns, which record the decision)
    with (data / "reports" / "held-cells.csv").open(encoding="utf-8") as f:
        queue = [r for r in csv.DictReader(f) if r["status"] == "pending"]
    listed = {(int(cell.split(":")[1]), r["rule"]) for r in queue for cell in r["cells"].split(" | ")}
    assert listed == {(line, rule) for rule, lines in held.items() for line in lines}
    assert all(cell.startswith(NEW_FILE.as_posix() + ":") for r in queue for cell in r["cells"].split(" | "))
    assert sum(int(r["cells_held"]) for r in queue) == sum(len(r["cells"].split(" | ")) for r in queue)
    summary = (data / "reports" / "quality-summary.md").read_text(encoding="utf-8")
    assert f"| RAP-2018 | {NEW_FILE.as_posix()} | {cells} |" in summary


def held_queue_rows(data: Path, measure: str, rule: str) -> list[dict[str, str]]:
    """The rows of the held cells' queue (reports/held-cells.csv) for one measure and rule."""
    with (data / "reports" / "held-cells.csv").open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if (r["measure_key"], r["rule"]) == (measure, rule)]


def decisions_applied(screen: str) -> int:
    """The final screen's count of the steward decisions applied."""
    match = re.search(r"steward decisions: ([\d,]+) applied", screen)
    assert match, screen[-2000:]
    return int(match[1].replace(",", ""))
