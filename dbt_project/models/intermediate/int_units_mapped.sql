-- Every unit the sources print, by its key (staging's unit_key), mapped to a canonical unit and
-- family: the steward's seed ref_unit first; for a key it lacks, the first unit rule of
-- ref_unit_rule (by priority) whose pattern matches the key; else unmapped (unit null), and the
-- raw suite's quarantine rule unit_mapped holds its cells. The empty unit is ref_unit's row whose
-- unit_raw is null, hence the null-safe join.
with

keys as (

    select
        unit_key,
        min(unit_raw) as unit_raw_example,
        count(*) as n_cells
    from {{ ref('stg_raw__indicator_cells') }}
    group by unit_key

),

seeded as (

    select * from {{ ref('ref_unit') }}

),

rules as (

    select * from {{ ref('ref_unit_rule') }}

),

by_rule as (

    select
        keys.unit_key,
        rules.rule_id,
        rules.unit,
        rules.unit_family
    from keys
    inner join rules
        on regexp_matches(keys.unit_key, rules.unit_pattern)
    qualify row_number() over (partition by keys.unit_key order by rules.priority) = 1

),

final as (

    select
        keys.unit_key,
        keys.unit_raw_example,
        keys.n_cells,
        coalesce(seeded.unit, by_rule.unit) as unit,
        coalesce(seeded.unit_family, by_rule.unit_family) as unit_family,
        case
            when seeded.unit is not null then 'ref_unit'
            when by_rule.rule_id is not null then 'unit_rule'
        end as unit_mapping,
        case when seeded.unit is null then by_rule.rule_id end as unit_rule_id
    from keys
    left join seeded
        on keys.unit_key is not distinct from seeded.unit_raw
    left join by_rule
        on keys.unit_key = by_rule.unit_key

)

select * from final
