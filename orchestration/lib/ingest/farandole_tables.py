"""The tables of a Farandole text export: year column headers (with qualifiers over one or more
lines), measures with one cell per column (a blank last cell allowed), the count checks, and the
cells they emit. A mixin of the reader's parser (`farandole._Parser`), which owns the document's
structure around them; the format itself is described in `farandole`'s docstring."""

from orchestration.lib.ingest.farandole_format import (
    HAS_LETTER_RE,
    MISSION_REF,
    NOT_A_YEAR_RE,
    NUMBER_RE,
    PRECISIONS_RE,
    QUALIFIER_FIRST_RE,
    QUALIFIER_NEXT_RE,
    YEAR_RE,
    Indicator,
    looks_like_label,
    quoted,
)
from orchestration.lib.ingest.records import CellRecord, SkippedRecord, value_kind_for


class TableParsing:
    # -- table ---------------------------------------------------------------------------------

    def table(self, i: int, ind: Indicator) -> int:
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
                or (s[0] in "PpCc" and PRECISIONS_RE.fullmatch(s))
                or self.keyword(line, s) is not None
            ):
                break
            i += 1
        measures = self.measures(start, i, len(columns), ind, table_line)
        self.emit_cells(measures, columns, ind)
        return i

    def year_columns(self, i: int, ind: Indicator, table_line: int) -> tuple[list[tuple[str, int, str]], int]:
        """The year column headers from items[i]: ([(header, year, value kind)], index after them)."""
        items = self.items
        n = len(items)
        path = self.path
        columns: list[tuple[str, int, str]] = []  # (header, year, value kind)
        unqualified: list[tuple[int, int, int]] = []  # (column index, year, line) without qualifier
        bare = None  # a column header with a bare qualifier ('2019 Réalisation'), if any
        while i < n:
            line, s = items[i]
            m = YEAR_RE.fullmatch(s)
            if m is None:
                if NOT_A_YEAR_RE.fullmatch(s):
                    raise self.error(
                        line,
                        f"year column header {quoted(s)} is not a 4-digit year (table of indicator"
                        f" {ind.number} at line {table_line})",
                    )
                if s[0] == "(" and s[-1] == ")":
                    raise self.error(
                        line,
                        f"column qualifier {quoted(s)} does not follow a year line"
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
                elif QUALIFIER_FIRST_RE.fullmatch(q):  # 'Prévision' / 'PAP 2019': bare, over lines
                    parts = [q]
                    i += 1
                    while i < n and QUALIFIER_NEXT_RE.fullmatch(items[i][1]):
                        parts.append(items[i][1])
                        i += 1
                    qualifier, q_line = " ".join(parts), next_line
            if i + 1 < n:
                u_line, u = items[i]
                if (
                    u[0] != "("
                    and HAS_LETTER_RE.search(u)
                    and YEAR_RE.fullmatch(items[i + 1][1])
                    and not YEAR_RE.fullmatch(u)
                    and not NOT_A_YEAR_RE.fullmatch(u)
                ):
                    # followed by a year header: not the first measure label, an unknown qualifier
                    joined = f"{qualifier} {u}" if qualifier else u
                    raise self.error(
                        u_line,
                        f"unknown value kind in column header qualifier {joined!r}: {quoted(u)} after"
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
            found = "end of file" if i >= n else quoted(items[i][1])
            raise self.error(
                items[i][0] if i < n else table_line,
                f"table of indicator {ind.number} at line {table_line} has no year columns:"
                f" expected a 4-digit year after 'Unité', found {found}",
            )
        if bare is not None and unqualified:
            column, year, line = unqualified[0]
            if column == len(columns) - 1 and i < n:  # the last column: its qualifier was not known
                line, found = items[i]
                what = f"{quoted(found)} (line {line}) is not a known qualifier"
            else:
                what = "it has none"
            raise self.error(
                line,
                f"year column {year} has no qualifier while the other columns of the table of indicator"
                f" {ind.number} at line {table_line} have one (like {bare!r}): {what}"
                f" (expected Réalisation, Prévision, Cible, PAP <year>, actualisée…)",
            )
        return columns, i

    def blank_cells_after(self, k: int, end: int, need: int) -> list[tuple[int, str]]:
        """The `need` blank lines right after items[k] when they can be a measure's last cells."""
        found = self.blanks.get(k, ())
        if k == end - 1:  # the last one after a table's last cell is the padding that closes it
            found = found[:-1]
        return list(found[:need]) if len(found) >= need else []

    def read_measure(self, k: int, end: int, ncol: int) -> tuple[list[tuple[int, str]], int]:
        """The cells of the measure whose label is items[k] (at most `ncol`), and the index after it.

        A label, a unit and `ncol` cells; its last cells may be blank lines (a RAP leaves the cells of
        a year not yet known blank)."""
        cells: list[tuple[int, str]] = []
        j = k + 2  # the first cell, after the label and the unit
        if k + 1 >= end:
            return cells, k + 1
        while len(cells) < ncol:
            blank = self.blank_cells_after(j - 1, end, ncol - len(cells))
            if blank:
                cells.extend(blank)
                break
            if j >= end:
                break
            cells.append(self.items[j])
            j += 1
        return cells, j

    def measure_problem(
        self,
        k: int,
        cells: list[tuple[int, str]],
        end: int,
        ncol: int,
        where: str,
        thorough: bool = True,
    ) -> str | None:
        """Why the measure at items[k] with `cells` cannot be read as one, None when it can.

        Not `thorough`: its label has a letter and it has its `ncol` cells. `thorough` (to find
        the measures of a table that does not read whole): besides, its unit is not a number and
        no cell looks like a measure label (a long text that a cell of a table that reads whole
        may be)."""
        items = self.items
        label_line, label = items[k]
        if not HAS_LETTER_RE.search(label):
            return (
                f"expected a measure label at line {label_line}, found {quoted(label)}: a cell is"
                f" probably missing or extra ({where})"
            )
        if thorough and k + 1 < end:
            unit_line, unit = items[k + 1]
            if NUMBER_RE.fullmatch(unit):
                return (
                    f'measure "{label}" (line {label_line}): its unit at line {unit_line} is a number'
                    f" {quoted(unit)}: a cell is probably missing or extra ({where})"
                )
        for j, (cell_line, cell) in enumerate(cells if thorough else ()):
            if looks_like_label(cell):
                return (
                    f'missing cell: measure "{label}" (line {label_line}) has {j} cells for {ncol}'
                    f" year columns: line {cell_line} {quoted(cell)} looks like the next measure's"
                    f" label ({where})"
                )
        if len(cells) < ncol:
            if end < len(items):
                end_what = f"{quoted(items[end][1])} (line {items[end][0]})"
            else:
                end_what = f"end of file (line {self.last_line()})"
            return (
                f'missing cell: measure "{label}" (line {label_line}) has {len(cells)} cells for'
                f" {ncol} year columns before {end_what} ({where})"
            )
        return None

    def reads_cleanly(self, k: int, end: int, ncol: int, thorough: bool = True) -> bool:
        """Whether items[k:end] reads as whole measures, each one right."""
        while k < end:
            cells, j = self.read_measure(k, end, ncol)
            if self.measure_problem(k, cells, end, ncol, "", thorough) is not None:
                return False
            k = j
        return True

    def measures(
        self, start: int, end: int, ncol: int, ind: Indicator, table_line: int
    ) -> list[tuple[int, int, list[tuple[int, str]]]]:
        """Read the table body items[start:end] measure by measure: [(position, label index, cells)].

        A table whose measures each have a label with a letter and their cells, to its last line,
        reads whole. In one that does not, a measure that cannot be read (a cell missing or extra:
        a label that is a number, a unit that is a number, a cell that looks like the next label,
        too few cells) is held:
        a skipped record with its line and why, and reading resumes at the first line from which
        the rest of the body reads as whole measures (none: the rest of the table is held with it).
        A held stretch counts as one measure position. A table cut short by the end of the file is
        a truncated file: an error."""
        items = self.items
        where = f"table of indicator {ind.number} at line {table_line}"
        if start == end:
            if end < len(items):
                end_line, end_text = items[end]
                end_what = f"{quoted(end_text)} (line {end_line})"
                cut = "" if PRECISIONS_RE.fullmatch(end_text) else "table cut short: "
            else:
                end_line, cut = self.last_line(), "table cut short: "
                end_what = f"end of file (line {end_line})"
            raise self.error(
                end_line,
                f"{cut}{where} has no measure rows: expected a measure label, its unit and {ncol}"
                f" cells, found {end_what}",
            )
        out: list[tuple[int, int, list[tuple[int, str]]]] = []
        k, position = start, 0
        whole = self.reads_cleanly(start, end, ncol, thorough=False)  # the table reads whole
        while k < end:
            position += 1
            cells, j = self.read_measure(k, end, ncol)
            problem = None if whole else self.measure_problem(k, cells, end, ncol, where)
            if problem is None:
                out.append((position, k, cells))
                k = j
                continue
            if end == len(items) and len(cells) < ncol and j >= end:
                # the file ends inside the table: truncated, not one unreadable measure
                raise self.error(
                    self.last_line(),
                    f'table cut short: measure "{items[k][1]}" (line {items[k][0]}) has {len(cells)}'
                    f" cells for {ncol} year columns at end of file (line {self.last_line()}) ({where})",
                )
            resume = next((r for r in range(k + 1, end) if self.reads_cleanly(r, end, ncol)), end)
            first, last = items[k][0], items[resume - 1][0]
            self.doc.skipped.append(
                SkippedRecord(
                    source_line=first,
                    record_number=None,
                    programme_code=self.programme_code,
                    reason=(
                        f"measure {position} of indicator {ind.code} held (lines {first}-{last}): {problem}"
                    ),
                )
            )
            k = resume
        return out

    def emit_cells(
        self,
        measures: list[tuple[int, int, list[tuple[int, str]]]],
        columns: list[tuple[str, int, str]],
        ind: Indicator,
    ) -> None:
        items = self.items
        cells = self.doc.cells
        programme_code = self.programme_code
        programme_label = self.doc.programme_label
        ref_programme = MISSION_REF if ind.mission else None
        for position, k, measure_cells in measures:
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
