with

final as (

    select
        document_id,
        document_type,
        vintage_year,
        programme_code,
        source_format,
        source_file,
        sha256,
        ingested_at,
        published_on_estimate,
        is_synthetic,
        cell_count,
        methodology_count,
        line_count,
        encoding,
        load_status
    from {{ ref('stg_raw__source_documents') }}

)

select * from final
