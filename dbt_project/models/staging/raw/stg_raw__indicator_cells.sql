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
        -- the key into ref_unit.unit_raw: the printed unit case-folded, whitespace collapsed, no space
        -- around '/' ('Nombre', 'nombre' -> 'nombre'; '€ / m2' -> '€/m2'); null when empty. The one
        -- definition: the raw checks (orchestration/lib/quality/suites.py, run before dbt) read this expression.
        nullif(
            lower(regexp_replace(trim(regexp_replace(unit_raw, '\s+', ' ', 'g')), ' ?/ ?', '/', 'g')),
            ''
        ) as unit_key,
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

)

select * from renamed
