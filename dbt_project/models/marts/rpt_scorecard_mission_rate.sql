-- The taux d'atteinte des cibles per mission and year: the rows of rpt_attainment_rate at grouping_level
-- 'mission' (a measure-year counts under the mission of that year). Each mission page of the scorecard
-- charts it. Only a projection: the roll-up and the definition of share_met live in rpt_attainment_rate.
-- mission_code is null for the programmes whose mission no source codes (one row per year for them).
with

final as (

    select
        mission_code,
        year,
        mission_label,
        programmes,
        targets_assessed,
        met,
        improved,
        not_improved,
        no_data,
        not_retained,
        share_met,
        official_assessed,
        official_met,
        official_share_met,
        both_assessed,
        agreeing
    from {{ ref('rpt_attainment_rate') }}
    where grouping_level = 'mission'

)

select * from final
