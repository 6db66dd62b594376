-- The batch the Great Expectations suite `fct_target_attainment` validates: one row per measure and
-- year, with the line of its realisation and the columns the rules read.
with

attainment as (

    select * from {{ ref('fct_target_attainment') }}

),

realisations as (

    select * from {{ ref('fct_indicator_value') }}
    where value_kind = 'realisation'

)

select
    attainment.measure_key,
    attainment.year,
    attainment.attainment_status,
    attainment.target_raw,
    attainment.target_document_id,
    attainment.realisation_raw,
    attainment.realisation_document_id,
    attainment.attainment_ratio,
    attainment.realisation_document_id as document_id,
    realisations.source_file,
    realisations.source_line,
    realisations.value_raw,
    case
        when attainment.attainment_status = 'met'
            then attainment.target_raw is not null and attainment.realisation_raw is not null
    end as met_has_target_and_realisation,
    case when attainment.attainment_ratio is not null then isfinite(attainment.attainment_ratio) end
        as ratio_is_finite,
    attainment.verdict,
    attainment.official_verdict_raw,
    attainment.agrees_with_official
from attainment
left join realisations
    on
        attainment.realisation_document_id = realisations.document_id
        and attainment.measure_key = realisations.measure_key
        and attainment.year = realisations.year
order by attainment.measure_key, attainment.year
