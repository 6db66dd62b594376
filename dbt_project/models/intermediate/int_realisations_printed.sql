-- The realisation of each measure and year as the RAP of that year printed it, and what the same
-- document printed beside it (docs/domain.md: the verdict of year N is judged on the values RAP N
-- printed; revisions are a separate fact):
--   * the document of record: RAP N when it prints the measure (realisation_basis 'rap_of_year');
--     where no RAP N is loaded, or it does not print the measure, the earliest document that
--     prints a realisation of N stands in ('earliest_print');
--   * previous_realisation_*: the realisation of N-1 printed by that same document;
--   * updated_forecast_*: its forecast of N updated by PAP N+1 ('Prévision N PAP N+1');
--   * year_target_*: a RAP's own 'Valeur cible' whose 'Année cible' is N;
--   * realisation_revised_*: the latest usable realisation of N (int_realisations_latest), beside
--     the printed one, never in its place.
with

values_ as (

    select * from {{ ref('int_indicator_values_repaired') }}

),

latest as (

    select * from {{ ref('int_realisations_latest') }}

),

of_record as (

    -- the document that speaks for year N of the measure
    select
        measure_key,
        year,
        document_id,
        document_type,
        measure_label,
        case
            when document_type = 'RAP' and vintage_year = year then 'rap_of_year'
            else 'earliest_print'
        end as realisation_basis
    from values_
    where value_kind = 'realisation'
    -- a year no document printed anything for is no measure-year
    qualify
        count(*) filter (where value_status <> 'empty') over (partition by measure_key, year) > 0
        and row_number() over (
            partition by measure_key, year
            order by
                document_type = 'RAP' and vintage_year = year desc,
                -- a document that printed nothing for N does not speak for it
                value_status <> 'empty' desc,
                published_on_estimate asc,
                document_id asc
        ) = 1

),

printed as (

    -- the cells of one document, by measure, year and kind
    select
        document_id,
        measure_key,
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
    from values_
    where value_kind in ('realisation', 'updated_forecast', 'target')

),

final as (

    select
        of_record.measure_key,
        of_record.year,
        of_record.document_id as realisation_document_id,
        of_record.realisation_basis,
        of_record.measure_label,
        realisation.value_raw as realisation_raw,
        realisation.value_status as realisation_status,
        realisation.value_numeric as realisation_value,
        realisation.value_unit as realisation_unit,
        realisation.value_note as realisation_note,
        previous.value_raw as previous_realisation_raw,
        previous.value_status as previous_realisation_status,
        previous.value_numeric as previous_realisation_value,
        updated_forecast.value_raw as updated_forecast_raw,
        updated_forecast.value_status as updated_forecast_status,
        updated_forecast.value_numeric as updated_forecast_value,
        updated_forecast.value_comparator as updated_forecast_comparator,
        updated_forecast.value_low as updated_forecast_low,
        updated_forecast.value_high as updated_forecast_high,
        updated_forecast.value_unit as updated_forecast_unit,
        updated_forecast.value_note as updated_forecast_note,
        year_target.value_raw as year_target_raw,
        year_target.value_status as year_target_status,
        year_target.value_numeric as year_target_value,
        year_target.value_comparator as year_target_comparator,
        year_target.value_low as year_target_low,
        year_target.value_high as year_target_high,
        year_target.value_unit as year_target_unit,
        year_target.value_note as year_target_note,
        latest.realisation_raw as realisation_revised_raw,
        latest.realisation_status as realisation_revised_status,
        latest.realisation_value as realisation_revised_value,
        latest.realisation_document_id as realisation_revised_document_id
    from of_record
    inner join printed as realisation
        on
            of_record.document_id = realisation.document_id
            and of_record.measure_key = realisation.measure_key
            and of_record.year = realisation.year
            and realisation.value_kind = 'realisation'
    left join printed as previous
        on
            of_record.document_id = previous.document_id
            and of_record.measure_key = previous.measure_key
            and of_record.year = previous.year + 1
            and previous.value_kind = 'realisation'
    left join printed as updated_forecast
        on
            of_record.document_id = updated_forecast.document_id
            and of_record.measure_key = updated_forecast.measure_key
            and of_record.year = updated_forecast.year
            and updated_forecast.value_kind = 'updated_forecast'
    left join printed as year_target
        on
            of_record.document_id = year_target.document_id
            and of_record.measure_key = year_target.measure_key
            and of_record.year = year_target.year
            and year_target.value_kind = 'target'
            and of_record.document_type = 'RAP'
    left join latest
        on
            of_record.measure_key = latest.measure_key
            and of_record.year = latest.year

)

select * from final
