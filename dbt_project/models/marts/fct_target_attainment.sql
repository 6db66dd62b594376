-- For each measure and year: the target that counts, the latest realisation, the direction and a
-- status (met, not_met, no_realisation, no_target, not_comparable) with a ratio. Rules:
--   * a point target: `increase` met when realisation >= target, `decrease` when <=, `target`
--     when |realisation - target| <= tolerance (ref_measure_direction.tolerance_abs, else 5% of
--     |target|); `unknown` met only when the realisation equals the target, else not_comparable;
--   * a bound ('≥ 40'): met when the realisation satisfies the printed comparator (40 meets ≥ 40);
--     '~ x' follows the direction like a point target (within the tolerance for `target`/`unknown`);
--   * a range ('2 à 4,5'): met inside [low, high], ends included;
--   * a trend ('En hausse' / 'En baisse' / 'Stable'): compared with the previous year's latest
--     realisation (stable: within 5%); any other qualitative target is not_comparable;
--   * a realisation printed as a verdict ('Atteint', 'Non atteint', 'Partiellement'): met, or
--     not_met for both others;
--   * no usable target (none, or Non déterminé / Sans objet / NC / secret) -> no_target; a target
--     but no usable realisation -> no_realisation; numbers in different printed units, formulas
--     and unparsed text -> not_comparable.
-- attainment_ratio = realisation / target, inverted (target / realisation) for `decrease` and for
-- '<' / '≤' bounds; null for ranges, trends, verdicts, a `target` direction, and when either value
-- is zero or negative (a ratio of signed values says nothing).
--
-- verdict: the official vocabulary, computed here from the target of record, the realisation, the
-- previous year's realisation and the direction, never from the official verdict (which is only
-- joined beside it, with agrees_with_official):
--   met          : attainment_status met against a target value (a bound, a range, a number);
--   improved     : not met, and better than the previous year's realisation in the direction of
--                  improvement (closer to the target for a `target` direction); a trend target
--                  ('En hausse') followed is improved, not met: it sets no value to meet;
--   not_improved : not met, and not better (equal, worse, or no previous number to compare);
--   no_data      : no usable target of record, or no usable realisation;
--   not_retained : not comparable (verdict_reason: unit_mismatch, direction_unknown,
--                  qualitative_target, qualitative_realisation…).
with

targets as (

    select
        measure_key,
        year,
        target_document_id,
        target_basis,
        is_fallback_target,
        target_raw,
        target_status,
        target_value,
        target_comparator,
        target_low,
        target_high,
        target_unit,
        target_note
    from {{ ref('int_targets_selected') }}

),

realisations as (

    select
        measure_key,
        year,
        realisation_document_id,
        realisation_raw,
        realisation_status,
        realisation_value,
        realisation_unit,
        realisation_note,
        previous_realisation_status,
        previous_realisation_value
    from {{ ref('int_realisations_latest') }}

),

directions as (

    select
        measure_key,
        direction,
        direction_source,
        direction_confidence,
        tolerance_abs,
        tolerance_relative
    from {{ ref('int_measure_directions_assigned') }}

),

official as (

    select
        measure_key,
        year,
        official_verdict_raw,
        official_verdict,
        official_verdict_document_id,
        official_verdict_source_file,
        official_verdict_source_line
    from {{ ref('int_official_verdicts') }}

),

measure_years as (

    select
        coalesce(targets.measure_key, realisations.measure_key) as measure_key,
        coalesce(targets.year, realisations.year) as year,
        targets.target_document_id,
        targets.target_basis,
        targets.is_fallback_target,
        targets.target_raw,
        targets.target_status,
        targets.target_value,
        targets.target_comparator,
        targets.target_low,
        targets.target_high,
        targets.target_unit,
        targets.target_note,
        realisations.realisation_document_id,
        realisations.realisation_raw,
        realisations.realisation_status,
        realisations.realisation_value,
        realisations.realisation_unit,
        realisations.realisation_note,
        realisations.previous_realisation_status,
        realisations.previous_realisation_value
    from targets
    full outer join realisations
        on
            targets.measure_key = realisations.measure_key
            and targets.year = realisations.year

),

classified as (

    select
        measure_years.measure_key,
        measure_years.year,
        measure_years.target_document_id,
        measure_years.target_basis,
        measure_years.is_fallback_target,
        measure_years.target_raw,
        measure_years.target_status,
        measure_years.target_value,
        measure_years.target_comparator,
        measure_years.target_low,
        measure_years.target_high,
        measure_years.target_unit,
        measure_years.target_note,
        measure_years.realisation_document_id,
        measure_years.realisation_raw,
        measure_years.realisation_status,
        measure_years.realisation_value,
        measure_years.realisation_unit,
        measure_years.realisation_note,
        measure_years.previous_realisation_status,
        measure_years.previous_realisation_value,
        coalesce(directions.direction, 'unknown') as direction,
        coalesce(directions.direction_source, 'none') as direction_source,
        coalesce(directions.tolerance_relative, 0.05) as tolerance_relative,
        -- the direction the judgement uses: a bound printed without a known direction brings its own
        case
            when coalesce(directions.direction, 'unknown') <> 'unknown' then directions.direction
            when measure_years.target_comparator in ('>', '>=') then 'increase'
            when measure_years.target_comparator in ('<', '<=') then 'decrease'
            else 'unknown'
        end as effective_direction,
        case
            when measure_years.target_status is null then 'missing'
            when measure_years.target_status in ('numeric', 'annotated', 'duration') then 'point'
            when measure_years.target_status = 'bound' and measure_years.target_comparator = '~' then 'approx'
            when measure_years.target_status = 'bound' then 'bound'
            when measure_years.target_status = 'range' then 'range'
            when measure_years.target_status = 'qualitative'
                and measure_years.target_note in ('increase', 'decrease', 'stable') then 'trend'
            when measure_years.target_status in (
                    'empty', 'not_determined', 'not_applicable', 'unknown', 'withheld'
                ) then 'missing'
            else 'other'
        end as target_class,
        case
            when measure_years.realisation_status is null then 'missing'
            when measure_years.realisation_status in ('numeric', 'annotated', 'duration') then 'number'
            when measure_years.realisation_status = 'qualitative'
                and measure_years.realisation_note in ('met', 'not_met', 'partial') then 'verdict'
            when measure_years.realisation_status in (
                    'empty', 'not_determined', 'not_applicable', 'unknown', 'withheld'
                ) then 'missing'
            else 'other'
        end as realisation_class,
        -- numbers printed in two different units (e.g. mois vs jours) are never compared raw
        coalesce(
            measure_years.target_unit is not null
            and measure_years.realisation_unit is not null
            and measure_years.target_unit <> measure_years.realisation_unit,
            false
        ) as is_unit_mismatch,
        -- the tolerance of a `target` direction (or a '~' target), in the measure's unit
        coalesce(
            directions.tolerance_abs,
            coalesce(directions.tolerance_relative, 0.05) * abs(measure_years.target_value)
        ) as tolerance_applied,
        measure_years.previous_realisation_status in ('numeric', 'annotated', 'duration')
        and measure_years.previous_realisation_value is not null as has_previous_number
    from measure_years
    left join directions
        on measure_years.measure_key = directions.measure_key

),

evaluated as (

    select
        measure_key,
        year,
        target_document_id,
        target_basis,
        is_fallback_target,
        target_raw,
        target_status,
        target_value,
        target_comparator,
        target_low,
        target_high,
        target_unit,
        target_note,
        realisation_document_id,
        realisation_raw,
        realisation_status,
        realisation_value,
        realisation_unit,
        realisation_note,
        previous_realisation_status,
        previous_realisation_value,
        direction,
        direction_source,
        effective_direction,
        is_unit_mismatch,
        tolerance_relative,
        target_class,
        realisation_class,
        tolerance_applied,
        has_previous_number,
        case
            when target_class = 'missing' then null
            when realisation_class = 'verdict' then 'verdict'
            when target_class = 'trend' then 'trend_vs_previous_year'
            when target_class = 'range' then 'within_range'
            when target_class = 'bound' then 'bound_' || target_comparator
            when target_class in ('point', 'approx') and direction = 'increase' then 'at_least'
            when target_class in ('point', 'approx') and direction = 'decrease' then 'at_most'
            when target_class in ('point', 'approx') and direction = 'target' then 'within_tolerance'
            when target_class = 'approx' then 'within_tolerance'
            when target_class = 'point' then 'equal_to_target'
        end as attainment_rule,
        case
            when target_class = 'missing' then null
            when realisation_class = 'verdict' then realisation_note = 'met'
            when realisation_class <> 'number' then null
            when is_unit_mismatch then null
            when target_class in ('point', 'approx') and direction = 'increase' then realisation_value >= target_value
            when target_class in ('point', 'approx') and direction = 'decrease' then realisation_value <= target_value
            when target_class in ('point', 'approx') and direction = 'target'
                then abs(realisation_value - target_value) <= tolerance_applied
            when target_class = 'approx' then abs(realisation_value - target_value) <= tolerance_applied
            -- direction unknown: only an exact hit is judged (met whatever the direction)
            when target_class = 'point' and realisation_value = target_value then true
            when target_class = 'bound' and target_comparator = '>=' then realisation_value >= target_value
            when target_class = 'bound' and target_comparator = '>' then realisation_value > target_value
            when target_class = 'bound' and target_comparator = '<=' then realisation_value <= target_value
            when target_class = 'bound' and target_comparator = '<' then realisation_value < target_value
            when target_class = 'range' and target_low is not null and target_high is not null
                then realisation_value between target_low and target_high
            when target_class = 'trend' and has_previous_number and target_note = 'increase'
                then realisation_value > previous_realisation_value
            when target_class = 'trend' and has_previous_number and target_note = 'decrease'
                then realisation_value < previous_realisation_value
            when target_class = 'trend' and has_previous_number and target_note = 'stable'
                then abs(realisation_value - previous_realisation_value)
                    <= tolerance_relative * abs(previous_realisation_value)
        end as is_met
    from classified

),

judged as (

    select
        measure_key,
        year,
        target_value,
        target_raw,
        target_status,
        target_comparator,
        target_low,
        target_high,
        target_note,
        target_document_id,
        target_basis,
        coalesce(is_fallback_target, false) as is_fallback_target,
        realisation_value,
        realisation_raw,
        realisation_status,
        realisation_document_id,
        previous_realisation_value,
        direction,
        direction_source,
        case when attainment_rule = 'within_tolerance' then tolerance_applied end as tolerance_applied,
        attainment_rule,
        case
            when target_class = 'missing' or realisation_class = 'missing' then 'no_data'
            -- a trend target ('En baisse') sets no value to meet: its year is judged against the
            -- previous one, as the RAP does (followed: improved, else not_improved)
            when target_class = 'trend' and is_met then 'improved'
            when is_met then 'met'
            when is_met is null then 'not_retained'
            -- not met: against the previous year's realisation
            when realisation_class = 'verdict' then 'not_improved'
            when target_class = 'trend' then 'not_improved'
            when not has_previous_number then 'not_improved'
            when effective_direction = 'increase' and realisation_value > previous_realisation_value then 'improved'
            when effective_direction = 'decrease' and realisation_value < previous_realisation_value then 'improved'
            when
                effective_direction = 'target'
                and target_value is not null
                and abs(realisation_value - target_value) < abs(previous_realisation_value - target_value)
                then 'improved'
            else 'not_improved'
        end as verdict,
        case
            when target_class = 'missing' and target_status is null then 'no_target'
            when target_class = 'missing' then 'target_' || target_status
            when realisation_class = 'missing' and realisation_status is null then 'no_realisation'
            when realisation_class = 'missing' then 'realisation_' || realisation_status
            when target_class = 'trend' and is_met then 'trend_followed'
            when is_met then attainment_rule
            when is_met is null and is_unit_mismatch then 'unit_mismatch'
            when is_met is null and realisation_class = 'other' then 'realisation_' || realisation_status
            when is_met is null and target_class = 'other' then 'target_' || target_status
            when is_met is null and target_class = 'trend' then 'no_previous_realisation'
            when is_met is null and target_class = 'range' then 'range_without_bounds'
            when is_met is null and direction = 'unknown' then 'direction_unknown'
            when is_met is null then 'not_comparable'
            when realisation_class = 'verdict' then 'printed_verdict_not_met'
            when target_class = 'trend' then 'trend_not_followed'
            when not has_previous_number then 'no_previous_realisation'
            else 'compared_with_previous_year'
        end as verdict_reason,
        case
            when target_class = 'missing' then 'no_target'
            when realisation_class = 'missing' then 'no_realisation'
            when is_met then 'met'
            when not is_met then 'not_met'
            else 'not_comparable'
        end as attainment_status,
        case
            when is_met is null or realisation_class <> 'number' then null
            when target_class not in ('point', 'approx', 'bound') then null
            when direction = 'target' then null
            when target_value <= 0 or realisation_value <= 0 then null
            when target_comparator in ('<', '<=') or (target_comparator is null and direction = 'decrease')
                then target_value / nullif(realisation_value, 0)
            else realisation_value / nullif(target_value, 0)
        end as attainment_ratio
    from evaluated

),

final as (

    select
        judged.measure_key,
        judged.year,
        judged.target_value,
        judged.target_raw,
        judged.target_status,
        judged.target_comparator,
        judged.target_low,
        judged.target_high,
        judged.target_note,
        judged.target_document_id,
        judged.target_basis,
        judged.is_fallback_target,
        judged.realisation_value,
        judged.realisation_raw,
        judged.realisation_status,
        judged.realisation_document_id,
        judged.previous_realisation_value,
        judged.direction,
        judged.direction_source,
        coalesce(directions.direction_confidence, 'low') as direction_confidence,
        judged.tolerance_applied,
        judged.attainment_rule,
        judged.attainment_status,
        judged.attainment_ratio,
        judged.verdict,
        judged.verdict_reason,
        official.official_verdict_raw,
        official.official_verdict,
        case when official.official_verdict is not null then judged.verdict = official.official_verdict end
            as agrees_with_official,
        official.official_verdict_document_id,
        official.official_verdict_source_file,
        official.official_verdict_source_line
    from judged
    left join directions on judged.measure_key = directions.measure_key
    left join official
        on
            judged.measure_key = official.measure_key
            and judged.year = official.year

)

select
    measure_key,
    year,
    target_value,
    target_raw,
    target_status,
    target_comparator,
    target_low,
    target_high,
    target_note,
    target_document_id,
    target_basis,
    is_fallback_target,
    realisation_value,
    realisation_raw,
    realisation_status,
    realisation_document_id,
    previous_realisation_value,
    direction,
    direction_source,
    direction_confidence,
    tolerance_applied,
    attainment_rule,
    attainment_status,
    attainment_ratio,
    verdict,
    verdict_reason,
    official_verdict_raw,
    official_verdict,
    agrees_with_official,
    official_verdict_document_id,
    official_verdict_source_file,
    official_verdict_source_line
from final
