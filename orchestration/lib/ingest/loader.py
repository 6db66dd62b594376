"""Loading the source files of RAW_DIR into the `raw` schema of the warehouse.

Layout of RAW_DIR: `<pap|rap>/<vintage year>/<file as published>`; `.txt` files are Farandole text
exports (one programme), `.csv` files are all-programme open-data exports. The folder gives the
document type and vintage; the content must agree: a file whose headers name another vintage (the
`annee#` variable of a text export, the year columns of a CSV) or another document type (a CSV's
layout) is refused. Where the headers name none, the folder decides.

A document is what its contents say, so a file whose bytes are another present file's (same
sha256) is a copy, not a second document: refused, naming the file that provides those bytes. The
file already loaded keeps them; between two newcomers, the first by path that loads.

The load is incremental and idempotent: a file whose path and sha256 are already loaded is not
parsed again; a changed file replaces its document (delete + insert in one transaction, so a killed
run leaves either the old or the new version); a file gone from RAW_DIR takes its rows with it
(deleting a file is a deliberate act).
A file that cannot be read is quarantined in `raw.rejected_document` with the error, file and
line, and the other files still land. When that file had been loaded before, the last good version
stands: its rows stay in the raw schema (so in the marts) and the quarantine row names it
(`standing_document_id`, `standing_sha256`): new bytes that fail to read never erase a document.
A refused file adds no document and removes none.
"""

import hashlib
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import duckdb

from orchestration.lib.ingest.cells import parse_cell
from orchestration.lib.ingest.farandole import read_farandole
from orchestration.lib.ingest.opendata_csv import read_opendata_csv
from orchestration.lib.ingest.raw_schema import (
    CELL_COLUMNS,
    METHODOLOGY_COLUMNS,
    RAW_DDL,
    RAW_MIGRATIONS,
    READER_VERSION,
    REJECTION_COLUMNS,
    REJECTION_MIGRATIONS,
    standing_outcome,
)
from orchestration.lib.ingest.records import ParsedDocument, SourceFormatError

MAX_FILE_BYTES = 256 * 1024 * 1024  # a published export is a few MB; anything bigger is not one
IGNORED_NAMES = re.compile(r"^(\.|readme|licen[cs]e|sha256)", re.IGNORECASE)
FORMAT_BY_SUFFIX = {".txt": "farandole_text", ".csv": "opendata_csv"}

_RECORD_FIELDS = CELL_COLUMNS[2:29]  # copied from CellRecord as they are (document_id/source_file added)
_PARSED_FIELDS = CELL_COLUMNS[29:]  # from cells.parse_cell


@dataclass(frozen=True)
class SourceFile:
    path: Path
    relpath: str  # relative to RAW_DIR, '/'-separated: the lineage key
    document_type: str  # PAP / RAP
    vintage_year: int
    source_format: str
    is_synthetic: bool


@dataclass
class Rejection:
    source_file: str
    error: str
    error_line: int | None = None
    sha256: str | None = None
    document_id: str | None = None
    # The version loaded from this file before, which stays in the warehouse (None: nothing of the
    # file is loaded).
    standing_document_id: str | None = None
    standing_sha256: str | None = None
    # The file that already provides this document or these bytes (a duplicate or a copy); None
    # for a file refused for its own content. Such a verdict depends on the other file, so it is
    # decided again every run, never carried over from the last one.
    duplicate_of: str | None = None

    @property
    def outcome(self) -> str:
        """What the warehouse holds for this file, for people: which version stands, if any."""
        return standing_outcome(self.standing_document_id, self.standing_sha256)


@dataclass
class IngestReport:
    loaded: list[str] = field(default_factory=list)  # document ids (re)loaded by this run
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # documents kept at their previous version because their file's new bytes were rejected
    standing: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    cells_loaded: int = 0
    bytes_parsed: int = 0
    parse_s: float = 0.0  # reading, hashing, parsing and classifying the files
    write_s: float = 0.0  # the one transaction that writes them


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)
    con.execute(RAW_MIGRATIONS)
    con.execute(REJECTION_MIGRATIONS)


def discover(raw_dir: Path) -> tuple[list[SourceFile], list[Rejection]]:
    """Every candidate source file of RAW_DIR, sorted by path (the order decides which of two files
    claiming one document wins), and the files refused before reading them."""
    files: list[SourceFile] = []
    refused: list[Rejection] = []
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"RAW_DIR {raw_dir} is not a folder")
    root = raw_dir.resolve()
    for dirpath, dirnames, filenames in os.walk(raw_dir, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            # os.walk does not enter a linked folder: say so rather than drop its files silently.
            dirnames.remove(name)
            link = Path(dirpath) / name
            relpath = link.relative_to(raw_dir).as_posix()
            refused.append(
                Rejection(relpath, f"{relpath}: refused: link to the folder {link.resolve()}, not followed")
            )
        for name in sorted(filenames):
            path = Path(dirpath) / name
            relpath = path.relative_to(raw_dir).as_posix()
            if IGNORED_NAMES.match(name) or name.endswith(".md"):
                continue
            try:
                path.resolve().relative_to(root)
            except ValueError:
                refused.append(
                    Rejection(relpath, f"{relpath}: refused: link to {path.resolve()}, outside RAW_DIR")
                )
                continue
            if not path.is_file():  # a pipe would block the read forever
                refused.append(
                    Rejection(
                        relpath, f"{relpath}: refused: not a regular file (pipe, device or broken link)"
                    )
                )
                continue
            parts = relpath.split("/")
            suffix = path.suffix.lower()
            if (
                len(parts) != 3
                or parts[0].upper() not in ("PAP", "RAP")
                or not re.fullmatch(r"(19|20)\d\d", parts[1])
            ):
                refused.append(
                    Rejection(relpath, f"{relpath}: refused: not in a <pap|rap>/<vintage year>/ folder")
                )
                continue
            if suffix not in FORMAT_BY_SUFFIX:
                refused.append(
                    Rejection(
                        relpath, f"{relpath}: refused: unknown source format {suffix or '(no extension)'}"
                    )
                )
                continue
            files.append(
                SourceFile(
                    path=path,
                    relpath=relpath,
                    document_type=parts[0].upper(),
                    vintage_year=int(parts[1]),
                    source_format=FORMAT_BY_SUFFIX[suffix],
                    is_synthetic="synthetic" in name.lower(),
                )
            )
    return files, refused


def document_id_for(source: SourceFile, doc: ParsedDocument) -> str:
    prefix = "SYN-" if source.is_synthetic else ""
    base = f"{source.document_type}-{source.vintage_year}"
    return f"{prefix}{base}-{doc.programme_code}" if doc.programme_code else f"{prefix}{base}"


def parse_source(source: SourceFile, data: bytes) -> ParsedDocument:
    if source.source_format == "farandole_text":
        return read_farandole(source.path, data, document_type=source.document_type)
    return read_opendata_csv(source.path, data)


def identity_error(source: SourceFile, doc: ParsedDocument) -> SourceFormatError | None:
    """The error of a file whose headers say it is another document than its folder names."""
    folder = "/".join(source.relpath.split("/")[:2])
    if doc.document_type is not None and doc.document_type != source.document_type:
        return SourceFormatError(
            source.relpath,
            1,
            f"document type mismatch: the header is a {doc.document_type}'s (layout"
            f" {doc.header.get('layout')!r}), the folder {folder}/ says {source.document_type}",
        )
    if doc.vintage_year is not None and doc.vintage_year != source.vintage_year:
        return SourceFormatError(
            source.relpath,
            doc.vintage_line,
            f"vintage mismatch: the headers say {doc.vintage_year} ({doc.vintage_evidence}),"
            f" the folder {folder}/ says {source.vintage_year}",
        )
    return None


@lru_cache(maxsize=65536)
def _parsed_values(raw: str) -> tuple:
    cell = parse_cell(raw)
    return tuple(getattr(cell, name) for name in _PARSED_FIELDS)


CHUNK_CELLS = 250_000  # rows held in memory before they are written (inside the run's transaction)


class _Batch:
    """Rows of the documents (re)loaded by one run, in columns, written in one transaction opened at
    the first write: per-document statements cost ~100 ms each, which a 3,000-file corpus cannot
    afford, and chunks of CHUNK_CELLS keep memory bounded whatever the corpus size."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.in_transaction = False
        self.write_s = 0.0  # time spent writing, for the report
        self.documents: list[tuple] = []
        self.source_files: list[str] = []
        self._start_chunk()

    def _start_chunk(self) -> None:
        self.cells: dict[str, list] = {name: [] for name in CELL_COLUMNS}
        self.methodology: dict[str, list] = {name: [] for name in METHODOLOGY_COLUMNS}
        self.skipped: list[tuple] = []
        self.chunk_ids: list[str] = []
        self.chunk_files: list[str] = []

    def begin(self) -> None:
        if not self.in_transaction:
            self.con.execute("begin transaction")
            self.in_transaction = True

    def delete(self, document_ids: list[str], source_files: list[str]) -> None:
        """Old rows of these documents; by file too, as a reloaded file may have had another id."""
        self.begin()
        for table in ("indicator_cell", "indicator_methodology", "skipped_record", "source_document"):
            self.con.execute(
                f"delete from raw.{table} where document_id in (select unnest(?)) "
                "or source_file in (select unnest(?))",
                [document_ids, source_files],
            )

    def flush(self) -> None:
        if not self.chunk_ids:
            return
        started = time.perf_counter()
        self.delete(self.chunk_ids, self.chunk_files)
        con = self.con
        import pandas as pd  # here: importing it costs about a second, which a run with nothing to load spares

        con.register("cells_df", pd.DataFrame(self.cells))
        con.execute(f"insert into raw.indicator_cell ({', '.join(CELL_COLUMNS)}) select * from cells_df")
        con.unregister("cells_df")
        if self.methodology["document_id"]:
            con.register("methodology_df", pd.DataFrame(self.methodology))
            con.execute(
                f"insert into raw.indicator_methodology ({', '.join(METHODOLOGY_COLUMNS)}) "
                "select * from methodology_df"
            )
            con.unregister("methodology_df")
        if self.skipped:
            con.executemany("insert into raw.skipped_record values (?, ?, ?, ?, ?, ?)", self.skipped)
        self._start_chunk()
        self.write_s += time.perf_counter() - started

    def rollback(self) -> None:
        if self.in_transaction:
            self.con.execute("rollback")
            self.in_transaction = False

    def add(
        self, source: SourceFile, doc: ParsedDocument, document_id: str, sha: str, size: int, now
    ) -> None:
        cells = self.cells
        n = len(doc.cells)
        cells["document_id"].extend([document_id] * n)
        cells["source_file"].extend([source.relpath] * n)
        for name in _RECORD_FIELDS:
            cells[name].extend([getattr(cell, name) for cell in doc.cells])
        parsed = [_parsed_values(cell.value_raw) for cell in doc.cells]
        for i, name in enumerate(_PARSED_FIELDS):
            cells[name].extend([values[i] for values in parsed])
        m = self.methodology
        for position, section in enumerate(doc.methodology, start=1):
            m["document_id"].append(document_id)
            m["source_file"].append(source.relpath)
            m["indicator_code"].append(section.indicator_code)
            m["section_position"].append(position)
            m["section"].append(section.section)
            m["heading"].append(section.heading)
            m["body"].append(section.text)
            m["source_line_start"].append(section.source_line_start)
            m["source_line_end"].append(section.source_line_end)
        self.skipped.extend(
            (document_id, source.relpath, r.source_line, r.record_number, r.programme_code, r.reason)
            for r in doc.skipped
        )
        self.documents.append(
            (
                document_id,
                source.document_type,
                source.vintage_year,
                doc.programme_code,
                doc.programme_label,
                doc.source_format,
                source.relpath,
                sha,
                size,
                doc.encoding,
                doc.line_count,
                n,
                len(doc.methodology),
                source.is_synthetic,
                now,
                "loaded",
                doc.record_count,
                doc.header.get("layout"),
                READER_VERSION,
            )
        )
        self.source_files.append(source.relpath)
        self.chunk_ids.append(document_id)
        self.chunk_files.append(source.relpath)
        if len(cells["document_id"]) >= CHUNK_CELLS:
            self.flush()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ingest(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    only: Iterable[str] | None = None,
    now: datetime | None = None,
) -> IngestReport:
    """Bring the raw schema in line with RAW_DIR. `only` limits the run to some files (relative
    paths): the others are left as they are, neither re-read nor removed."""
    ensure_raw_schema(con)
    now = now or datetime.now(UTC)
    report = IngestReport()
    started = time.perf_counter()
    all_files, refused = discover(raw_dir)
    present = {f.relpath for f in all_files}
    files = all_files
    only_set = set(only) if only is not None else None
    if only_set is not None:
        files = [f for f in files if f.relpath in only_set]
        refused = [r for r in refused if r.source_file in only_set]

    # A document read by another reader version counts as changed (its sha256 is forgotten).
    loaded = {
        row[0]: (row[1], row[2] if row[3] == READER_VERSION else f"{row[2]}@reader-{row[3]}")
        for row in con.execute(
            "select document_id, source_file, sha256, reader_version from raw.source_document"
        ).fetchall()
    }
    loaded_by_file = {source_file: (doc_id, sha) for doc_id, (source_file, sha) in loaded.items()}
    # Rejections that depend on another file (duplicate_of) are decided again, never carried over.
    previously_rejected = {
        row[0]: row[:5]
        for row in con.execute(
            "select source_file, document_id, sha256, error_line, error from raw.rejected_document "
            "where duplicate_of is null"
        ).fetchall()
    }

    # document_id -> the file that provides it. A document stays with the file that already provides
    # it, whatever the sort order of newcomers: the second file claiming it is the one quarantined.
    claimed = {
        doc_id: source_file for doc_id, (source_file, _sha) in loaded.items() if source_file in present
    }
    # sha256 -> (file, document id) that provides these bytes. Likewise the bytes stay with the
    # file loaded from them while it is present (even refused today, its version stands);
    # newcomers take theirs in path order as they load. The first by path wins a tie (only a
    # warehouse loaded before copies were refused can hold one).
    holders: dict[str, tuple[str, str]] = {}
    for doc_id, (source_file, sha) in sorted(loaded.items(), key=lambda item: item[1][0]):
        if source_file in present:
            holders.setdefault(sha.split("@")[0], (source_file, doc_id))
    batch = _Batch(con)

    try:
        _scan(files, report, loaded_by_file, previously_rejected, claimed, holders, batch, now)
    except BaseException:
        batch.rollback()
        raise
    # Whatever was loaded before and is neither reloaded, unchanged nor standing now (file gone, or
    # now read as another document id) leaves the raw schema. A file whose new bytes were rejected
    # keeps its previous version (`standing`): only deleting the file takes a document out.
    kept = set(report.loaded) | set(report.unchanged) | set(report.standing)
    for doc_id, (source_file, _sha) in loaded.items():
        in_scope = only_set is None or source_file in only_set
        if in_scope and doc_id not in kept:
            report.removed.append(doc_id)

    report.rejected = refused + report.rejected
    scanned, written_while_scanning = time.perf_counter(), batch.write_s
    _write(con, batch, report, now, only_set)
    report.parse_s = scanned - started - written_while_scanning
    report.write_s = time.perf_counter() - scanned + written_while_scanning
    return report


def _scan(
    files: list[SourceFile],
    report: IngestReport,
    loaded_by_file: dict[str, tuple[str, str]],
    previously_rejected: dict[str, tuple],
    claimed: dict[str, str],
    holders: dict[str, tuple[str, str]],
    batch: _Batch,
    now: datetime,
) -> None:
    """Read, hash and parse each file that changed; queue what is good, record what is not."""
    for source in files:
        known = loaded_by_file.get(source.relpath)

        def reject(rejection: Rejection, known=known) -> None:
            # New bytes that fail to read never erase the version loaded before: it stands.
            if known is not None and claimed.get(known[0]) == rejection.source_file:
                rejection.standing_document_id, rejection.standing_sha256 = known
                report.standing.append(known[0])
            report.rejected.append(rejection)

        try:
            if source.path.stat().st_size > MAX_FILE_BYTES:
                raise SourceFormatError(source.relpath, None, f"file larger than {MAX_FILE_BYTES} bytes")
            data = source.path.read_bytes()
        except (OSError, SourceFormatError) as exc:
            reject(Rejection(source.relpath, f"{source.relpath}: {exc}"))
            continue
        sha = _sha256(data)
        holder = holders.get(sha)
        if holder is not None and holder[0] != source.relpath:
            # Checked before "unchanged": a copy loaded before copies were refused is named too.
            holder_file, holder_doc = holder
            message = (
                f"copy of {holder_file} ({holder_doc}): the same bytes (sha256 {sha[:12]}…),"
                " not another document"
            )
            reject(
                Rejection(source.relpath, f"{source.relpath}: {message}", None, sha, duplicate_of=holder_file)
            )
            continue
        if known and known[1] == sha:
            report.unchanged.append(known[0])
            continue
        previous = previously_rejected.get(source.relpath)
        if previous is not None and previous[2] == sha:
            # Same bytes as last time: the verdict cannot change, but it must stay visible.
            _file, document_id, _sha, line, error = previous
            reject(Rejection(source.relpath, error, line, sha, document_id))
            continue
        try:
            doc = parse_source(source, data)
        except SourceFormatError as exc:
            where = f"{source.relpath}:{exc.line}" if exc.line is not None else source.relpath
            reject(Rejection(source.relpath, f"{where}: {exc.message}", exc.line, sha))
            continue
        document_id = document_id_for(source, doc)
        if not doc.cells:  # a header alone (a cut download) would replace a document by nothing
            message = "no indicator cell in the file (empty or truncated export?)"
            reject(Rejection(source.relpath, f"{source.relpath}: {message}", None, sha))
            continue
        mismatch = identity_error(source, doc)
        if mismatch is not None:
            where = f"{source.relpath}:{mismatch.line}" if mismatch.line is not None else source.relpath
            reject(Rejection(source.relpath, f"{where}: {mismatch.message}", mismatch.line, sha))
            continue
        provider = claimed.get(document_id)
        if provider is not None and provider != source.relpath:
            reject(
                Rejection(
                    source.relpath,
                    f"{source.relpath}: duplicate document {document_id}: already provided by {provider}",
                    None,
                    sha,
                    document_id,
                    duplicate_of=provider,
                )
            )
            continue
        claimed[document_id] = source.relpath
        old_sha = known[1].split("@")[0] if known is not None else None
        if old_sha is not None and holders.get(old_sha) == (source.relpath, known[0]):
            del holders[old_sha]  # its old bytes are replaced: they no longer stand for anything
        holders[sha] = (source.relpath, document_id)
        batch.add(source, doc, document_id, sha, len(data), now)
        report.loaded.append(document_id)
        report.cells_loaded += len(doc.cells)
        report.bytes_parsed += len(data)
        del doc, data


def _write(
    con: duckdb.DuckDBPyConnection,
    batch: _Batch,
    report: IngestReport,
    now: datetime,
    only_set: set[str] | None,
) -> None:
    """Finish the run's one transaction: a run killed half-way leaves the raw schema as it was."""
    try:
        batch.flush()
        if report.removed:
            batch.delete(sorted(report.removed), [])
        batch.begin()
        if batch.documents:
            con.executemany(
                "insert into raw.source_document values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                batch.documents,
            )
        if only_set is None:
            con.execute("delete from raw.rejected_document")
        else:
            con.execute(
                "delete from raw.rejected_document where source_file in (select unnest(?))",
                [sorted(only_set | set(batch.source_files))],
            )
        for r in report.rejected:
            con.execute(
                f"insert or replace into raw.rejected_document ({', '.join(REJECTION_COLUMNS)}) "
                f"values ({', '.join('?' * len(REJECTION_COLUMNS))})",
                [
                    r.source_file,
                    r.document_id,
                    r.sha256,
                    r.error_line,
                    r.error,
                    now,
                    r.standing_document_id,
                    r.standing_sha256,
                    r.duplicate_of,
                ],
            )
        con.execute("commit")
        batch.in_transaction = False
    except BaseException:
        batch.rollback()
        raise
