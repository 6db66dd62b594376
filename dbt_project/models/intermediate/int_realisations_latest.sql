-- The realisation that counts for each measure and year: the latest published usable cell
-- (docs/domain.md: realised values can be revised; the latest word wins), a number printed earlier standing
-- against a later 'ND' / 'Non connu'; failing any, the latest non-empty cell. The previous year's
-- realisation beside it, for trend targets ('En hausse') and the verdict's improvement test.
with

values_ as (

    select * from {{ ref('int_indicator_values_repaired') }}

),

latest as (

    select
        measure_key,
        year,
        document_id,
        value_raw,
        value_status,
        value_numeric,
        value_unit,
        value_note
    from values_
    where
        value_kind = 'realisation'
        and value_status <> 'empty'
    -- a later 'ND' or 'NC' does not replace an earlier number: usable values first
    qualify row_number() over (
            partition by measure_key, year
            order by
                value_status in ('numeric', 'annotated', 'duration', 'qualitative') desc,
                published_on_estimate desc,
                document_id desc
        ) = 1

),

final as (

    select
        latest.measure_key,
        latest.year,
        latest.document_id as realisation_document_id,
        latest.value_raw as realisation_raw,
        latest.value_status as realisation_status,
        latest.value_numeric as realisation_value,
        latest.value_unit as realisation_unit,
        latest.value_note as realisation_note,
        previous.value_status as previous_realisation_status,
        previous.value_numeric as previous_realisation_value
    from latest
    left join latest as previous
        on
            latest.measure_key = previous.measure_key
            and latest.year = previous.year + 1

)

select * from final
