-- The target that counts for each measure and year (docs/domain.md: the one PAP Y set).
--   1. set_by_pap        : printed by PAP Y as `target`;
--   2. echoed_pap_target : printed by a later document (PAP Y+1, RAP Y) as `target_of_record`
--                          ('Cible PAP Y'); the earliest echo wins;
--   3. rap_year_target   : failing both, the `Valeur cible` whose `Année cible` is Y printed by RAP Y
--                          itself: from RAP 2022 on the forecast of Y is no longer printed and this
--                          target is the RAP's reference (docs/domain.md), so it is no fallback;
--   4. multi_year_target : failing all, the latest multi-year `target` printed before Y (PAP Y-1
--                          for Y, RAP Y-1's `Valeur cible` for Y, …), flagged as a fallback;
--   5. other_target      : any other `target` cell (printed after Y by another document), flagged too.
-- Empty cells say nothing and are skipped; a `Non déterminé` printed by PAP Y is PAP Y's word and
-- is kept (the attainment then says no_target).
with

values_ as (

    select * from {{ ref('int_indicator_values_repaired') }}

),

candidates as (

    select
        measure_key,
        year,
        document_id,
        value_kind,
        value_raw,
        value_status,
        value_numeric,
        value_comparator,
        value_low,
        value_high,
        value_unit,
        value_note,
        published_on_estimate,
        case
            when value_kind = 'target' and document_type = 'PAP' and vintage_year = year
                then 'set_by_pap'
            when value_kind = 'target_of_record'
                then 'echoed_pap_target'
            when value_kind = 'target' and document_type = 'RAP' and vintage_year = year
                then 'rap_year_target'
            when value_kind = 'target' and vintage_year < year
                then 'multi_year_target'
            else 'other_target'
        end as target_basis
    from values_
    where
        value_kind in ('target', 'target_of_record')
        and value_status <> 'empty'

),

ranked as (

    select
        candidates.*,
        case candidates.target_basis
            when 'set_by_pap' then 1
            when 'echoed_pap_target' then 2
            when 'rap_year_target' then 3
            when 'multi_year_target' then 4
            else 5
        end as basis_rank
    from candidates

),

final as (

    select
        measure_key,
        year,
        document_id as target_document_id,
        value_kind as target_value_kind,
        target_basis,
        target_basis in ('multi_year_target', 'other_target') as is_fallback_target,
        value_raw as target_raw,
        value_status as target_status,
        value_numeric as target_value,
        value_comparator as target_comparator,
        value_low as target_low,
        value_high as target_high,
        value_unit as target_unit,
        value_note as target_note
    from ranked
    qualify row_number() over (
            partition by measure_key, year
            order by
                basis_rank asc,
                -- an echo: the earliest; a multi-year target: the latest printed
                case when basis_rank = 2 then published_on_estimate end asc nulls last,
                published_on_estimate desc,
                document_id desc
        ) = 1

)

select * from final
