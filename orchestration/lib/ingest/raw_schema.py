"""The `raw` schema the loader writes: its DDL, the migrations that bring a warehouse built by an
earlier release up to date, the reader version, and the column lists of its tables (in the order
the loader fills them)."""

RAW_DDL = """
create schema if not exists raw;
create table if not exists raw.source_document (
    document_id varchar primary key,
    document_type varchar not null,
    vintage_year integer not null,
    programme_code varchar,
    programme_label varchar,
    source_format varchar not null,
    source_file varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    encoding varchar not null,
    line_count integer not null,
    cell_count integer not null,
    methodology_count integer not null,
    is_synthetic boolean not null,
    ingested_at timestamptz not null,
    status varchar not null,
    record_count integer,
    layout varchar,
    reader_version integer
);
create table if not exists raw.indicator_cell (
    document_id varchar not null,
    source_file varchar not null,
    source_line integer not null,
    record_number integer,
    column_position integer not null,
    programme_code varchar,
    programme_label varchar,
    mission_code varchar,
    mission_label varchar,
    budget_type varchar,
    sector_type varchar not null,
    objective_code varchar not null,
    objective_number varchar not null,
    objective_label varchar not null,
    indicator_code varchar not null,
    indicator_number varchar not null,
    indicator_label varchar not null,
    perspective varchar,
    ref_programme varchar,
    green_budget_rating varchar,
    official_verdict_raw varchar,
    sub_indicator_id bigint,
    measure_position integer not null,
    measure_label varchar not null,
    unit_raw varchar not null,
    column_header varchar not null,
    year integer not null,
    value_kind varchar not null,
    value_raw varchar not null,
    value_status varchar not null,
    value_numeric double,
    value_comparator varchar,
    value_low double,
    value_high double,
    value_unit varchar,
    value_note varchar,
    primary key (document_id, source_line, column_position)
);
create table if not exists raw.indicator_methodology (
    document_id varchar not null,
    source_file varchar not null,
    indicator_code varchar not null,
    section_position integer not null,
    section varchar not null,
    heading varchar not null,
    body varchar not null,
    source_line_start integer not null,
    source_line_end integer not null,
    primary key (document_id, indicator_code, section_position)
);
create table if not exists raw.skipped_record (
    document_id varchar not null,
    source_file varchar not null,
    source_line integer not null,
    record_number integer,
    programme_code varchar,
    reason varchar not null
);
-- The cells a `quarantine` rule of the raw suite holds (expectations/README.md): written by the
-- asset raw/cell_hold from the suite's result of the run, read by dbt's staging; replaced whole.
create table if not exists raw.cell_hold (
    document_id varchar not null,
    source_line integer not null,
    column_position integer not null,
    rule varchar not null,
    primary key (document_id, source_line, column_position, rule)
);
create table if not exists raw.rejected_document (
    source_file varchar primary key,
    document_id varchar,
    sha256 varchar,
    error_line integer,
    error varchar not null,
    rejected_at timestamptz not null
);
"""
# Columns added since the first release: a warehouse built before gets them (null for old rows,
# which READER_VERSION makes the loader read again).
RAW_MIGRATIONS = """
alter table raw.indicator_cell add column if not exists official_verdict_raw varchar;
alter table raw.source_document add column if not exists record_count integer;
alter table raw.source_document add column if not exists layout varchar;
alter table raw.source_document add column if not exists reader_version integer;
"""
# Bumped whenever a reader changes what it makes of the same bytes: documents loaded by another
# version are read again, so an unchanged file never keeps the rows of an older reader.
# 4: files whose headers contradict their folder's vintage or type are refused (the loaded ones are
# read again, so that one loaded before is named in the quarantine).
# 5: damaged cells, bounds on minutes, numbers in text (lib/cells.py).
# 6: the value kind of the target of record is renamed `target_of_record` (no old name survives).
READER_VERSION = 6

# Columns added to `raw.rejected_document` after RAW_DDL was first shipped: a warehouse created
# before has the table without them (CREATE TABLE IF NOT EXISTS leaves it as it is).
REJECTION_MIGRATIONS = """
alter table raw.rejected_document add column if not exists standing_document_id varchar;
alter table raw.rejected_document add column if not exists standing_sha256 varchar;
alter table raw.rejected_document add column if not exists duplicate_of varchar;
"""
REJECTION_COLUMNS = (
    "source_file document_id sha256 error_line error rejected_at standing_document_id standing_sha256 "
    "duplicate_of"
).split()

CELL_COLUMNS = (
    "document_id source_file source_line record_number column_position programme_code programme_label "
    "mission_code mission_label budget_type sector_type objective_code objective_number objective_label "
    "indicator_code indicator_number indicator_label perspective ref_programme green_budget_rating "
    "official_verdict_raw sub_indicator_id measure_position measure_label unit_raw column_header year "
    "value_kind value_raw value_status value_numeric value_comparator value_low value_high value_unit "
    "value_note"
).split()

METHODOLOGY_COLUMNS = (
    "document_id source_file indicator_code section_position section heading body "
    "source_line_start source_line_end"
).split()


def standing_outcome(document_id: str | None, sha256: str | None) -> str:
    """What the warehouse holds for a rejected file (`rejected_document`'s standing columns)."""
    if document_id is None:
        return "nothing of this file is in the warehouse"
    return f"the previous version stands: {document_id} (sha256 {(sha256 or '?')[:12]}…)"
