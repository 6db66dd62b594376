-- Direction of improvement per measure, decided in this order (the first that decides wins;
-- direction_source says which, direction_confidence how far it can be trusted):
--   1. steward             : the steward's row in ref_measure_direction                  (high);
--   2. target_bounds       : the documents print its targets as bounds, all on one side ('≥ 95')
--                            (high);
--   3. label_rule          : the first matching label rule of ref_direction_default (priority
--                            < 900: délai, coût, taux d'erreur, nombre de décès…; 'Pour
--                            information' rows are explicitly unknown), read on every label the
--                            measure carried in any vintage: the labels must agree (high);
--   4. indicator_label_rule: the same rules on its indicator's labels (every vintage, agreeing), for
--                            rows that are durations, amounts, ratios or scores ('Délais de
--                            traitement…' for the row '1. Passeports'), and for rows whose own
--                            label names no measure (a category: 'Au collège', 'Armée de l'air
--                            Avions de combat') when the rule is one that names what is measured
--                            in any unit (decides_categories: taux d'absentéisme, disponibilité…)
--                            (medium);
--   5. target_trajectory   : successive targets move one way, in at least 3 of 4 steps across
--                            every vintage (int_measure_direction_evidence; rising: increase)
--                            (medium with 3 steps or more one way and none the other, else low);
--   6. unit_rule           : the unit-family default of ref_direction_default (duration: decrease…)
--                            (low);
--   7. none                : unknown (rule `fallback`) (low).
-- The directions of sibling measures are no source: a rule wrong on one measure would spread to
-- its siblings. sibling_direction keeps them as evidence for the stewards' review file only.
-- When the labels of different vintages lead to different directions (a measure whose label
-- changed meaning), no label decides: is_label_split flags it for review.
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

labels as (

    -- every label the measure and its indicator carried, with the vintages that printed it
    select
        measure_key,
        measure_label,
        indicator_label,
        max(vintage_year) as last_vintage_year,
        regexp_replace(lower(coalesce(measure_label, '')), '^\s*[0-9]+\s*[.)–-]\s*', '') as measure_label_key,
        regexp_replace(lower(coalesce(indicator_label, '')), '^\s*[0-9]+\s*[.)–-]\s*', '') as indicator_label_key
    from {{ ref('int_indicator_cells_crosswalked') }}
    where measure_key is not null
    group by measure_key, measure_label, indicator_label

),

labelled as (

    -- the label rules each label matches; a label 'names no measure' (a category: 'Au collège')
    -- when no rule reads it and it does not open on a word that says what is counted or measured
    select
        labels.measure_key,
        labels.last_vintage_year,
        measures.unit_family,
        measures.latest_target_numeric,
        {{ label_rule_hits('labels.measure_label_key', ref('ref_direction_default')) }} as measure_label_rules,
        {{ label_rule_hits('labels.indicator_label_key', ref('ref_direction_default')) }} as indicator_label_rules,
        regexp_matches(
            labels.measure_label_key,
            '^\s*(taux|parts?|proportion|pourcentage|%|nombre|ratio|indice|montant|co[uû]ts?|délais?|durée|moyenne'
            || '|niveau|score|écart|volume|effectif|évolution|evolution|dont|pour info|rapport|valeur|total|somme)'
        ) as opens_on_a_measure_word
    from labels
    inner join {{ ref('int_measures_described') }} as measures
        on labels.measure_key = measures.measure_key

),

label_hits as (

    -- per label: the first label rule that applies to the measure (unit family, target value)
    select
        labelled.measure_key,
        labelled.last_vintage_year,
        rules.rule_id,
        rules.direction
    from labelled
    inner join rules
        on
            list_contains(labelled.measure_label_rules, rules.rule_id)
            and (rules.unit_family is null or labelled.unit_family = rules.unit_family)
            and (rules.target_value is null or labelled.latest_target_numeric = rules.target_value)
    where rules.priority < 900
    qualify row_number() over (
            partition by labelled.measure_key, labelled.measure_label_rules order by rules.priority
        ) = 1

),

label_rule as (

    -- the labels of every vintage must agree; the latest label's rule is the one named
    select
        measure_key,
        arg_max(rule_id, last_vintage_year) as rule_id,
        min(direction) as direction,
        count(distinct direction) > 1 as is_split,
        string_agg(distinct rule_id, ', ' order by rule_id) as rule_ids
    from label_hits
    group by measure_key

),

category_rows as (

    -- no label of the measure, in any vintage, names what it measures
    select measure_key
    from labelled
    group by measure_key
    having bool_and(len(measure_label_rules) = 0 and not opens_on_a_measure_word)

),

indicator_hits as (

    -- a percent row under a delay or cost indicator is usually a share within the norm ('part des
    -- dossiers traités en moins de 30 jours'), a count row a volume: the indicator's words decide
    -- only rows that measure the same thing (a duration, an amount, a ratio, a score), or rows
    -- that name no measure of their own under a rule that decides categories (a rate, an
    -- availability: 'Taux d'absentéisme des élèves' for the row 'Au collège')
    select
        labelled.measure_key,
        labelled.last_vintage_year,
        rules.rule_id,
        rules.direction
    from labelled
    inner join rules
        on
            list_contains(labelled.indicator_label_rules, rules.rule_id)
            and (rules.unit_family is null or labelled.unit_family = rules.unit_family)
            and (rules.target_value is null or labelled.latest_target_numeric = rules.target_value)
    left join category_rows
        on labelled.measure_key = category_rows.measure_key
    where
        rules.priority < 900
        and rules.direction <> 'unknown'
        and (
            labelled.unit_family not in ('percent', 'count', 'other')
            or (rules.decides_categories and category_rows.measure_key is not null)
        )
    qualify row_number() over (
            partition by labelled.measure_key, labelled.indicator_label_rules order by rules.priority
        ) = 1

),

indicator_rule as (

    select
        measure_key,
        arg_max(rule_id, last_vintage_year) as rule_id,
        min(direction) as direction,
        count(distinct direction) > 1 as is_split,
        string_agg(distinct rule_id, ', ' order by rule_id) as rule_ids
    from indicator_hits
    group by measure_key

),

unit_rule as (

    select
        measures.measure_key,
        rules.rule_id,
        rules.direction
    from measures
    inner join rules
        on
            rules.label_pattern is null
            and (rules.unit_family is null or measures.unit_family = rules.unit_family)
            and (rules.target_value is null or measures.latest_target_numeric = rules.target_value)
    where rules.rule_id <> 'fallback'
    qualify row_number() over (partition by measures.measure_key order by rules.priority) = 1

),

label_sources as (

    -- a measure's own labels that disagree across vintages silence its indicator's labels too
    select
        measures.measure_key,
        coalesce(label_rule.rule_id is not null and not label_rule.is_split, false) as label_decides,
        coalesce(
            indicator_rule.rule_id is not null
            and not indicator_rule.is_split
            and not coalesce(label_rule.is_split, false),
            false
        ) as indicator_decides
    from measures
    left join label_rule
        on measures.measure_key = label_rule.measure_key
    left join indicator_rule
        on measures.measure_key = indicator_rule.measure_key

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
        end as trajectory_direction,
        -- three steps one way and none the other is a plan; one or two steps, or a reversal, a hint
        case
            when greatest(n_steps_up, n_steps_down) >= 3 and least(n_steps_up, n_steps_down) = 0 then 'medium'
            else 'low'
        end as trajectory_confidence
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
            when label_sources.label_decides then 'label_rule'
            when label_sources.indicator_decides then 'indicator_label_rule'
            when from_evidence.trajectory_direction is not null then 'target_trajectory'
            when unit_rule.rule_id is not null then 'unit_rule'
            else 'none'
        end as direction_source,
        case
            when explicit.measure_key is not null then explicit.direction
            when from_evidence.bounds_direction is not null then from_evidence.bounds_direction
            when label_sources.label_decides then label_rule.direction
            when label_sources.indicator_decides then indicator_rule.direction
            when from_evidence.trajectory_direction is not null then from_evidence.trajectory_direction
            when unit_rule.rule_id is not null then unit_rule.direction
            else 'unknown'
        end as direction,
        case
            when explicit.measure_key is not null or from_evidence.bounds_direction is not null then null
            when label_sources.label_decides then label_rule.rule_id
            when label_sources.indicator_decides then indicator_rule.rule_id
            when from_evidence.trajectory_direction is not null then null
            else unit_rule.rule_id
        end as direction_rule_id,
        case
            when explicit.measure_key is not null or from_evidence.bounds_direction is not null then 'high'
            when label_sources.label_decides then 'high'
            when label_sources.indicator_decides then 'medium'
            when from_evidence.trajectory_direction is not null then from_evidence.trajectory_confidence
            else 'low'
        end as direction_confidence,
        coalesce(label_rule.is_split, false) or coalesce(indicator_rule.is_split, false) as is_label_split,
        label_rule.rule_ids as label_rule_ids,
        indicator_rule.rule_ids as indicator_rule_ids,
        coalesce(from_evidence.n_steps_up, 0) as n_target_steps_up,
        coalesce(from_evidence.n_steps_down, 0) as n_target_steps_down,
        explicit.tolerance_abs
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
    left join label_sources
        on measures.measure_key = label_sources.measure_key

),

siblings as (

    -- evidence only (the review file): the directions that the other measures of its indicator, in
    -- the same unit family, got from what the documents or stewards state
    select
        indicator_code,
        unit_family,
        string_agg(distinct direction, ', ' order by direction) as sibling_directions
    from decided
    where
        direction in ('increase', 'decrease', 'target')
        and direction_source in ('steward', 'target_bounds', 'label_rule', 'indicator_label_rule')
    group by indicator_code, unit_family

),

final as (

    select
        decided.measure_key,
        decided.direction,
        decided.direction_source,
        decided.direction_confidence,
        decided.direction_rule_id,
        decided.is_label_split,
        decided.label_rule_ids,
        decided.indicator_rule_ids,
        siblings.sibling_directions,
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
