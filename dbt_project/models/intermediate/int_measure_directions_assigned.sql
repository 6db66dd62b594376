-- Direction of improvement per measure, decided in this order (the first that decides wins, and
-- direction_source says which):
--   1. steward             : the steward's row in ref_measure_direction;
--   2. target_bounds       : the documents print its targets as bounds, all on one side ('≥ 95');
--   3. label_rule          : the first matching label rule of ref_direction_default (priority
--                            < 900: délai, coût, taux d'erreur, nombre de décès…; 'Pour
--                            information' rows are explicitly unknown) on the measure's label;
--   4. indicator_label_rule: the same rules on its indicator's label ('Délais de traitement…' for
--                            the rows '1. Passeports', '2. Cartes d'identité'), for rows that are
--                            durations, amounts, ratios or scores (not a share or a count);
--   5. target_trajectory   : successive targets move one way, in at least 3 of 4 steps across
--                            every vintage (int_measure_direction_evidence; rising: increase);
--   6. indicator_siblings  : the other measures of its indicator, in the same unit family, were
--                            decided by 1-4 (stated, not inferred) and all agree;
--   7. unit_rule           : the unit-family default of ref_direction_default (duration: decrease…);
--   8. none                : unknown (rule `fallback`).
-- The official verdicts of the RAP are never read here: they judge our result, they don't feed it.
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

evidence as (

    select * from {{ ref('int_measure_direction_evidence') }}

),

keyed as (

    -- the labels without their position ('1. Délai moyen…' is a delay)
    select
        measure_key,
        unit_family,
        latest_target_numeric,
        regexp_replace(lower(measure_label), '^\s*[0-9]+\s*[.)–-]\s*', '') as measure_label_key,
        regexp_replace(lower(indicator_label), '^\s*[0-9]+\s*[.)–-]\s*', '') as indicator_label_key
    from measures

),

labelled as (

    -- the label rules each label matches
    select
        measure_key,
        unit_family,
        latest_target_numeric,
        {{ label_rule_hits('measure_label_key', ref('ref_direction_default')) }} as measure_label_rules,
        {{ label_rule_hits('indicator_label_key', ref('ref_direction_default')) }} as indicator_label_rules
    from keyed

),

rule_matches as (

    select
        labelled.measure_key,
        rules.rule_id,
        rules.priority,
        rules.direction,
        rules.priority < 900 as is_label_rule
    from labelled
    inner join rules
        on (
            rules.label_pattern is null
            or list_contains(labelled.measure_label_rules, rules.rule_id)
        )
        and (rules.unit_family is null or labelled.unit_family = rules.unit_family)
        and (rules.target_value is null or labelled.latest_target_numeric = rules.target_value)
    where rules.rule_id <> 'fallback'

),

label_rule as (

    select *
    from rule_matches
    where is_label_rule
    qualify row_number() over (partition by measure_key order by priority) = 1

),

indicator_rule as (

    select
        labelled.measure_key,
        rules.rule_id,
        rules.direction
    from labelled
    inner join rules
        on
            list_contains(labelled.indicator_label_rules, rules.rule_id)
            and (rules.unit_family is null or labelled.unit_family = rules.unit_family)
            and (rules.target_value is null or labelled.latest_target_numeric = rules.target_value)
    -- a percent row under a delay or cost indicator is usually a share within the norm ('part des
    -- dossiers traités en moins de 30 jours'), a count row a volume: the indicator's words decide
    -- only rows that measure the same thing (a duration, an amount, a ratio, a score)
    where
        rules.priority < 900
        and labelled.unit_family not in ('percent', 'count', 'other')
    qualify row_number() over (partition by labelled.measure_key order by rules.priority) = 1

),

unit_rule as (

    select *
    from rule_matches
    where not is_label_rule
    qualify row_number() over (partition by measure_key order by priority) = 1

),

from_evidence as (

    select
        measure_key,
        n_lower_bounds,
        n_upper_bounds,
        n_steps_up,
        n_steps_down,
        case
            when n_lower_bounds > 0 and n_upper_bounds = 0 then 'increase'
            when n_upper_bounds > 0 and n_lower_bounds = 0 then 'decrease'
        end as bounds_direction,
        case
            when n_steps_up + n_steps_down = 0 then null
            when n_steps_up >= 3 * n_steps_down then 'increase'
            when n_steps_down >= 3 * n_steps_up then 'decrease'
        end as trajectory_direction
    from evidence

),

decided as (

    select
        measures.measure_key,
        measures.indicator_code,
        measures.unit_family,
        case
            when explicit.measure_key is not null then 'steward'
            when from_evidence.bounds_direction is not null then 'target_bounds'
            when label_rule.rule_id is not null then 'label_rule'
            when indicator_rule.rule_id is not null and indicator_rule.direction <> 'unknown'
                then 'indicator_label_rule'
            when from_evidence.trajectory_direction is not null then 'target_trajectory'
        end as direction_source,
        case
            when explicit.measure_key is not null then explicit.direction
            when from_evidence.bounds_direction is not null then from_evidence.bounds_direction
            when label_rule.rule_id is not null then label_rule.direction
            when indicator_rule.rule_id is not null and indicator_rule.direction <> 'unknown'
                then indicator_rule.direction
            when from_evidence.trajectory_direction is not null then from_evidence.trajectory_direction
        end as direction,
        case
            when explicit.measure_key is not null or from_evidence.bounds_direction is not null then null
            when label_rule.rule_id is not null then label_rule.rule_id
            when indicator_rule.rule_id is not null and indicator_rule.direction <> 'unknown'
                then indicator_rule.rule_id
        end as direction_rule_id,
        coalesce(from_evidence.n_steps_up, 0) as n_target_steps_up,
        coalesce(from_evidence.n_steps_down, 0) as n_target_steps_down,
        explicit.tolerance_abs,
        unit_rule.rule_id as unit_rule_id,
        unit_rule.direction as unit_rule_direction
    from measures
    left join explicit
        on measures.measure_key = explicit.measure_key
    left join label_rule
        on measures.measure_key = label_rule.measure_key
    left join indicator_rule
        on measures.measure_key = indicator_rule.measure_key
    left join from_evidence
        on measures.measure_key = from_evidence.measure_key
    left join unit_rule
        on measures.measure_key = unit_rule.measure_key

),

siblings as (

    -- an indicator's measures of one unit family decided by what the documents or stewards state
    -- (not by another inference: a guess is not passed on) that all point the same way
    select
        indicator_code,
        unit_family,
        min(direction) as direction
    from decided
    where
        direction in ('increase', 'decrease')
        and direction_source in ('steward', 'target_bounds', 'label_rule', 'indicator_label_rule')
    group by indicator_code, unit_family
    having count(distinct direction) = 1

),

final as (

    select
        decided.measure_key,
        coalesce(decided.direction, siblings.direction, decided.unit_rule_direction, 'unknown') as direction,
        case
            when decided.direction_source is not null then decided.direction_source
            when siblings.direction is not null then 'indicator_siblings'
            when decided.unit_rule_id is not null then 'unit_rule'
            else 'none'
        end as direction_source,
        case
            when decided.direction_source is not null then decided.direction_rule_id
            when siblings.direction is null then decided.unit_rule_id
        end as direction_rule_id,
        decided.n_target_steps_up,
        decided.n_target_steps_down,
        decided.tolerance_abs,
        cast(0.05 as double) as tolerance_relative
    from decided
    left join siblings
        on
            decided.indicator_code = siblings.indicator_code
            and decided.unit_family is not distinct from siblings.unit_family

)

select * from final
