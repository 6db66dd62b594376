with

source as (

    select * from {{ source('raw', 'indicator_cell') }}

),

renamed as (

    select
        -- lineage
        document_id,
        source_file,
        source_line,
        record_number,
        column_position,
        -- natural measure key: the sub-indicator id where the source gives one, else the
        -- indicator code and the row's position in its table, separated by '#'
        coalesce(
            cast(sub_indicator_id as varchar),
            indicator_code || '#' || cast(measure_position as varchar)
        ) as source_measure_key,
        -- hierarchy
        programme_code,
        programme_label,
        mission_code,
        mission_label,
        budget_type,
        sector_type,
        sector_type = 'programme' as is_programme_row,
        -- a mission row names the programme that owns it: '(Indicateur du P105)'
        coalesce(
            programme_code,
            nullif(regexp_extract(ref_programme, '\bP\d+\b'), '')
        ) as owner_programme_code,
        objective_code,
        objective_number,
        objective_label,
        indicator_code,
        indicator_number,
        indicator_label,
        perspective,
        ref_programme,
        green_budget_rating,
        official_verdict_raw,
        sub_indicator_id,
        measure_position,
        measure_label,
        unit_raw,
        -- the key into ref_unit.unit_raw (macros/unit_key.sql, which the raw checks render too)
        {{ unit_key('unit_raw') }} as unit_key,
        -- the cell
        column_header,
        year,
        value_kind,
        value_raw,
        value_status,
        value_numeric,
        value_comparator,
        value_low,
        value_high,
        value_unit,
        value_note
    from source

),

holds as (

    -- the cells a quarantine rule of the raw suite holds, with every rule that holds them
    select
        document_id,
        source_line,
        column_position,
        string_agg(rule, ', ' order by rule) as hold_rules
    from {{ source('raw', 'cell_hold') }}
    group by document_id, source_line, column_position

),

held as (

    -- a held cell keeps its text and its parse (parsed_status), but no number of its own reaches a
    -- verdict, a rate or a published value: its status says `held`, hold_rules says why
    select
        renamed.* exclude (value_status, value_numeric, value_comparator, value_low, value_high),
        case when holds.hold_rules is not null then 'held' else renamed.value_status end as value_status,
        renamed.value_status as parsed_status,
        holds.hold_rules,
        case when holds.hold_rules is null then renamed.value_numeric end as value_numeric,
        case when holds.hold_rules is null then renamed.value_comparator end as value_comparator,
        case when holds.hold_rules is null then renamed.value_low end as value_low,
        case when holds.hold_rules is null then renamed.value_high end as value_high
    from renamed
    left join holds
        on
            renamed.document_id = holds.document_id
            and renamed.source_line = holds.source_line
            and renamed.column_position = holds.column_position

)

select * from held
