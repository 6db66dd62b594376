-- Direction of improvement per measure, from reference data only: the steward's explicit row in
-- ref_measure_direction wins; otherwise the first matching rule of ref_direction_default (label
-- pattern, unit family, target value), whose last rule makes `unknown` explicit.
-- Tolerance for a `target` direction: the seed's tolerance_abs, else 5% of the target (relative).
with

measures as (

    select * from {{ ref('int_measures_described') }}

),

explicit as (

    select * from {{ ref('ref_measure_direction') }}

),

rules as (

    select * from {{ ref('ref_direction_default') }}

),

rule_matches as (

    select
        measures.measure_key,
        rules.rule_id,
        rules.direction
    from measures
    inner join rules
        on (
            rules.label_pattern is null
            or regexp_matches(lower(measures.measure_label), rules.label_pattern)
        )
        and (rules.unit_family is null or measures.unit_family = rules.unit_family)
        and (rules.target_value is null or measures.latest_target_numeric = rules.target_value)
    qualify row_number() over (partition by measures.measure_key order by rules.priority) = 1

),

final as (

    select
        measures.measure_key,
        coalesce(explicit.direction, rule_matches.direction, 'unknown') as direction,
        case
            when explicit.measure_key is not null then 'steward'
            when rule_matches.rule_id is not null then 'default_rule'
            else 'none'
        end as direction_source,
        case when explicit.measure_key is null then rule_matches.rule_id end as direction_rule_id,
        explicit.tolerance_abs,
        cast(0.05 as double) as tolerance_relative
    from measures
    left join explicit
        on measures.measure_key = explicit.measure_key
    left join rule_matches
        on measures.measure_key = rule_matches.measure_key

)

select * from final
