with

cells as (

    select * from {{ ref('stg_raw__indicator_cells') }}

),

documents as (

    select * from {{ ref('stg_raw__source_documents') }}

),

crosswalk as (

    select * from {{ ref('ref_indicator_crosswalk') }}

),

keyed as (

    select
        cells.document_id,
        cells.source_file,
        cells.source_line,
        cells.record_number,
        cells.column_position,
        coalesce(crosswalk.to_measure_key, cells.source_measure_key) as measure_key,
        cells.source_measure_key,
        crosswalk.to_measure_key is not null as is_crosswalked,
        documents.document_type,
        documents.vintage_year,
        documents.published_on_estimate,
        -- 1 = the most recently published document
        dense_rank() over (
            order by documents.published_on_estimate desc, documents.document_id desc
        ) as document_recency_rank,
        cells.programme_code,
        cells.programme_label,
        cells.mission_code,
        cells.mission_label,
        cells.budget_type,
        cells.sector_type,
        cells.is_programme_row,
        cells.owner_programme_code,
        cells.objective_code,
        cells.objective_number,
        cells.objective_label,
        cells.indicator_code,
        cells.indicator_number,
        cells.indicator_label,
        cells.perspective,
        cells.ref_programme,
        cells.green_budget_rating,
        cells.sub_indicator_id,
        cells.measure_position,
        cells.measure_label,
        cells.unit_raw,
        cells.unit_key,
        cells.column_header,
        cells.year,
        cells.value_kind,
        cells.value_raw,
        cells.value_status,
        cells.value_numeric,
        cells.value_comparator,
        cells.value_low,
        cells.value_high,
        cells.value_unit,
        cells.value_note
    from cells
    inner join documents
        on cells.document_id = documents.document_id
    left join crosswalk
        on cells.source_measure_key = crosswalk.from_measure_key

)

select * from keyed
