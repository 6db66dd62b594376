-- The attainment of every measure-year in one wide table, for BI without joins: the verdict and its
-- inputs (fct_target_attainment), with the mission, programme, objective, indicator and measure
-- codes and labels AS OF THAT YEAR: those printed by the document nearest to the year (RAP N for
-- year N; ties go to the later document, which reports on the year: RAP 2016 for 2015). The
-- objective, indicator, measure and owning programme come from the measure's nearest document; the
-- programme and mission labels from the programme's, so that one programme-year reads one mission.
-- A mission code a document does not print (RAP 2012-2014 print labels only) is the code another
-- document gives that label, else the programme's in dim_programme; a document that prints no
-- mission at all (the Farandole export) takes the programme's in dim_programme.
-- rpt_attainment_rate rolls this table up: summing it by year, mission and programme gives the rate.
with

attainment as (

    select
        measure_key,
        year,
        target_raw,
        target_value,
        target_status,
        target_basis,
        is_fallback_target,
        target_document_id,
        realisation_raw,
        realisation_value,
        realisation_status,
        realisation_document_id,
        realisation_basis,
        realisation_revised_value,
        realisation_revised_document_id,
        is_realisation_revised,
        direction,
        direction_source,
        direction_confidence,
        attainment_status,
        attainment_ratio,
        verdict,
        verdict_reason,
        met_against,
        verdict_strict,
        official_verdict_raw,
        official_verdict,
        agrees_with_official,
        strict_agrees_with_official,
        official_verdict_document_id,
        official_verdict_source_file,
        official_verdict_source_line
    from {{ ref('fct_target_attainment') }}

),

measures as (

    select
        measure_key,
        sub_indicator_id,
        programme_code,
        unit
    from {{ ref('dim_measure') }}

),

programmes as (

    select
        programme_code,
        mission_code,
        mission_label
    from {{ ref('dim_programme') }}

),

cells as (

    select
        measure_key,
        document_id,
        vintage_year,
        source_line,
        is_programme_row,
        owner_programme_code,
        programme_code,
        programme_label,
        mission_code,
        mission_label,
        objective_code,
        objective_label,
        indicator_code,
        indicator_number,
        indicator_label,
        measure_label,
        unit_raw
    from {{ ref('int_indicator_cells_crosswalked') }}

),

mission_codes as (

    -- a mission label's code where some document prints both (a label maps to one code)
    select
        mission_label,
        min(mission_code) as mission_code
    from cells
    where mission_code is not null and mission_label is not null
    group by mission_label

),

measure_documents as (

    -- how each document printed the measure: its programme row first, then its first line
    select
        measure_key,
        document_id,
        vintage_year,
        coalesce(programme_code, owner_programme_code) as programme_code,
        programme_label,
        mission_code,
        mission_label,
        objective_code,
        objective_label,
        indicator_code,
        indicator_number,
        indicator_label,
        measure_label,
        unit_raw
    from cells
    qualify row_number() over (
            partition by measure_key, document_id
            order by is_programme_row desc, source_line asc
        ) = 1

),

programme_documents as (

    -- how each document printed a programme and its mission: its first programme row
    select
        programme_code,
        document_id,
        vintage_year,
        programme_label,
        mission_code,
        mission_label
    from cells
    where is_programme_row and programme_code is not null
    qualify row_number() over (
            partition by programme_code, document_id
            order by programme_label is null, mission_label is null, source_line asc
        ) = 1

),

as_of_year as (

    select
        attainment.measure_key,
        attainment.year,
        measure_documents.document_id,
        measure_documents.programme_code,
        measure_documents.objective_code,
        measure_documents.objective_label,
        measure_documents.indicator_code,
        measure_documents.indicator_number,
        measure_documents.indicator_label,
        measure_documents.measure_label,
        measure_documents.unit_raw
    from attainment
    inner join measure_documents
        on attainment.measure_key = measure_documents.measure_key
    qualify row_number() over (
            partition by attainment.measure_key, attainment.year
            order by abs(measure_documents.vintage_year - attainment.year) asc, measure_documents.vintage_year desc
        ) = 1

),

programme_year_keys as (

    select distinct
        programme_code,
        year
    from as_of_year
    where programme_code is not null

),

programme_years as (

    select
        programme_year_keys.programme_code,
        programme_year_keys.year,
        programme_documents.document_id,
        programme_documents.programme_label,
        programme_documents.mission_code,
        programme_documents.mission_label
    from programme_year_keys
    inner join programme_documents
        on programme_year_keys.programme_code = programme_documents.programme_code
    qualify row_number() over (
            partition by programme_year_keys.programme_code, programme_year_keys.year
            order by
                abs(programme_documents.vintage_year - programme_year_keys.year) asc,
                programme_documents.vintage_year desc
        ) = 1

),

final as (

    select
        attainment.measure_key,
        attainment.year,
        coalesce(
            programme_years.mission_code,
            mission_codes.mission_code,
            programmes.mission_code
        ) as mission_code,
        coalesce(programme_years.mission_label, programmes.mission_label) as mission_label,
        coalesce(as_of_year.programme_code, measures.programme_code) as programme_code,
        programme_years.programme_label,
        as_of_year.objective_code,
        as_of_year.objective_label,
        as_of_year.indicator_code,
        as_of_year.indicator_number,
        as_of_year.indicator_label,
        measures.sub_indicator_id,
        as_of_year.measure_label,
        measures.unit,
        as_of_year.unit_raw,
        as_of_year.document_id as labels_document_id,
        attainment.target_raw,
        attainment.target_value,
        attainment.target_status,
        attainment.target_basis,
        attainment.is_fallback_target,
        attainment.realisation_raw,
        attainment.realisation_value,
        attainment.realisation_status,
        attainment.realisation_basis,
        attainment.realisation_revised_value,
        attainment.realisation_revised_document_id,
        attainment.is_realisation_revised,
        attainment.direction,
        attainment.direction_source,
        attainment.direction_confidence,
        attainment.attainment_status,
        attainment.attainment_ratio,
        attainment.verdict,
        attainment.verdict_reason,
        attainment.met_against,
        attainment.verdict_strict,
        attainment.official_verdict_raw,
        attainment.official_verdict,
        attainment.agrees_with_official,
        attainment.strict_agrees_with_official,
        attainment.target_document_id,
        attainment.realisation_document_id,
        attainment.official_verdict_document_id,
        attainment.official_verdict_source_file,
        attainment.official_verdict_source_line
    from attainment
    inner join measures
        on attainment.measure_key = measures.measure_key
    left join as_of_year
        on
            attainment.measure_key = as_of_year.measure_key
            and attainment.year = as_of_year.year
    left join programme_years
        on
            as_of_year.programme_code = programme_years.programme_code
            and as_of_year.year = programme_years.year
    left join mission_codes
        on programme_years.mission_label = mission_codes.mission_label
    left join programmes
        on coalesce(as_of_year.programme_code, measures.programme_code) = programmes.programme_code

)

select * from final
