-- The judgement of fct_target_attainment (its columns and contract are the mart's), for each measure
-- and year: the target of record, the realisation as printed by the RAP of that
-- year, the direction, and two verdicts in the official vocabulary, both computed here (the
-- official verdict is not read here: the mart joins it beside them, never into them):
--   * verdict_strict: the realisation of N as printed in RAP N (int_realisations_printed; where
--     no RAP N is loaded, the earliest document printing it) against the target of record (PAP
--     N's, int_targets_selected); not met: improved / not_improved against the realisation of N-1
--     printed by the same document;
--   * verdict (the headline, the RAP's rule, docs/domain.md): met also when the realisation
--     reaches the forecast of N updated by PAP N+1 or the `Valeur cible` of N printed by RAP N;
--     met_against names the target it reached first (target_of_record, updated_forecast,
--     year_target). Otherwise as verdict_strict.
-- Meeting a target:
--   * a point target: `increase` met when realisation >= target, `decrease` when <=, `target`
--     when |realisation - target| <= tolerance (ref_measure_direction.tolerance_abs, else 5% of
--     |target|); `unknown` met only when the realisation equals the target, else not comparable;
--   * a bound ('≥ 40'): met when the realisation satisfies the printed comparator (40 meets ≥ 40);
--     '~ x' follows the direction like a point target (within the tolerance for `target`/`unknown`);
--   * a range ('2 à 4,5'): met inside [low, high], ends included;
--   * a trend ('En hausse' / 'En baisse' / 'Stable'): compared with the previous year's
--     realisation (stable: within 5%); on a measure that is itself a rate of change
--     ('Évolution de…', 'Taux de croissance…'), read on the sign of the realisation. A trend
--     followed is improved, not met: it sets no value to meet;
--   * a realisation printed as a verdict ('Atteint', 'Non atteint', 'Partiellement'): met, or
--     not_met for both others;
--   * numbers in different printed units, formulas, damaged and unparsed text: not comparable.
-- attainment_status and attainment_ratio are against the target of record: ratio = realisation /
-- target, inverted (target / realisation) for `decrease` (a '~ x' target included) and for '<' /
-- '≤' bounds; null for ranges, trends, verdicts, a `target` direction, and when either value is
-- zero or negative (a ratio of signed values says nothing).
-- verdict values: met; improved; not_improved (equal, worse, or no previous number); no_data (no
-- usable target or realisation); not_retained (not comparable: verdict_reason unit_mismatch,
-- direction_unknown, realisation_<status>…).
-- The realisation revised by a later document stays beside the printed one
-- (realisation_revised_value, realisation_revised_document_id), never in its place.
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

    select * from {{ ref('int_realisations_printed') }}

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
        realisations.realisation_basis,
        realisations.measure_label,
        realisations.realisation_raw,
        realisations.realisation_status,
        realisations.realisation_value,
        realisations.realisation_unit,
        realisations.realisation_note,
        realisations.previous_realisation_raw,
        realisations.previous_realisation_status,
        realisations.previous_realisation_value,
        realisations.updated_forecast_raw,
        realisations.updated_forecast_status,
        realisations.updated_forecast_value,
        realisations.updated_forecast_comparator,
        realisations.updated_forecast_low,
        realisations.updated_forecast_high,
        realisations.updated_forecast_unit,
        realisations.updated_forecast_note,
        realisations.year_target_raw,
        realisations.year_target_status,
        realisations.year_target_value,
        realisations.year_target_comparator,
        realisations.year_target_low,
        realisations.year_target_high,
        realisations.year_target_unit,
        realisations.year_target_note,
        realisations.realisation_revised_raw,
        realisations.realisation_revised_value,
        realisations.realisation_revised_document_id
    from targets
    full outer join realisations
        on
            targets.measure_key = realisations.measure_key
            and targets.year = realisations.year

),

classified as (

    select
        measure_years.*,
        coalesce(directions.direction, 'unknown') as direction,
        coalesce(directions.direction_source, 'none') as direction_source,
        coalesce(directions.direction_confidence, 'low') as direction_confidence,
        directions.tolerance_abs,
        coalesce(directions.tolerance_relative, 0.05) as tolerance_relative,
        {{ target_class('measure_years.target') }} as target_class,
        {{ target_class('measure_years.updated_forecast') }} as updated_forecast_class,
        {{ target_class('measure_years.year_target') }} as year_target_class,
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
        measure_years.previous_realisation_status in ('numeric', 'annotated', 'duration')
        and measure_years.previous_realisation_value is not null as has_previous_number,
        -- a measure that is itself a rate of change: a trend target reads its sign
        coalesce(
            regexp_matches(
                lower(measure_years.measure_label),
                '^\s*([0-9]+\s*[.)–-]\s*)?(taux d[''’]|taux de )?(évolution|variation|croissance|progression)\b'
            ),
            false
        ) as is_rate_of_change
    from measure_years
    left join directions
        on measure_years.measure_key = directions.measure_key

),

evaluated as (

    select
        *,
        {{ target_is_met('target') }} as target_is_met,
        {{ target_is_met('updated_forecast') }} as updated_forecast_is_met,
        {{ target_is_met('year_target') }} as year_target_is_met,
        {{ attainment_rule('target') }} as attainment_rule,
        {{ attainment_rule('updated_forecast') }} as updated_forecast_rule,
        {{ attainment_rule('year_target') }} as year_target_rule
    from classified

),

reached as (

    -- which target the realisation reached by a value (a trend followed reaches none)
    select
        *,
        case
            when target_is_met and target_class <> 'trend' then 'target_of_record'
            when updated_forecast_is_met and updated_forecast_class <> 'trend'
                then 'updated_forecast'
            when year_target_is_met and year_target_class <> 'trend' then 'year_target'
        end as met_against,
        -- the target the headline verdict speaks of when none is reached: the target of record,
        -- else the first one printed
        case
            when target_class <> 'missing' then 'target'
            when updated_forecast_class <> 'missing' then 'updated_forecast'
            when year_target_class <> 'missing' then 'year_target'
            else 'target'
        end as reference_target
    from evaluated

),

referenced as (

    select
        *,
        case reference_target
            when 'updated_forecast' then updated_forecast_class
            when 'year_target' then year_target_class
            else target_class
        end as reference_class,
        case reference_target
            when 'updated_forecast' then updated_forecast_status
            when 'year_target' then year_target_status
            else target_status
        end as reference_status,
        case reference_target
            when 'updated_forecast' then updated_forecast_value
            when 'year_target' then year_target_value
            else target_value
        end as reference_value,
        case reference_target
            when 'updated_forecast' then updated_forecast_comparator
            when 'year_target' then year_target_comparator
            else target_comparator
        end as reference_comparator,
        case reference_target
            when 'updated_forecast' then updated_forecast_unit
            when 'year_target' then year_target_unit
            else target_unit
        end as reference_unit,
        -- reached, a trend followed, or not comparable against every printed target
        case
            when met_against is not null then true
            when reference_target = 'target' then target_is_met
            when reference_target = 'updated_forecast' then updated_forecast_is_met
            else year_target_is_met
        end as reference_is_met,
        case met_against
            when 'target_of_record' then attainment_rule
            when 'updated_forecast' then updated_forecast_rule
            when 'year_target' then year_target_rule
        end as met_rule
    from reached

),

judged as (

    select
        *,
        {{ verdict_of('target', 'target_is_met', "coalesce(target_is_met and target_class <> 'trend', false)") }}
            as verdict_strict,
        {{ verdict_reason_of(
            'target', 'target_is_met',
            "case when target_is_met and target_class <> 'trend' then attainment_rule end"
        ) }} as verdict_strict_reason,
        {{ verdict_of('reference', 'reference_is_met', 'met_against is not null') }} as verdict,
        {{ verdict_reason_of('reference', 'reference_is_met', 'met_rule') }} as verdict_reason,
        case
            when target_class = 'missing' then 'no_target'
            when realisation_class = 'missing' then 'no_realisation'
            when target_is_met then 'met'
            when not target_is_met then 'not_met'
            else 'not_comparable'
        end as attainment_status,
        case
            when not coalesce(target_is_met is not null, false) or realisation_class <> 'number' then null
            when target_class not in ('point', 'approx', 'bound') then null
            when direction = 'target' then null
            when target_value <= 0 or realisation_value <= 0 then null
            -- a '~ x' target of a decrease measure is inverted like a point target
            when target_comparator in ('<', '<=')
                or (coalesce(target_comparator, '~') = '~' and direction = 'decrease')
                then target_value / nullif(realisation_value, 0)
            else realisation_value / nullif(target_value, 0)
        end as attainment_ratio,
        case when direction = 'target' and target_class in ('point', 'approx')
                then coalesce(tolerance_abs, tolerance_relative * abs(target_value))
        end as tolerance_applied
    from referenced

),

final as (

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
        -- judged against a fallback target: the target of record is one, and no target printed
        -- for the year was reached instead
        coalesce(is_fallback_target, false)
        and coalesce(met_against, 'target_of_record') = 'target_of_record' as is_fallback_target,
        realisation_value,
        realisation_raw,
        realisation_status,
        realisation_document_id,
        realisation_basis,
        previous_realisation_value,
        previous_realisation_raw,
        updated_forecast_value,
        updated_forecast_raw,
        year_target_value,
        year_target_raw,
        realisation_revised_value,
        realisation_revised_raw,
        realisation_revised_document_id,
        coalesce(
            realisation_revised_document_id <> realisation_document_id
            and (
                realisation_revised_value <> realisation_value
                or (realisation_revised_value is null) <> (realisation_value is null)
            ),
            false
        ) as is_realisation_revised,
        direction,
        direction_source,
        direction_confidence,
        tolerance_applied,
        attainment_rule,
        attainment_status,
        attainment_ratio,
        verdict_strict,
        verdict_strict_reason,
        verdict,
        verdict_reason,
        met_against
    from judged

)

select * from final
