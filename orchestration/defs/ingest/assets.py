"""Ingestion: every source file of RAW_DIR into the `raw` schema, with lineage to file and line.

`raw_sources` also decides whether the run has anything to do: when the fingerprint of what the
outputs are built from (`orchestration/lib/fingerprint.py`) equals that of the last complete run,
and every output is still there, its five assets are not materialized (they are `skippable`), so
Dagster skips every step downstream (dbt, the GX checks, publishing, the reports).
"""

import dagster as dg

from orchestration.defs.metadata import table_metadata
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource, WarehouseResource
from orchestration.lib import fingerprint
from orchestration.lib.ingest.loader import IngestReport, ingest
from orchestration.lib.settings import PROJECT_DIR, Settings

OWNER = "team:data-engineering"
RAW_TABLES = {
    "source_document": "One row per source document loaded: id, type, vintage, format, file, sha256, ingestion time.",
    "indicator_cell": (
        "One row per year cell of every indicator table, exactly as published (value_raw), with its "
        "parsed number, status, and lineage (document, file, line or record, column)."
    ),
    "indicator_methodology": "The 'Précisions méthodologiques' sections of each indicator (text exports).",
    "skipped_record": (
        "Source records that yield no cell, with file, line and why (a programme without a "
        "performance section; a 'Valeur cible' whose 'Année cible' is not one year)."
    ),
    "rejected_document": (
        "Quarantine: files that could not be read, or that say they are another document than their "
        "folder names, with the error, file and line, the version loaded before that still stands "
        "(standing_document_id, standing_sha256), if any, and the file it repeats (duplicate_of)."
    ),
}


class IngestConfig(dg.Config):
    """`only`: relative paths under RAW_DIR to (re)load, for a run started by the sensor for one
    document; empty means every file (and files gone from RAW_DIR are removed). `force`: do the
    work even when nothing changed since the last complete run."""

    only: list[str] = []  # noqa: RUF012 (pydantic copies defaults)
    force: bool = False


# The observation that tells the run (and `make run`) it has nothing to do.
UP_TO_DATE = "up_to_date"
# What the dbt build of this run covers (metadata of raw/source_document, read by the dbt step):
# when only the documents changed since the last complete run, the seeds and their tests, which
# that run built from the same files, are not built again.
DBT_BUILD = "dbt_build"
DOWNSTREAM_OF_SOURCES, EVERYTHING = "downstream_of_sources", "everything"


def reasons_to_run(
    context: dg.AssetExecutionContext,
    config: IngestConfig,
    report: IngestReport,
    current: fingerprint.Fingerprint,
    record: fingerprint.Record | None,
    settings: Settings,
) -> tuple[list[str], str]:
    """Why this run must rebuild what is downstream of ingestion (none when it is up to date), and
    what its dbt build covers."""
    if config.force:
        return ["forced"], EVERYTHING
    if record is None:
        return ["no complete run recorded in this warehouse"], EVERYTHING
    reasons = []
    changed = fingerprint.changed_parts(record, current)
    if changed:
        reasons.append("changed since run " + record.run_id[:8] + ": " + ", ".join(changed))
    if report.loaded or report.removed:  # the fingerprint says so too; belt and braces
        reasons.append(f"documents loaded {report.loaded}, removed {report.removed}")
    missing = [
        f"{name} ({path})" for name, path in fingerprint.outputs(settings).items() if not path.exists()
    ]
    if missing:
        reasons.append("missing: " + ", ".join(missing))
    # A run of some of the assets (from the UI) since the last complete run: what it rebuilt may
    # not match the recorded fingerprint any more.
    keys = context.job_def.asset_layer.selected_asset_keys
    since = record.completed_at.timestamp() if record.completed_at else 0.0
    later = sorted(
        key.to_user_string()
        for key, entry in context.instance.get_latest_materialization_events(keys).items()
        if entry is not None and entry.run_id != record.run_id and entry.timestamp > since
    )
    if later:
        reasons.append(f"materialized by another run since run {record.run_id[:8]}: {', '.join(later[:5])}")
    same_project = not later and not {"dbt_project", "code"} & set(changed)
    return reasons, DOWNSTREAM_OF_SOURCES if same_project else EVERYTHING


@dg.multi_asset(
    name="raw_sources",
    specs=[
        dg.AssetSpec(
            ["raw", table_name],
            group_name="ingest",
            description=description,
            owners=[OWNER],
            kinds={"python", "duckdb"},
            code_version=fingerprint.code_version()[:16],
            # Not materialized when nothing changed: every step downstream is skipped.
            skippable=True,
        )
        for table_name, description in RAW_TABLES.items()
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "no_rejected_documents",
            asset=["raw", "rejected_document"],
            description=(
                "Fails when a source file was quarantined (the other files still land). A changed "
                "file that fails to read keeps its previous version in the warehouse and the marts: "
                "the description says which version stands."
            ),
        ),
        dg.AssetCheckSpec(
            "no_unparsed_cells",
            asset=["raw", "indicator_cell"],
            description="Warns when a cell's text was not recognised (status 'unparsed'); lists them.",
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def raw_sources(
    context: dg.AssetExecutionContext,
    config: IngestConfig,
    warehouse: WarehouseResource,
    settings: SettingsResource,
):
    paths = settings.resolved()
    raw_dir = paths.raw_dir
    with warehouse.get_connection() as con:
        report = ingest(con, raw_dir, only=config.only or None)
        current = fingerprint.compute(con, paths, warehouse.path)
        record = fingerprint.last_complete(con)
        reasons, dbt_build = reasons_to_run(context, config, report, current, record, paths)
        if reasons:
            fingerprint.begin(con, context.run.run_id, current)
        status_counts = con.execute(
            "select value_status, count(*) from raw.indicator_cell group by all order by 2 desc"
        ).fetchall()
        counts = dict(
            con.execute(
                "select 'source_document', count(*) from raw.source_document union all "
                "select 'indicator_cell', count(*) from raw.indicator_cell union all "
                "select 'indicator_methodology', count(*) from raw.indicator_methodology union all "
                "select 'skipped_record', count(*) from raw.skipped_record union all "
                "select 'rejected_document', count(*) from raw.rejected_document"
            ).fetchall()
        )
        unparsed = con.execute(
            "select document_id, source_file, source_line, column_header, value_raw from raw.indicator_cell "
            "where value_status = 'unparsed' order by document_id, source_line, column_position limit 200"
        ).fetchall()
        documents = con.execute(
            "select document_id, document_type, vintage_year, source_file, record_count, cell_count "
            "from raw.source_document "
            "order by document_id limit 200"
        ).fetchall()

    n_unparsed = dict(status_counts).get("unparsed", 0)  # the listing below stops at 200
    _log_report(context, report)
    fingerprint_metadata = {
        "fingerprint": current.value,
        "fingerprint_parts": dg.MetadataValue.json(dict(current.parts)),
    }
    if not reasons:
        assert record is not None
        context.log.info(
            f"warehouse up to date: fingerprint {current.short} is that of run {record.run_id} "
            f"(complete at {record.completed_at}); nothing downstream runs"
        )
        context.log_event(
            dg.AssetObservation(
                asset_key=["raw", "source_document"],
                metadata={
                    UP_TO_DATE: True,
                    **fingerprint_metadata,
                    "matched_run": record.run_id,
                    "matched_run_completed_at": str(record.completed_at),
                },
            )
        )
    else:
        context.log.info(f"fingerprint {current.short}; rebuilding: {'; '.join(reasons)}")
        yield from _materializations(
            report, counts, status_counts, documents, raw_dir, current, reasons, dbt_build
        )
    rejected_rows = [(r.source_file, r.error_line, r.error, r.outcome) for r in report.rejected]
    # The checks are evaluated on every run, on what the warehouse holds (materialized in this run,
    # or by the last complete run when nothing changed).
    yield dg.AssetCheckResult(
        check_name="no_rejected_documents",
        asset_key=["raw", "rejected_document"],
        passed=not report.rejected,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{len(report.rejected)} file(s) quarantined: "
            + "; ".join(f"{r.error} ({r.outcome})" for r in report.rejected[:5])
            if report.rejected
            else "every source file was read"
        ),
        metadata={
            "rejected": len(report.rejected),
            "standing": report.standing[:50],
            "rejections": table_metadata(["file", "line", "error", "in the warehouse"], rejected_rows),
        },
    )
    yield dg.AssetCheckResult(
        check_name="no_unparsed_cells",
        asset_key=["raw", "indicator_cell"],
        passed=n_unparsed == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{n_unparsed} cell(s) not recognised" if n_unparsed else "every cell classified",
        metadata={
            "unparsed": n_unparsed,
            "cells": table_metadata(["document", "file", "line", "column", "value_raw"], unparsed[:200]),
        },
    )


def _materializations(report, counts, status_counts, documents, raw_dir, current, reasons, dbt_build):
    documents_version = dg.DataVersion(current.parts["documents"][:16])
    yield dg.MaterializeResult(
        asset_key=["raw", "source_document"],
        data_version=documents_version,
        metadata={
            "dagster/row_count": counts["source_document"],
            # every id, not the first 50: `make run`'s screen tells the documents read from the others
            "loaded_this_run": report.loaded,
            "documents_loaded": len(report.loaded),
            "cells_loaded": report.cells_loaded,
            "bytes_parsed": report.bytes_parsed,
            "parse_seconds": round(report.parse_s, 3),
            "write_seconds": round(report.write_s, 3),
            "unchanged": len(report.unchanged),
            "removed": report.removed[:50],
            # documents kept at their last good version: their file's new bytes were quarantined
            "standing": report.standing[:50],
            "documents": table_metadata(
                ["document", "type", "vintage", "file", "records", "cells"], documents
            ),
            "raw_dir": str(
                raw_dir.relative_to(PROJECT_DIR) if raw_dir.is_relative_to(PROJECT_DIR) else raw_dir
            ),
            "fingerprint": current.value,
            "fingerprint_parts": dg.MetadataValue.json(dict(current.parts)),
            "why_run": dg.MetadataValue.json(reasons),
            DBT_BUILD: dbt_build,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "indicator_cell"],
        data_version=documents_version,
        metadata={
            "dagster/row_count": counts["indicator_cell"],
            "cells_by_status": table_metadata(["status", "cells"], status_counts),
            **{f"status/{status}": n for status, n in status_counts},
        },
    )
    for name in ("indicator_methodology", "skipped_record", "rejected_document"):
        yield dg.MaterializeResult(
            asset_key=["raw", name],
            data_version=documents_version,
            metadata={"dagster/row_count": counts[name]},
        )


def _log_report(context: dg.AssetExecutionContext, report: IngestReport) -> None:
    context.log.info(
        f"loaded {len(report.loaded)} document(s) {report.loaded}, unchanged {len(report.unchanged)}, "
        f"removed {report.removed}, standing at their previous version {report.standing}"
    )
    for r in report.rejected:
        context.log.error(f"QUARANTINED {r.error} ({r.outcome})")
