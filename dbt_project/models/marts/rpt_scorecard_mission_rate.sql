-- The "taux d'atteinte des cibles" per mission and year, as the Sénat and the Direction du budget
-- publish it: the sums of rpt_attainment_rate over the mission's programmes, ours and, where a RAP
-- prints verdicts, the official one beside it. The scorecard charts it on each mission page.
-- mission_code is null for the programmes whose mission no source codes (one row per year for them).
with

rates as (

    select
        mission_code,
        programme_code,
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

programmes as (

    select
        mission_code,
        mission_label
    from {{ ref('dim_programme') }}

),

mission_labels as (

    select
        mission_code,
        min(mission_label) as mission_label
    from programmes
    where mission_code is not null
    group by mission_code

),

aggregated as (

    select
        mission_code,
        year,
        count(distinct programme_code) as programmes,
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
    group by mission_code, year

),

final as (

    select
        aggregated.mission_code,
        aggregated.year,
        mission_labels.mission_label,
        aggregated.programmes,
        cast(aggregated.targets_assessed as bigint) as targets_assessed,
        cast(aggregated.met as bigint) as met,
        cast(aggregated.improved as bigint) as improved,
        cast(aggregated.not_improved as bigint) as not_improved,
        cast(aggregated.no_data as bigint) as no_data,
        cast(aggregated.not_retained as bigint) as not_retained,
        round(aggregated.met / nullif(aggregated.targets_assessed, 0), 4) as share_met,
        cast(aggregated.official_assessed as bigint) as official_assessed,
        cast(aggregated.official_met as bigint) as official_met,
        round(aggregated.official_met / nullif(aggregated.official_assessed, 0), 4) as official_share_met,
        cast(aggregated.both_assessed as bigint) as both_assessed,
        cast(aggregated.agreeing as bigint) as agreeing
    from aggregated
    left join mission_labels
        on aggregated.mission_code = mission_labels.mission_code

)

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
from final
