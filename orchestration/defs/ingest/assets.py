"""Ingestion: every source file of RAW_DIR into the `raw` schema, with lineage to file and line.

Whether a run is needed at all is decided before it starts, by its launcher
(`orchestration/defs/run_plan.py`). `raw_sources` loads what its config names and records the
fingerprint of what this run builds from (`raw.run_fingerprint`, completed by the last asset).
"""

import dagster as dg

from orchestration.defs.metadata import table_metadata
from orchestration.defs.resources import WAREHOUSE_POOL, SettingsResource, WarehouseResource
from orchestration.lib import fingerprint
from orchestration.lib.ingest.loader import IngestReport, ingest
from orchestration.lib.settings import PROJECT_DIR

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
    """`only`: relative paths under RAW_DIR to (re)load, for a run started by the sensor for some
    documents; empty means every file (and files gone from RAW_DIR are removed)."""

    only: list[str] = []  # noqa: RUF012 (pydantic copies defaults)


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
        current = fingerprint.compute(fingerprint.held_digest(con), paths, warehouse.path)
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
    context.log.info(f"fingerprint {current.short}")
    yield from _materializations(report, counts, status_counts, documents, raw_dir, current)
    rejected_rows = [(r.source_file, r.error_line, r.error, r.outcome) for r in report.rejected]
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


def _materializations(report, counts, status_counts, documents, raw_dir, current):
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
