with

cells as (

    select
        indicator_code,
        indicator_number,
        objective_code,
        programme_code,
        owner_programme_code,
        mission_code,
        sector_type,
        indicator_label,
        perspective,
        ref_programme,
        document_id,
        document_recency_rank,
        source_line,
        column_position
    from {{ ref('int_indicator_cells_crosswalked') }}

),

latest as (

    select
        indicator_code,
        indicator_number,
        objective_code,
        programme_code,
        owner_programme_code,
        mission_code,
        sector_type,
        indicator_label,
        perspective,
        ref_programme,
        document_id as described_by_document_id
    from cells
    {{ most_recent_print('indicator_code') }}

),

final as (

    select
        indicator_code,
        indicator_number,
        objective_code,
        programme_code,
        owner_programme_code,
        mission_code,
        sector_type,
        indicator_label,
        perspective,
        ref_programme,
        described_by_document_id
    from latest

)

select * from final
