-- The scorecard's headline, per year: the "taux d'atteinte des cibles" of every programme together,
-- ours and, where a RAP prints verdicts, the official one beside it. The sums of rpt_attainment_rate
-- over its programmes; share_met = met / targets_assessed (null when nothing was assessed).
with

rates as (

    select
        year,
        targets_assessed,
        met,
        improved,
        not_improved,
        no_data,
        not_retained,
        official_assessed,
        official_met,
        both_assessed,
        agreeing
    from {{ ref('rpt_attainment_rate') }}

),

aggregated as (

    select
        year,
        count(*) as programmes,
        sum(targets_assessed) as targets_assessed,
        sum(met) as met,
        sum(improved) as improved,
        sum(not_improved) as not_improved,
        sum(no_data) as no_data,
        sum(not_retained) as not_retained,
        sum(official_assessed) as official_assessed,
        sum(official_met) as official_met,
        sum(both_assessed) as both_assessed,
        sum(agreeing) as agreeing
    from rates
    group by year

),

final as (

    select
        year,
        programmes,
        cast(targets_assessed as bigint) as targets_assessed,
        cast(met as bigint) as met,
        cast(improved as bigint) as improved,
        cast(not_improved as bigint) as not_improved,
        cast(no_data as bigint) as no_data,
        cast(not_retained as bigint) as not_retained,
        round(met / nullif(targets_assessed, 0), 4) as share_met,
        cast(official_assessed as bigint) as official_assessed,
        cast(official_met as bigint) as official_met,
        round(official_met / nullif(official_assessed, 0), 4) as official_share_met,
        cast(both_assessed as bigint) as both_assessed,
        cast(agreeing as bigint) as agreeing
    from aggregated

)

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
from final
