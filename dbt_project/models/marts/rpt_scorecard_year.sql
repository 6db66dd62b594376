-- The scorecard's headline, per year: the rows of rpt_attainment_rate at grouping_level 'year' (the
-- taux d'atteinte des cibles of every programme together, ours and the official one beside it). Only
-- a projection: the roll-up and the definition of share_met live in rpt_attainment_rate.
with

final as (

    select
        year,
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
    where grouping_level = 'year'

)

select * from final
