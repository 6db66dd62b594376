-- A view, unlike the other intermediate models: it is as wide as a raw cell (every label of its
-- programme, objective, indicator and measure), and each model that reads it takes a few of its
-- columns; materialising 78,000 such rows cost more (1.2 s) than the joins it saves its readers.
{{ config(materialized='view') }}

with

cells as (

    select * from {{ ref('stg_raw__indicator_cells') }}

),

documents as (

    select * from {{ ref('stg_raw__source_documents') }}

),

measure_keys as (

    select * from {{ ref('int_measure_keys') }}

),

keyed as (

    select
        cells.document_id,
        cells.source_file,
        cells.source_line,
        cells.record_number,
        cells.column_position,
        measure_keys.measure_key,
        measure_keys.base_measure_key,
        measure_keys.version_number,
        measure_keys.version_reason,
        cells.source_measure_key,
        -- mapped to another key (a version of its own key, '3538@2025', is not a crosswalk)
        measure_keys.base_measure_key <> cells.source_measure_key as is_crosswalked,
        measure_keys.match_method,
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
        cells.official_verdict_raw,
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
        cells.value_note,
        cells.parsed_status,
        cells.hold_rules
    from cells
    inner join documents
        on cells.document_id = documents.document_id
    inner join measure_keys
        on
            cells.document_id = measure_keys.document_id
            and cells.source_measure_key = measure_keys.source_measure_key

)

select * from keyed
