with

cells as (

    select
        programme_code,
        programme_label,
        mission_code,
        mission_label,
        budget_type,
        document_id,
        vintage_year,
        document_recency_rank,
        source_line
    from {{ ref('int_indicator_cells_crosswalked') }}

),

programme_rows as (

    select
        programme_code,
        programme_label,
        mission_code,
        mission_label,
        budget_type,
        document_id,
        vintage_year,
        document_recency_rank,
        source_line
    from cells
    where programme_code is not null

),

latest as (

    -- labels as the most recently published document prints them
    select
        programme_code,
        programme_label,
        document_id as described_by_document_id
    from programme_rows
    qualify row_number() over (
            partition by programme_code order by document_recency_rank asc, source_line asc
        ) = 1

),

mission as (

    -- the mission is known from the open-data file only (a Farandole export does not print it)
    select
        programme_code,
        mission_code,
        mission_label,
        budget_type
    from programme_rows
    where mission_code is not null
    qualify row_number() over (
            partition by programme_code order by document_recency_rank asc, source_line asc
        ) = 1

),

span as (

    select
        programme_code,
        min(vintage_year) as first_vintage_year,
        max(vintage_year) as last_vintage_year
    from programme_rows
    group by programme_code

),

final as (

    select
        latest.programme_code,
        latest.programme_label,
        mission.mission_code,
        mission.mission_label,
        mission.budget_type,
        span.first_vintage_year,
        span.last_vintage_year,
        latest.described_by_document_id
    from latest
    inner join span
        on latest.programme_code = span.programme_code
    left join mission
        on latest.programme_code = mission.programme_code

)

select
    programme_code,
    programme_label,
    mission_code,
    mission_label,
    budget_type,
    first_vintage_year,
    last_vintage_year,
    described_by_document_id
from final
