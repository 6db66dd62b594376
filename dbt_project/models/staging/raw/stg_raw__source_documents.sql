with

source as (

    select * from {{ source('raw', 'source_document') }}

),

renamed as (

    select
        document_id,
        document_type,
        vintage_year,
        programme_code,
        programme_label,
        source_format,
        source_file,
        sha256,
        size_bytes,
        encoding,
        line_count,
        cell_count,
        methodology_count,
        is_synthetic,
        ingested_at,
        status as load_status,
        -- Approximate publication date, to order vintages: PAP N is tabled with the finance bill
        -- (early October N-1), RAP N with the accounts bill (April N+1).
        case document_type
            when 'PAP' then make_date(vintage_year - 1, 10, 1)
            when 'RAP' then make_date(vintage_year + 1, 4, 15)
        end as published_on_estimate
    from source

)

select * from renamed
