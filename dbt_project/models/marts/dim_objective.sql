with

cells as (

    select
        objective_code,
        programme_code,
        mission_code,
        sector_type,
        objective_number,
        objective_label,
        document_id,
        document_recency_rank,
        source_line,
        column_position
    from {{ ref('int_indicator_cells_crosswalked') }}

),

latest as (

    select
        objective_code,
        programme_code,
        mission_code,
        sector_type,
        objective_number,
        objective_label,
        document_id as described_by_document_id
    from cells
    {{ most_recent_print('objective_code') }}

),

final as (

    select
        objective_code,
        programme_code,
        mission_code,
        sector_type,
        objective_number,
        objective_label,
        described_by_document_id
    from latest

)

select * from final
