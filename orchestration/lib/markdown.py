"""Markdown for the Dagster UI's metadata and the quality summary: tables whose cells are escaped
(`md_table`), and the Jinja2 environment of the markdown reports (`markdown_environment`)."""

import re
from collections.abc import Iterable, Sequence
from typing import Any

import jinja2
from markupsafe import Markup

# Markdown's own escapes (a backslash before ASCII punctuation), not HTML entities: the file reads as
# typed in a text editor (`d'amélioration`, not `d&#x27;amélioration`), and markup in a label stays
# inert in any viewer: `\<script>` is text. `&` only where it would start an entity.
_ACTIVE = re.compile(r"([\\`*\[\]<>|])|&(?=#?\w+;)")


def md_text(value: Any) -> str:
    """Source text as literal markdown text, on one line."""
    text = "" if value is None else str(value).replace("\r", " ").replace("\n", " ")
    return _ACTIVE.sub(lambda m: "\\" + (m.group(1) or "&"), text)


def md_cell(value: Any, max_chars: int | None = None) -> str:
    # Source text is data: cut before escaping, so an escape is never split.
    text = "" if value is None else str(value)
    return md_text(text if max_chars is None or len(text) <= max_chars else text[: max_chars - 1] + "…")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], max_chars: int | None = None) -> str:
    body = ["| " + " | ".join(md_cell(v, max_chars) for v in row) + " |" for row in rows]
    if not body:
        return "(none)"
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers), *body])


def _finalize(value: Any) -> Markup:
    """Every `{{ … }}` of a markdown template: escaped like a table cell, so markup in a value stays
    inert."""
    if isinstance(value, Markup):
        return value
    return Markup(md_text(value))


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
