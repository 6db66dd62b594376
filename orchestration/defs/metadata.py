"""Metadata helpers: rows shown as a table in the Dagster UI (`MetadataValue.table`)."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import dagster as dg

MAX_CHARS = 200


def _cell(value, max_chars: int) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _type(values: list) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {int}:
        return "int"
    if kinds and kinds <= {int, float}:
        return "float"
    if kinds == {bool}:
        return "bool"
    return "string"


def table_metadata(
    columns: Sequence[str], rows: Iterable[Sequence], max_chars: int = MAX_CHARS
) -> dg.TableMetadataValue:
    """`rows` (tuples in the order of `columns`) as a table the UI can sort and scroll."""
    records = [[_cell(v, max_chars) for v in row] for row in rows]
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, _type([r[i] for r in records])) for i, name in enumerate(columns)]
    )
    return dg.MetadataValue.table(
        records=[dg.TableRecord(dict(zip(columns, r, strict=True))) for r in records], schema=schema
    )
