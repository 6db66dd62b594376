"""`make bench`: the job's speed and memory, measured, printed as one table, kept for comparison.

For the shipped sources (`raw/`) and the synthetic corpus (`make corpus`: data/corpus/raw), each in
a folder of its own under data/bench/ (copies: `raw/` is never touched):
  cold       a first `python -m orchestration.cli` run on an empty DATA_DIR and DAGSTER_HOME,
  no-change  the same run again,
  +1 doc     a run after one new document lands in RAW_DIR.
The same three runs on a RAW_DIR of one text page (`one_page`, judged by no bar) show what a run
costs the stack itself, with almost no data: the least any design on this stack can reach.
Each run is a separate process; its wall time and peak RSS (largest process of its tree) are
measured from outside, its stage times come from the run record the CLI writes. Also measured: the
import floor (dagster, dagster_dbt, dbt, great_expectations in one fresh process), the text parser
alone on one core, the README's BI queries on the published marts (median of 10), and the loader
alone on hostile sizes (`loader_stress`: three 50 MB garbage files, a 200,000-record CSV; the
tests check the same outcomes at a tenth of the size, tests/test_hostile_inputs.py).
Prints figures and the bars, each met or not met; asserts nothing. The bars, as ratios to the
import floor: a no-change run ≤ 1.0 ×, a run after one new document ≤ 2.0 ×, a cold run on the shipped
sources ≤ 3.0 ×; and the 20-vintage cold run ≤ 180 s, peak RSS ≤ 2 GiB; the loader's peak RSS on
the 50 MB garbage < 800 MB.
Results: DATA_DIR/bench/results.json (history kept in results.jsonl).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from orchestration.lib.settings import PROJECT_DIR, load_settings

DATA_DIR = load_settings().data_dir
BENCH_DIR = DATA_DIR / "bench"
STAGES = {
    "parse": lambda steps, ingest: ingest.get("parse_seconds", 0.0),
    "load": lambda steps, ingest: ingest.get("write_seconds", 0.0),
    "dbt": lambda steps, ingest: _sum(steps, r"^warehouse_dbt_assets$"),
    "checks": lambda steps, ingest: _sum(steps, r"gx_"),
    "publish": lambda steps, ingest: _sum(steps, r"^publish__(marts_duckdb|parquet_exports)$"),
    "reports": lambda steps, ingest: _sum(
        steps, r"^(quality__quality_report|publish__scorecard|publish__dbt_docs)$"
    ),
}
GIB = 1024**3
# one_page: one text page, then a second one (`one_page_raw`); judged by no bar, it shows the stack's
# own cost of a run.
CORPORA = ("shipped", "corpus20", "one_page")
# The shipped PAP 2024 P352 text page (54 cells): `one_page`'s document, and the new document of
# every corpus once relabelled (`new_document`).
SHIPPED_PAGE = PROJECT_DIR / "raw" / "pap" / "2024" / "000_9fa5ff6774201ab1.txt"


def _sum(steps: dict[str, float], pattern: str) -> float:
    return sum(v for k, v in steps.items() if re.search(pattern, k))


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (bytes) of a command, run in a fresh process of its own so that
    RUSAGE_CHILDREN covers that command's tree only."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
        "print(json.dumps({'wall': wall, 'rss': rss, 'rc': p.returncode, 'out': p.stdout[-4000:], 'err': p.stderr[-4000:]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *argv], env=env, capture_output=True, text=True)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    proc = subprocess.CompletedProcess(argv, data["rc"], data["out"], data["err"])
    return data["wall"], data["rss"], proc


def import_floor(from_source: bool = False) -> float:
    """Seconds to import the stack in a fresh process, as every process of the job does: from the
    bytecode compiled at install (`[tool.uv] compile-bytecode`). `from_source`: the same with no
    bytecode to read (an empty PYTHONPYCACHEPREFIX), what every process paid before where
    PYTHONDONTWRITEBYTECODE is set: for comparison with the figures measured then."""
    code = (
        "import time; t = time.perf_counter()\n"
        "import dagster, dagster_dbt, dbt.cli.main, great_expectations\n"
        "print(time.perf_counter() - t)"
    )
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as empty:
        if from_source:
            env |= {"PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        ).stdout
    return float(out.strip().splitlines()[-1])


def run_job(data_dir: Path, raw_dir: Path) -> dict:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "RAW_DIR": str(raw_dir),
        "DAGSTER_HOME": str(data_dir / "dagster_home"),
        "DO_NOT_TRACK": "1",
    }
    for var in ("DUCKDB_PATH", "MARTS_PATH", "REPORTS_DIR", "EXPORTS_DIR", "QUALITY_EXTRA_EXCEPTIONS"):
        env.pop(var, None)
    env["ENV_FILE"] = os.devnull  # the bench's own folders, whatever a .env says
    # The corpus carries the stewards' exceptions over to the synthetic twins of excepted measures.
    carried = raw_dir.parent / "exceptions.csv"
    if carried.exists():
        env["QUALITY_EXTRA_EXCEPTIONS"] = str(carried)
    wall, rss, proc = _measure([sys.executable, "-m", "orchestration.cli"], env)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"the job failed on {raw_dir} (exit {proc.returncode})")
    record = json.loads((data_dir / "logs" / "last-run.json").read_text())
    steps, ingest = record["steps"], record["ingest"]
    stages = {name: round(fn(steps, ingest), 2) for name, fn in STAGES.items()}
    cells = int(ingest.get("cells_loaded", 0))
    return {
        "wall_s": round(wall, 2),
        "up_to_date": bool(record.get("up_to_date")),
        "peak_rss_mib": round(rss / 2**20),
        "stages_s": stages,
        "documents_loaded": int(ingest.get("documents_loaded", 0)),
        "cells_loaded": cells,
        "ingest_cells_per_s": round(cells / (stages["parse"] + stages["load"])) if cells else None,
    }


def parser_speed(raw_dir: Path, limit_bytes: int = 20_000_000) -> dict:
    """The Farandole parser alone, on one core, over the text files of a corpus."""
    from orchestration.lib.ingest.farandole import read_farandole

    files = sorted(raw_dir.rglob("*.txt"))
    blobs, total = [], 0
    for path in files:
        data = path.read_bytes()
        blobs.append((path, data))
        total += len(data)
        if total >= limit_bytes:
            break
    start = time.process_time()
    cells = sum(len(read_farandole(path, data).cells) for path, data in blobs)
    seconds = time.process_time() - start
    return {"files": len(blobs), "mb": round(total / 1e6, 2), "cpu_s": round(seconds, 3),
            "mb_per_s": round(total / 1e6 / seconds, 2), "cells": cells}  # fmt: skip


def bi_queries(marts: Path) -> dict[str, float]:
    import duckdb

    from orchestration.lib.publish.bi_queries import readme_queries

    timings = {}
    with duckdb.connect(str(marts), read_only=True) as con:
        for title, sql in readme_queries().items():
            samples = []
            for _ in range(10):
                start = time.perf_counter()
                con.execute(sql).fetchall()
                samples.append((time.perf_counter() - start) * 1000)
            timings[title] = round(statistics.median(samples), 2)
    return timings


def new_document(raw_dir: Path) -> Path:
    """One new document: the shipped PAP 2024 P352 export, as if it were the 2031 vintage."""
    target = raw_dir / "pap" / "2031" / "bench-new-document.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        SHIPPED_PAGE.read_text(encoding="utf-8").replace("annee#2024", "annee#2031"), encoding="utf-8"
    )
    return target


def write_garbage(folder: Path, size: int) -> None:
    """Three garbage files of `size` bytes in `folder`: short text lines as `.txt` (far more lines
    than a text export may hold), the same text as `.csv`, seeded random bytes as `.txt`."""
    import random

    rng = random.Random(50)
    words = ["lorem", "ipsum", "OBJECTIF", "1.1 –", "2024", "été", "=cmd|", "<script>"]
    block = "\n".join(" ".join(rng.choice(words) for _ in range(2)) for _ in range(10_000)).encode() + b"\n"
    text = (block * (size // len(block) + 1))[:size]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "garbage.txt").write_bytes(text)
    (folder / "garbage.csv").write_bytes(text)
    (folder / "random.txt").write_bytes(random.Random(51).randbytes(size))


def write_big_csv(path: Path, records: int) -> None:
    """A PLF CSV of `records` records rebuilt from the shipped PLF 2025 ones (fresh sub-indicator
    ids), its year headers shifted to the vintage of its folder (`path`'s parent)."""
    import csv
    import io

    from orchestration.tools.corpus import shift_year_header

    shipped = PROJECT_DIR / "raw" / "pap" / "2025" / "plf-2025-performance.csv"
    header, *rows = csv.reader(
        io.StringIO(shipped.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"
    )
    header = [shift_year_header(name, int(path.parent.name) - 2025) for name in header]
    sub = header.index("Code Sous Indicateur")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for n in range(records):
        record = list(rows[n % len(rows)])
        record[sub] = f"{1_000_000 + n}.0"
        writer.writerow(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue().encode("utf-8"))


_LOADER = (
    "import json, resource, sys, time\n"
    "from pathlib import Path\n"
    "import duckdb\n"
    "from orchestration.lib.ingest.loader import ingest\n"
    "started = time.perf_counter()\n"
    "with duckdb.connect(sys.argv[2]) as con:\n"
    "    report = ingest(con, Path(sys.argv[1]))\n"
    "    cells = con.execute('select count(*) from raw.indicator_cell').fetchone()[0]\n"
    "print(json.dumps({'seconds': round(time.perf_counter() - started, 2), 'cells': cells,\n"
    "    'rejected': len(report.rejected),\n"
    "    'peak_rss_mib': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))\n"
)


def loader_stress() -> dict:
    """The loader alone (one fresh process each) on the shipped PAP sources plus three 50 MB garbage
    files (all three quarantined), then plus a 200,000-record CSV (accepted: 1,200,000 cells)."""
    out = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, add, expected_cells, expected_rejected in (
            ("garbage_50_mb", lambda raw: write_garbage(raw / "pap" / "2026", 50 * 1024 * 1024), 12_900, 3),
            ("csv_200k_rows", lambda raw: write_big_csv(raw / "pap" / "2030" / "plf-2030-performance.csv", 200_000),
             12_900 + 1_200_000, 0),
        ):  # fmt: skip
            raw = Path(scratch) / name / "raw"
            shutil.copytree(PROJECT_DIR / "raw" / "pap", raw / "pap")
            add(raw)
            print(f"[loader] {name} …", flush=True)
            done = subprocess.run(
                [sys.executable, "-c", _LOADER, str(raw), str(Path(scratch) / name / "w.duckdb")],
                cwd=PROJECT_DIR, capture_output=True, text=True, check=True,
            )  # fmt: skip
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["as_expected"] = (result["cells"], result["rejected"]) == (
                expected_cells,
                expected_rejected,
            )
            out[name] = result
            shutil.rmtree(Path(scratch) / name)
    return out


def bench_corpus(name: str, source_raw: Path) -> dict:
    home = BENCH_DIR / name
    shutil.rmtree(home, ignore_errors=True)
    raw_dir, data_dir = home / "raw", home / "data"
    shutil.copytree(source_raw, raw_dir)
    if (source_raw.parent / "exceptions.csv").exists():
        shutil.copyfile(source_raw.parent / "exceptions.csv", home / "exceptions.csv")
    print(f"[{name}] cold run …", flush=True)
    cold = run_job(data_dir, raw_dir)
    print(f"[{name}] no-change run …", flush=True)
    no_change = run_job(data_dir, raw_dir)
    if not no_change["up_to_date"]:
        print(f"[{name}] the no-change run did not find the warehouse up to date", file=sys.stderr)
    new_document(raw_dir)
    print(f"[{name}] run after one new document …", flush=True)
    plus_one = run_job(data_dir, raw_dir)
    return {
        "source_files": sum(1 for p in raw_dir.rglob("*") if p.is_file() and not p.name.endswith(".md")),
        "cold": cold,
        "no_change": no_change,
        "plus_one_document": plus_one,
        "bi_queries_ms": bi_queries(data_dir / "marts.duckdb"),
        "parser": parser_speed(raw_dir),
    }


def one_page_raw(scratch: Path) -> Path:
    """A RAW_DIR holding one document only, SHIPPED_PAGE, where it is shipped: the runs on it cost
    what the stack costs with (almost) no data to move."""
    raw = scratch / "raw"
    target = raw / SHIPPED_PAGE.relative_to(PROJECT_DIR / "raw")
    target.parent.mkdir(parents=True)
    shutil.copyfile(SHIPPED_PAGE, target)
    return raw


def print_table(results: dict) -> None:
    floor = results["import_floor_s"]
    print()
    print(
        f"import floor (dagster, dagster_dbt, dbt, great_expectations): {floor:.1f} s "
        f"(compiled from source, as before the bytecode was compiled at install: "
        f"{results.get('import_floor_from_source_s', float('nan')):.1f} s)"
    )
    header = (
        f"{'corpus':<10}{'run':<11}{'wall s':>8}{'RSS MiB':>9}{'docs':>6}{'cells':>9}{'cells/s':>9}  "
        + "".join(f"{s:>8}" for s in STAGES)
    )
    print(header)
    print("-" * len(header))
    for corpus in CORPORA:
        if corpus not in results:
            continue
        r = results[corpus]
        for label, key in (("cold", "cold"), ("no-change", "no_change"), ("+1 doc", "plus_one_document")):
            run = r[key]
            stages = "".join(f"{run['stages_s'][s]:>8.1f}" for s in STAGES)
            print(
                f"{corpus:<10}{label:<11}{run['wall_s']:>8.1f}{run['peak_rss_mib']:>9}{run['documents_loaded']:>6}"
                f"{run['cells_loaded']:>9}{(run['ingest_cells_per_s'] or 0):>9}  {stages}"
            )
    print()
    for corpus in ("shipped", "corpus20"):
        if corpus in results:
            p = results[corpus]["parser"]
            q = results[corpus]["bi_queries_ms"]
            print(f"{corpus}: text parser {p['mb_per_s']} MB/s on one core ({p['mb']} MB, {p['files']} files); "
                  f"BI queries median of 10: " + ", ".join(f"{v} ms" for v in q.values()))  # fmt: skip
    print()
    if "one_page" in results:
        run = results["one_page"]["plus_one_document"]
        print(
            f"one_page: a run after one new document on a warehouse of one page ({run['cells_loaded']} "
            f"new cells) takes {run['wall_s']:.1f} s, {run['wall_s'] / floor:.2f} × the import floor "
            f"(dbt {run['stages_s']['dbt']:.1f} s): the least a documents-only run costs on this stack, "
            "whatever the volume"
        )
        print()
    for label, value, limit, unit, from_source in bars(results):
        against_source = (
            f" (against the floor compiled from source: {from_source:.1f}{unit}, "
            f"{'met' if from_source <= limit else 'not met'})"
            if from_source is not None
            else ""
        )
        print(
            f"  {'met    ' if value <= limit else 'NOT MET'}  {label}: {value:.2f}{unit} vs {limit:.1f}{unit}"
            + against_source
        )
    for name, r in results.get("loader", {}).items():
        print(
            f"  loader, {name}: {r['seconds']} s, peak RSS {r['peak_rss_mib']} MiB, {r['cells']:,} cells, "
            f"{r['rejected']} quarantined ({'as expected' if r['as_expected'] else 'NOT AS EXPECTED'})"
        )
    if "garbage_50_mb" in results.get("loader", {}):
        rss = results["loader"]["garbage_50_mb"]["peak_rss_mib"]
        print(
            f"  {'met    ' if rss < 800 else 'NOT MET'}  loader peak RSS on 3 × 50 MB of garbage < 800 MB: {rss}"
        )
    if "corpus20" in results:
        parser = results["corpus20"]["parser"]["mb_per_s"]
        print(f"  {'met    ' if parser >= 5 else 'NOT MET'}  text parser ≥ 5 MB/s: {parser}")


def bars(results: dict) -> list[tuple[str, float, float, str, float | None]]:
    """(label, measured, limit, unit, measured against the floor compiled from source) of each bar
    the measured corpora allow to judge. The ratio bars are judged against the import floor as the
    job's processes pay it now (compiled bytecode); the same ratio against the floor compiled from
    source (what the floor was when the bars were set) is shown beside it."""
    floor = results["import_floor_s"]
    source_floor = results.get("import_floor_from_source_s")
    out: list[tuple[str, float, float, str, float | None]] = []

    def ratio(label: str, wall: float, limit: float) -> None:
        out.append((label, wall / floor, limit, " ×", wall / source_floor if source_floor else None))

    for corpus in ("shipped", "corpus20"):
        if corpus not in results:
            continue
        r = results[corpus]
        if corpus == "shipped":
            ratio("cold run on the shipped sources ≤ 3.0 × import floor", r["cold"]["wall_s"], 3.0)
        ratio(f"no-change run ≤ 1.0 × import floor ({corpus})", r["no_change"]["wall_s"], 1.0)
        ratio(f"one new document ≤ 2.0 × import floor ({corpus})", r["plus_one_document"]["wall_s"], 2.0)
    if "corpus20" in results:
        big = results["corpus20"]
        out.append(("20-vintage cold run ≤ 180 s", big["cold"]["wall_s"], 180, " s", None))
        out.append(
            ("each BI query ≤ 100 ms (20 vintages)", max(big["bi_queries_ms"].values()), 100, " ms", None)
        )
    runs = [
        results[c][k]
        for c in ("shipped", "corpus20")
        if c in results
        for k in ("cold", "no_change", "plus_one_document")
    ]
    out.append(("peak RSS ≤ 2 GiB", max(run["peak_rss_mib"] for run in runs) / 1024, 2.0, " GiB", None))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DATA_DIR / "corpus" / "raw"))
    parser.add_argument("--shipped-only", action="store_true", help="skip the 20-vintage corpus")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not args.shipped_only and not corpus.is_dir():
        raise SystemExit(f"{corpus} does not exist: run `make corpus` first (or --shipped-only)")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    results: dict = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip(),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "import_floor_s": round(import_floor(), 2),
        "import_floor_from_source_s": round(import_floor(from_source=True), 2),
    }
    results["loader"] = loader_stress()
    results["shipped"] = bench_corpus("shipped", PROJECT_DIR / "raw")
    if not args.shipped_only:
        results["corpus20"] = bench_corpus("corpus20", corpus)
    with tempfile.TemporaryDirectory() as scratch:
        results["one_page"] = bench_corpus("one_page", one_page_raw(Path(scratch)))
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    with open(BENCH_DIR / "results.jsonl", "a", encoding="utf-8") as history:
        history.write(json.dumps(results, ensure_ascii=False) + "\n")
    print_table(results)
    print(f"\nresults: {BENCH_DIR / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
