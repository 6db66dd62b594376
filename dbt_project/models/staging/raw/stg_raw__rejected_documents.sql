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
        rejected_at
    from source

)

select * from renamed
