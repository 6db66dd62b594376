"""Markdown tables for the Dagster UI's metadata and the quality summary."""

import html
from collections.abc import Iterable, Sequence
from typing import Any


def md_cell(value: Any, max_chars: int | None = None) -> str:
    # Source text is data: HTML-escaped, so markup in a label stays inert in any Markdown viewer.
    text = "" if value is None else html.escape(str(value)).replace("|", "\\|").replace("\n", " ")
    return text if max_chars is None else text[:max_chars]


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], max_chars: int | None = None) -> str:
    body = ["| " + " | ".join(md_cell(v, max_chars) for v in row) + " |" for row in rows]
    if not body:
        return "(none)"
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers), *body])
