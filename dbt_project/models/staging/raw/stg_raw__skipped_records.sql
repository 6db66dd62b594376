with

source as (

    select * from {{ source('raw', 'skipped_record') }}

),

renamed as (

    select
        document_id,
        source_file,
        source_line,
        record_number,
        programme_code,
        reason
    from source

)

select * from renamed
