-- The batch the Great Expectations suite `fct_indicator_value` validates: one row per published
-- value, with its lineage and the columns the rules read (joins to every dimension, cells of the
-- measure's row against the document's year columns, source rows behind the value).
with

facts as (

    select * from {{ ref('fct_indicator_value') }}

),

documents as (

    select * from {{ ref('dim_document') }}

),

measures as (

    select * from {{ ref('dim_measure') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

objectives as (

    select * from {{ ref('dim_objective') }}

),

programmes as (

    select * from {{ ref('dim_programme') }}

),

source_cells as (

    select * from {{ ref('stg_raw__indicator_cells') }}

),

source_rows as (

    -- source rows per table level behind each published value (a duplicated row shows here)
    select
        document_id,
        source_measure_key,
        year,
        value_kind,
        max(rows_at_level) as source_rows_same_level
    from (
        select
            document_id,
            source_measure_key,
            year,
            value_kind,
            sector_type,
            count(*) as rows_at_level
        from source_cells
        group by document_id, source_measure_key, year, value_kind, sector_type
    ) as per_level
    group by document_id, source_measure_key, year, value_kind

),

year_columns as (

    -- the document's fixed year columns (a RAP's optional 'Valeur cible' cell is not one)
    select
        document_id,
        count(distinct column_position) as year_columns_of_document
    from source_cells
    where not starts_with(column_header, '{{ var("target_column_prefix") }}')
    group by document_id

)

select
    facts.document_id,
    facts.source_file,
    facts.source_line,
    facts.measure_key,
    facts.year,
    facts.value_kind,
    facts.value_raw,
    facts.column_header,
    measures.unit_raw,
    measures.unit,
    documents.document_id as joined_document_id,
    measures.measure_key as joined_measure_key,
    indicators.indicator_code as joined_indicator_code,
    objectives.objective_code as joined_objective_code,
    case when indicators.programme_code is not null then programmes.programme_code is not null end
        as programme_joins,
    measures.unit_family,
    facts.source_file is not null and facts.source_line is not null as has_lineage,
    count(*) filter (where not starts_with(facts.column_header, '{{ var("target_column_prefix") }}'))
        over (partition by facts.document_id, facts.measure_key) as cells_of_measure_in_document,
    year_columns.year_columns_of_document,
    source_rows.source_rows_same_level
from facts
left join documents on facts.document_id = documents.document_id
left join measures on facts.measure_key = measures.measure_key
left join indicators on measures.indicator_code = indicators.indicator_code
left join objectives on indicators.objective_code = objectives.objective_code
left join programmes on indicators.programme_code = programmes.programme_code
left join year_columns on facts.document_id = year_columns.document_id
left join source_rows
    on
        facts.document_id = source_rows.document_id
        and facts.source_measure_key = source_rows.source_measure_key
        and facts.year = source_rows.year
        and facts.value_kind = source_rows.value_kind
order by facts.document_id, facts.source_line, facts.column_position
