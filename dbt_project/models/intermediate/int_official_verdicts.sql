-- The Direction du budget's own verdict on year N of each measure, where a RAP N prints one
-- ('Degré de réalisation', RAP 2017), as published and mapped to our vocabulary through
-- ref_official_verdict; one per measure and year (the programme row when a mission row repeats
-- it), with the file and line it comes from. Only ever compared with our verdict.
with

cells as (

    select * from {{ ref('int_indicator_cells_crosswalked') }}

),

mapping as (

    select * from {{ ref('ref_official_verdict') }}

),

printed as (

    select
        measure_key,
        vintage_year as year,
        document_id,
        source_file,
        source_line,
        official_verdict_raw
    from cells
    where
        document_type = 'RAP'
        and official_verdict_raw is not null
        and value_kind = 'realisation'
        and year = vintage_year
    qualify row_number() over (
            partition by measure_key, vintage_year
            order by is_programme_row desc, published_on_estimate desc, source_line asc
        ) = 1

),

final as (

    select
        printed.measure_key,
        printed.year,
        printed.document_id as official_verdict_document_id,
        printed.source_file as official_verdict_source_file,
        printed.source_line as official_verdict_source_line,
        printed.official_verdict_raw,
        mapping.official_verdict
    from printed
    left join mapping
        on trim(printed.official_verdict_raw) = mapping.official_verdict_raw

)

select * from final
