-- Every vintage's value of the same (measure, year, value kind) side by side: the first and the
-- latest published, how many distinct values were printed, and all of them in publication order.
-- Values are compared on their parsed number when there is one, else on the raw text.
-- revision_type: `revised` when two informative values differ; `filled` when a placeholder (empty,
-- Non déterminé, ND, Sans objet, secret) printed first was later given a value; `unchanged`
-- otherwise (a later 'ND' after a number withdraws nothing: the number stands).
with

indicator_values as (

    select
        measure_key,
        year,
        value_kind,
        document_id,
        published_on_estimate,
        value_raw,
        value_numeric,
        value_status
    from {{ ref('int_indicator_values_deduplicated') }}

),

compared as (

    select
        measure_key,
        year,
        value_kind,
        document_id,
        published_on_estimate,
        value_raw,
        value_numeric,
        value_status,
        coalesce(cast(value_numeric as varchar), value_status || ':' || trim(value_raw)) as comparable_value,
        value_status in ('empty', 'not_determined', 'unknown', 'not_applicable', 'withheld') as is_placeholder,
        -- publication order, made total by the document id
        strftime(published_on_estimate, '%Y-%m-%d') || '|' || document_id as publication_key
    from indicator_values

),

grouped as (

    select
        measure_key,
        year,
        value_kind,
        arg_min_null(value_numeric, publication_key) as first_value,
        arg_min(value_raw, publication_key) as first_raw,
        arg_min(document_id, publication_key) as first_document_id,
        arg_max_null(value_numeric, publication_key) as latest_value,
        arg_max(value_raw, publication_key) as latest_raw,
        arg_max(document_id, publication_key) as latest_document_id,
        count(*) as n_documents,
        count(distinct comparable_value) as distinct_values,
        count(distinct comparable_value) filter (where not is_placeholder) as distinct_informative_values,
        arg_min(is_placeholder, publication_key) as first_is_placeholder,
        bool_or(not is_placeholder) as has_informative_value,
        string_agg(document_id || ': ' || value_raw, ' | ' order by published_on_estimate, document_id)
            as values_by_vintage
    from compared
    group by measure_key, year, value_kind

),

final as (

    select
        measure_key,
        year,
        value_kind,
        first_value,
        first_raw,
        first_document_id,
        latest_value,
        latest_raw,
        latest_document_id,
        n_documents,
        distinct_values,
        -- revision_type's first branch
        distinct_informative_values > 1 as is_revised,
        case
            when distinct_informative_values > 1 then 'revised'
            when first_is_placeholder and has_informative_value then 'filled'
            else 'unchanged'
        end as revision_type,
        values_by_vintage
    from grouped

)

select * from final
