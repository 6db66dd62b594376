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
        source_line,
        column_position
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
        source_line,
        column_position
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
    {{ most_recent_print('programme_code', first=['programme_label is null']) }}

),

mission_codes as (

    -- a mission's code by its label: the PLF file prints both, a RAP file prints the code only in
    -- its mission objectives ('MAA.2')
    select
        mission_label,
        mission_code
    from cells
    where mission_code is not null and mission_label is not null
    {{ most_recent_print('mission_label') }}

),

mission as (

    -- the mission is known from the open-data files only (a Farandole export does not print it)
    select
        programme_rows.programme_code,
        coalesce(programme_rows.mission_code, mission_codes.mission_code) as mission_code,
        programme_rows.mission_label,
        programme_rows.budget_type
    from programme_rows
    left join mission_codes
        on programme_rows.mission_label = mission_codes.mission_label
    where programme_rows.mission_label is not null
    {{ most_recent_print(
        'programme_rows.programme_code',
        within_document=['programme_rows.mission_code is null'],
        relation='programme_rows'
    ) }}

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

select * from final
