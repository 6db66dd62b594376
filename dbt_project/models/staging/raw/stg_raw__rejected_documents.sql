with

source as (

    select * from {{ source('raw', 'rejected_document') }}

),

renamed as (

    select
        source_file,
        document_id,
        sha256,
        error_line,
        error as error_message,
        rejected_at,
        standing_document_id,
        standing_sha256
    from source

)

select * from renamed
