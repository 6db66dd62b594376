-- Every steward mapping of ref_indicator_crosswalk and ref_measure_match_override is sound:
--   * it maps something: its key exists in the document it names (when that document is loaded);
--   * its target exists: the canonical key is printed by the document it names, or by any
--     document for an override (when loaded);
--   * no chains: no target is itself mapped elsewhere (a -> b -> c would hide c's history).
-- One row per problem, naming the seed row.
with

cells as (

    select distinct
        document_id,
        source_measure_key
    from {{ ref('stg_raw__indicator_cells') }}

),

documents as (

    select document_id from {{ ref('stg_raw__source_documents') }}

),

mappings as (

    select
        'ref_indicator_crosswalk' as seed,
        from_document_id as document_id,
        from_measure_key as source_measure_key,
        to_measure_key,
        to_document_id
    from {{ ref('ref_indicator_crosswalk') }}
    union all
    select
        'ref_measure_match_override' as seed,
        document_id,
        source_measure_key,
        nullif(to_measure_key, '') as to_measure_key,
        null as to_document_id
    from {{ ref('ref_measure_match_override') }}

),

problems as (

    select
        mappings.seed,
        mappings.document_id,
        mappings.source_measure_key,
        mappings.to_measure_key,
        'maps nothing: the key is not in its document' as problem
    from mappings
    where
        mappings.document_id in (select documents.document_id from documents)
        and not exists (
            select 1
            from cells
            where
                cells.document_id = mappings.document_id
                and cells.source_measure_key = mappings.source_measure_key
        )

    union all

    select
        mappings.seed,
        mappings.document_id,
        mappings.source_measure_key,
        mappings.to_measure_key,
        'target missing: the canonical key is printed nowhere' as problem
    from mappings
    where
        mappings.to_measure_key is not null
        and coalesce(mappings.to_document_id, mappings.document_id) in (
            select documents.document_id from documents
        )
        and not exists (
            select 1
            from cells
            where
                cells.source_measure_key = mappings.to_measure_key
                and (mappings.to_document_id is null or cells.document_id = mappings.to_document_id)
        )

    union all

    select
        mappings.seed,
        mappings.document_id,
        mappings.source_measure_key,
        mappings.to_measure_key,
        'chain: the target is itself mapped' as problem
    from mappings
    inner join mappings as next_hop
        on mappings.to_measure_key = next_hop.source_measure_key

)

select * from problems
