with

source as (

    select * from {{ source('raw', 'indicator_methodology') }}

),

renamed as (

    select
        document_id,
        indicator_code,
        section_position,
        section,
        heading,
        body,
        source_file,
        source_line_start,
        source_line_end
    from source

)

select * from renamed
