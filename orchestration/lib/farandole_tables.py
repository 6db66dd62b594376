"""The tables of a Farandole text export: year column headers (with qualifiers over one or more
lines), measures with one cell per column (a blank last cell allowed), the count checks, and the
cells they emit. A mixin of the reader's parser (`farandole._Parser`), which owns the document's
structure around them; the format itself is described in `farandole`'s docstring."""

from typing import TYPE_CHECKING

from orchestration.lib.farandole_format import (
    _HAS_LETTER_RE,
    _MISSION_REF,
    _NOT_A_YEAR_RE,
    _PRECISIONS_RE,
    _QUALIFIER_FIRST_RE,
    _QUALIFIER_NEXT_RE,
    _WS,
    _YEAR_RE,
    _looks_like_label,
    _quote,
)
from orchestration.lib.records import CellRecord, value_kind_for

if TYPE_CHECKING:  # the reader's indicator, only named in annotations here
    from orchestration.lib.farandole import _Indicator


class TableParsing:
    # -- table ---------------------------------------------------------------------------------

    def table(self, i: int, ind: "_Indicator") -> int:
        """Parse the table starting at the 'Unité' line items[i]; return the index after it."""
        items = self.items
        n = len(items)
        table_line = items[i][0]
        i += 1
        columns, i = self.year_columns(i, ind, table_line)
        start = i
        while i < n:
            line, s = items[i]
            if (
                s[0] == "$"
                or (s[0] in "Pp" and _PRECISIONS_RE.fullmatch(s))
                or self.keyword(line, s) is not None
            ):
                break
            i += 1
        measures = self.measures(start, i, len(columns))
        self.check_body(measures, start, i, len(columns), ind, table_line)
        self.emit_cells(measures, columns, ind)
        return i

    def year_columns(
        self, i: int, ind: "_Indicator", table_line: int
    ) -> tuple[list[tuple[str, int, str]], int]:
        """The year column headers from items[i]: ([(header, year, value kind)], index after them)."""
        items = self.items
        n = len(items)
        path = self.path
        columns: list[tuple[str, int, str]] = []  # (header, year, value kind)
        unqualified: list[tuple[int, int, int]] = []  # (column index, year, line) without qualifier
        bare = None  # a column header with a bare qualifier ('2019 Réalisation'), if any
        while i < n:
            line, s = items[i]
            m = _YEAR_RE.fullmatch(s)
            if m is None:
                if _NOT_A_YEAR_RE.fullmatch(s):
                    raise self.error(
                        line,
                        f"year column header {_quote(s)} is not a 4-digit year (table of indicator"
                        f" {ind.number} at line {table_line})",
                    )
                if s[0] == "(" and s[-1] == ")":
                    raise self.error(
                        line,
                        f"column qualifier {_quote(s)} does not follow a year line"
                        f" (table of indicator {ind.number} at line {table_line})",
                    )
                break
            year = int(m[1])
            qualifier, q_line = m[2], line
            i += 1
            if qualifier is None and i < n:
                next_line, q = items[i]
                if q[0] == "(" and q[-1] == ")":
                    qualifier, q_line = q, next_line
                    i += 1
                elif _QUALIFIER_FIRST_RE.fullmatch(q):  # 'Prévision' / 'PAP 2019': bare, over lines
                    parts = [q]
                    i += 1
                    while i < n and _QUALIFIER_NEXT_RE.fullmatch(items[i][1]):
                        parts.append(items[i][1])
                        i += 1
                    qualifier, q_line = " ".join(parts), next_line
            if i + 1 < n:
                u_line, u = items[i]
                if (
                    u[0] != "("
                    and _HAS_LETTER_RE.search(u)
                    and _YEAR_RE.fullmatch(items[i + 1][1])
                    and not _YEAR_RE.fullmatch(u)
                    and not _NOT_A_YEAR_RE.fullmatch(u)
                ):
                    # followed by a year header: not the first measure label, an unknown qualifier
                    joined = f"{qualifier} {u}" if qualifier else u
                    raise self.error(
                        u_line,
                        f"unknown value kind in column header qualifier {joined!r}: {_quote(u)} after"
                        f" year column {year} (line {line}) is not a qualifier word (Réalisation,"
                        f" Prévision, Cible, PAP <year>, actualisée…) (table of indicator {ind.number}"
                        f" at line {table_line})",
                    )
            kind = value_kind_for(qualifier or "", path, q_line, year)
            header = f"{m[1]} {qualifier}" if qualifier else m[1]
            if qualifier is None:
                unqualified.append((len(columns), year, line))
            elif bare is None and qualifier[0] != "(":
                bare = header
            columns.append((header, year, kind))
        if not columns:
            found = "end of file" if i >= n else _quote(items[i][1])
            raise self.error(
                items[i][0] if i < n else table_line,
                f"table of indicator {ind.number} at line {table_line} has no year columns:"
                f" expected a 4-digit year after 'Unité', found {found}",
            )
        if bare is not None and unqualified:
            column, year, line = unqualified[0]
            if column == len(columns) - 1 and i < n:  # the last column: its qualifier was not known
                line, found = items[i]
                what = f"{_quote(found)} (line {line}) is not a known qualifier"
            else:
                what = "it has none"
            raise self.error(
                line,
                f"year column {year} has no qualifier while the other columns of the table of indicator"
                f" {ind.number} at line {table_line} have one (like {bare!r}): {what}"
                f" (expected Réalisation, Prévision, Cible, PAP <year>, actualisée…)",
            )
        return columns, i

    def blank_cell_after(self, k: int, end: int) -> tuple[int, str] | None:
        """The blank line right after items[k], when it can be a measure's last cell."""
        found = self.blanks.get(k)
        if not found or (k == end - 1 and len(found) == 1):  # the padding that closes the table
            return None
        return found[0]

    def measures(self, start: int, end: int, ncol: int) -> list[tuple[int, list[tuple[int, str]]]]:
        """Cut the table body items[start:end] into measures: [(index of the label, cells)].

        Each measure is a label, a unit and `ncol` cells; its last cell may be a blank line. The
        last measure has fewer cells when the body is short (`check_body` says why)."""
        items = self.items
        out: list[tuple[int, list[tuple[int, str]]]] = []
        k = start
        while k < end:
            cells: list[tuple[int, str]] = []
            j = k + 2  # the first cell, after the label and the unit
            if k + 1 < end:
                while len(cells) < ncol:
                    if len(cells) == ncol - 1:
                        blank = self.blank_cell_after(j - 1, end)
                        if blank is not None:
                            cells.append(blank)
                            break
                    if j >= end:
                        break
                    cells.append(items[j])
                    j += 1
            out.append((k, cells))
            k = j
        return out

    def check_body(
        self,
        measures: list[tuple[int, list[tuple[int, str]]]],
        start: int,
        end: int,
        ncol: int,
        ind: "_Indicator",
        table_line: int,
    ) -> None:
        """Check the table body (label, unit and `ncol` cells per measure) before any cell is emitted.

        `end` is the index of the item that ended the table (len(items) at end of file).
        """
        items = self.items
        group = ncol + 2
        count = end - start
        if end < len(items):
            end_line, end_text = items[end]
            end_what = f"{_quote(end_text)} (line {end_line})"
            complete = _PRECISIONS_RE.fullmatch(end_text) is not None
        else:
            end_line = self.last_line()
            end_what = f"end of file (line {end_line})"
            complete = False
        where = f"table of indicator {ind.number} at line {table_line}"
        if count == 0:
            raise self.error(
                end_line,
                f"{'' if complete else 'table cut short: '}{where} has no measure rows:"
                f" expected a measure label, its unit and {ncol} cells, found {end_what}",
            )
        short = len(measures[-1][1]) < ncol
        blank = sum(1 for _, cells in measures for _, cell in cells if not cell.strip(_WS))
        blank_what = f" and {blank} blank last cells" if blank else ""
        count_msg = (
            f"{where}: {count} non-blank lines{blank_what} after the year headers, not a multiple of"
            f" {group} (label, unit and {ncol} cells per measure)"
        )
        for position, (k, cells) in enumerate(measures):
            label_line, label = items[k]
            if not _HAS_LETTER_RE.search(label):
                previous = f' after measure "{items[measures[position - 1][0]][1]}"' if position else ""
                raise self.error(
                    label_line,
                    f"expected a measure label at line {label_line}{previous}, found {_quote(label)}:"
                    f" a cell is probably missing or extra ({where}, {count} non-blank lines{blank_what}"
                    f" after the year headers for {group} per measure)",
                )
            if not short:
                continue
            for j, (cell_line, cell) in enumerate(cells):
                if _looks_like_label(cell):
                    raise self.error(
                        cell_line,
                        f'missing cell: measure "{label}" (line {label_line}) has {j} cells for {ncol}'
                        f" year columns: line {cell_line} {_quote(cell)} looks like the next measure's label;"
                        f" {count_msg}",
                    )
            if len(cells) < ncol:
                if complete:
                    raise self.error(
                        label_line,
                        f'missing cell: measure "{label}" (line {label_line}) has {len(cells)} cells'
                        f" for {ncol} year columns before {end_what}; {count_msg}",
                    )
                raise self.error(
                    end_line,
                    f'table cut short: measure "{label}" (line {label_line}) has {len(cells)} cells'
                    f" for {ncol} year columns at {end_what}; {count_msg}",
                )
        if short:  # pragma: no cover - the last measure is the short one, caught above
            raise self.error(table_line, count_msg)

    def emit_cells(
        self,
        measures: list[tuple[int, list[tuple[int, str]]]],
        columns: list[tuple[str, int, str]],
        ind: "_Indicator",
    ) -> None:
        items = self.items
        cells = self.doc.cells
        programme_code = self.programme_code
        programme_label = self.doc.programme_label
        ref_programme = _MISSION_REF if ind.mission else None
        for position, (k, measure_cells) in enumerate(measures, 1):
            label = items[k][1]
            unit = items[k + 1][1]
            for column, ((cell_line, value), (header, year, kind)) in enumerate(
                zip(measure_cells, columns, strict=True), 1
            ):
                cells.append(
                    CellRecord(
                        source_line=cell_line,
                        record_number=None,
                        programme_code=programme_code,
                        programme_label=programme_label,
                        mission_code=None,
                        mission_label=None,
                        budget_type=None,
                        sector_type="programme",
                        objective_code=ind.objective_code,
                        objective_number=ind.objective_number,
                        objective_label=ind.objective_label,
                        indicator_code=ind.code,
                        indicator_number=ind.number,
                        indicator_label=ind.label,
                        perspective=ind.perspective,
                        measure_position=position,
                        measure_label=label,
                        unit_raw=unit,
                        column_position=column,
                        column_header=header,
                        year=year,
                        value_kind=kind,
                        value_raw=value,
                        ref_programme=ref_programme,
                    )
                )
