"""Markdown for the Dagster UI's metadata and the quality summary: tables whose cells are escaped
(`md_table`), and the Jinja2 environment of the markdown reports (`markdown_environment`)."""

import html
from collections.abc import Iterable, Sequence
from typing import Any

import jinja2
from markupsafe import Markup


def md_cell(value: Any, max_chars: int | None = None) -> str:
    # Source text is data: HTML-escaped, so markup in a label stays inert in any Markdown viewer.
    text = "" if value is None else html.escape(str(value)).replace("|", "\\|").replace("\n", " ")
    return text if max_chars is None else text[:max_chars]


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], max_chars: int | None = None) -> str:
    body = ["| " + " | ".join(md_cell(v, max_chars) for v in row) + " |" for row in rows]
    if not body:
        return "(none)"
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers), *body])


def _finalize(value: Any) -> Markup:
    """Every `{{ … }}` of a markdown template: HTML-escaped like a table cell, so markup in a value
    stays inert (quotes kept as typed: prose is not an attribute)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=False))


def _table(rows: Iterable[Sequence[Any]], headers: Sequence[str], max_chars: int | None = None) -> Markup:
    """`{{ rows | table(headers) }}`: a markdown table whose cells `md_cell` escapes."""
    return Markup(md_table(headers, rows, max_chars))


def markdown_environment(package: str, folder: str = "templates") -> jinja2.Environment:
    """The Jinja2 environment of a package's markdown templates: autoescape on, every value escaped
    by `_finalize`, tables by the `table` filter."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, folder),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["table"] = _table
    return env
