-- For each measure and year (judged in int_attainment_judged; the official verdict is read and
-- joined here): the target of record, the realisation as printed by the RAP of that year, the
-- direction, and two verdicts in the official vocabulary, both computed there (the official
-- verdict is only joined beside them, with agrees_with_official; it never feeds them):
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
        is_fallback_target,
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
        is_realisation_revised,
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
    from {{ ref('int_attainment_judged') }}

),

cells as (

    select
        measure_key,
        year,
        document_id,
        document_type,
        vintage_year,
        published_on_estimate,
        source_file,
        source_line,
        is_programme_row,
        value_kind,
        official_verdict_raw
    from {{ ref('int_indicator_cells_crosswalked') }}

),

official_verdicts as (

    select
        official_verdict_raw,
        official_verdict
    from {{ ref('ref_official_verdict') }}

),

printed_verdicts as (

    -- the Direction du budget's own verdict on year N, where a RAP N prints one ('Degré de
    -- réalisation', RAP 2017): one per measure and year, the programme row's when a mission row
    -- repeats it
    select
        measure_key,
        vintage_year as year,
        document_id,
        source_file,
        source_line,
        official_verdict_raw
    from cells
    where
        document_type = 'RAP'
        and official_verdict_raw is not null
        and value_kind = 'realisation'
        and year = vintage_year
    qualify row_number() over (
            partition by measure_key, vintage_year
            order by is_programme_row desc, published_on_estimate desc, source_line asc
        ) = 1

),

official as (

    -- as published, and mapped to our vocabulary through ref_official_verdict
    select
        printed_verdicts.measure_key,
        printed_verdicts.year,
        printed_verdicts.official_verdict_raw,
        official_verdicts.official_verdict,
        printed_verdicts.document_id as official_verdict_document_id,
        printed_verdicts.source_file as official_verdict_source_file,
        printed_verdicts.source_line as official_verdict_source_line
    from printed_verdicts
    left join official_verdicts
        on trim(printed_verdicts.official_verdict_raw) = official_verdicts.official_verdict_raw

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
        judged.realisation_basis,
        judged.previous_realisation_value,
        judged.previous_realisation_raw,
        judged.updated_forecast_value,
        judged.updated_forecast_raw,
        judged.year_target_value,
        judged.year_target_raw,
        judged.realisation_revised_value,
        judged.realisation_revised_raw,
        judged.realisation_revised_document_id,
        judged.is_realisation_revised,
        judged.direction,
        judged.direction_source,
        judged.direction_confidence,
        judged.tolerance_applied,
        judged.attainment_rule,
        judged.attainment_status,
        judged.attainment_ratio,
        judged.verdict_strict,
        judged.verdict_strict_reason,
        judged.verdict,
        judged.verdict_reason,
        judged.met_against,
        official.official_verdict_raw,
        official.official_verdict,
        case when official.official_verdict is not null then judged.verdict = official.official_verdict end
            as agrees_with_official,
        case when official.official_verdict is not null then judged.verdict_strict = official.official_verdict end
            as strict_agrees_with_official,
        official.official_verdict_document_id,
        official.official_verdict_source_file,
        official.official_verdict_source_line
    from judged
    left join official
        on
            judged.measure_key = official.measure_key
            and judged.year = official.year

)

select * from final
