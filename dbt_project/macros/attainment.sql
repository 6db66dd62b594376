{% macro target_class(t) -%}
    {#- The kind of target a cell sets, from the columns `<t>_status`, `<t>_comparator`,
        `<t>_note`: point, approx ('~ x'), bound, range, trend, missing or other. -#}
    case
        when {{ t }}_status is null then 'missing'
        when {{ t }}_status in ('numeric', 'annotated', 'duration') then 'point'
        when {{ t }}_status = 'bound' and {{ t }}_comparator = '~' then 'approx'
        when {{ t }}_status = 'bound' then 'bound'
        when {{ t }}_status = 'range' then 'range'
        when {{ t }}_status = 'qualitative' and {{ t }}_note in ('increase', 'decrease', 'stable') then 'trend'
        when {{ t }}_status in ('empty', 'not_determined', 'not_applicable', 'unknown', 'withheld') then 'missing'
        else 'other'
    end
{%- endmacro %}


{% macro target_is_met(t) -%}
    {#- Whether the realisation reaches the target of the columns `<t>_class`, `<t>_value`,
        `<t>_comparator`, `<t>_low`, `<t>_high`, `<t>_note`, `<t>_unit` (null: not comparable).
        Reads realisation_class, realisation_value, realisation_unit, realisation_note, direction,
        tolerance_relative, tolerance_abs, has_previous_number, previous_realisation_value and
        is_rate_of_change from the same row. The rules are those of fct_target_attainment's
        header. -#}
    case
        when {{ t }}_class = 'missing' then null
        when realisation_class = 'verdict' then realisation_note = 'met'
        when realisation_class <> 'number' then null
        -- numbers printed in two different units (mois against jours) are never compared raw
        when {{ t }}_unit is not null and realisation_unit is not null and {{ t }}_unit <> realisation_unit
            then null
        when {{ t }}_class in ('point', 'approx') and direction = 'increase' then realisation_value >= {{ t }}_value
        when {{ t }}_class in ('point', 'approx') and direction = 'decrease' then realisation_value <= {{ t }}_value
        when {{ t }}_class in ('point', 'approx') and direction = 'target'
            then abs(realisation_value - {{ t }}_value)
            <= coalesce(tolerance_abs, tolerance_relative * abs({{ t }}_value))
        when {{ t }}_class = 'approx'
            then abs(realisation_value - {{ t }}_value)
            <= coalesce(tolerance_abs, tolerance_relative * abs({{ t }}_value))
        -- direction unknown: only an exact hit is judged (met whatever the direction)
        when {{ t }}_class = 'point' and realisation_value = {{ t }}_value then true
        when {{ t }}_class = 'bound' and {{ t }}_comparator = '>=' then realisation_value >= {{ t }}_value
        when {{ t }}_class = 'bound' and {{ t }}_comparator = '>' then realisation_value > {{ t }}_value
        when {{ t }}_class = 'bound' and {{ t }}_comparator = '<=' then realisation_value <= {{ t }}_value
        when {{ t }}_class = 'bound' and {{ t }}_comparator = '<' then realisation_value < {{ t }}_value
        when {{ t }}_class = 'range' and {{ t }}_low is not null and {{ t }}_high is not null
            then realisation_value between {{ t }}_low and {{ t }}_high
        -- a trend on a measure that is itself a rate of change ('Évolution des dépenses', target
        -- 'En baisse') is read on the sign of the realisation: -2 % is a fall
        when {{ t }}_class = 'trend' and is_rate_of_change and {{ t }}_note = 'increase' then realisation_value > 0
        when {{ t }}_class = 'trend' and is_rate_of_change and {{ t }}_note = 'decrease' then realisation_value < 0
        when {{ t }}_class = 'trend' and has_previous_number and {{ t }}_note = 'increase'
            then realisation_value > previous_realisation_value
        when {{ t }}_class = 'trend' and has_previous_number and {{ t }}_note = 'decrease'
            then realisation_value < previous_realisation_value
        when {{ t }}_class = 'trend' and has_previous_number and {{ t }}_note = 'stable'
            then abs(realisation_value - previous_realisation_value)
            <= tolerance_relative * abs(previous_realisation_value)
    end
{%- endmacro %}


{% macro attainment_rule(t) -%}
    {#- The name of the rule target_is_met applies to the target `<t>`. -#}
    case
        when {{ t }}_class = 'missing' then null
        when realisation_class = 'verdict' then 'verdict'
        when {{ t }}_class = 'trend' and is_rate_of_change and {{ t }}_note in ('increase', 'decrease')
            then 'trend_sign_of_rate'
        when {{ t }}_class = 'trend' then 'trend_vs_previous_year'
        when {{ t }}_class = 'range' then 'within_range'
        when {{ t }}_class = 'bound' then 'bound_' || {{ t }}_comparator
        when {{ t }}_class in ('point', 'approx') and direction = 'increase' then 'at_least'
        when {{ t }}_class in ('point', 'approx') and direction = 'decrease' then 'at_most'
        when {{ t }}_class in ('point', 'approx') and direction = 'target' then 'within_tolerance'
        when {{ t }}_class = 'approx' then 'within_tolerance'
        when {{ t }}_class = 'point' then 'equal_to_target'
    end
{%- endmacro %}


{% macro verdict_of(t, is_met, met_by_value) -%}
    {#- The verdict in the official vocabulary against the target `<t>` (its class, value, status,
        comparator), given `is_met` (reached, or a trend followed; null: not comparable) and
        `met_by_value` (reached by a value, as opposed to a trend followed). Not met: the
        realisation of N-1 decides improved / not_improved in the direction of improvement (a bound
        printed without a known direction brings its own). -#}
    case
        when {{ t }}_class = 'missing' or realisation_class = 'missing' then 'no_data'
        when {{ met_by_value }} then 'met'
        -- a trend target ('En baisse') sets no value to meet: followed, it is improved
        when {{ is_met }} then 'improved'
        when {{ is_met }} is null then 'not_retained'
        when realisation_class = 'verdict' then 'not_improved'
        when {{ t }}_class = 'trend' then 'not_improved'
        when not has_previous_number then 'not_improved'
        when coalesce(nullif(direction, 'unknown'), {{ comparator_direction(t ~ '_comparator') }}) = 'increase'
            and realisation_value > previous_realisation_value then 'improved'
        when coalesce(nullif(direction, 'unknown'), {{ comparator_direction(t ~ '_comparator') }}) = 'decrease'
            and realisation_value < previous_realisation_value then 'improved'
        when direction = 'target' and {{ t }}_value is not null
            and abs(realisation_value - {{ t }}_value) < abs(previous_realisation_value - {{ t }}_value)
            then 'improved'
        else 'not_improved'
    end
{%- endmacro %}


{% macro verdict_reason_of(t, is_met, met_rule) -%}
    {#- Why verdict_of said what it said: the rule `met_rule` of a met verdict; the reasons of
        no_data, not_retained, improved and not_improved. -#}
    case
        when {{ t }}_class = 'missing' and {{ t }}_status is null then 'no_target'
        when {{ t }}_class = 'missing' then 'target_' || {{ t }}_status
        when realisation_class = 'missing' and realisation_status is null then 'no_realisation'
        when realisation_class = 'missing' then 'realisation_' || realisation_status
        when {{ met_rule }} is not null then {{ met_rule }}
        when {{ is_met }} then 'trend_followed'
        when {{ is_met }} is null and {{ t }}_unit is not null and realisation_unit is not null
            and {{ t }}_unit <> realisation_unit then 'unit_mismatch'
        when {{ is_met }} is null and realisation_class = 'other' then 'realisation_' || realisation_status
        when {{ is_met }} is null and {{ t }}_class = 'other' then 'target_' || {{ t }}_status
        when {{ is_met }} is null and {{ t }}_class = 'trend' then 'no_previous_realisation'
        when {{ is_met }} is null and {{ t }}_class = 'range' then 'range_without_bounds'
        when {{ is_met }} is null and direction = 'unknown' then 'direction_unknown'
        when {{ is_met }} is null then 'not_comparable'
        when realisation_class = 'verdict' then 'printed_verdict_not_met'
        when {{ t }}_class = 'trend' then 'trend_not_followed'
        when not has_previous_number then 'no_previous_realisation'
        else 'compared_with_previous_year'
    end
{%- endmacro %}


{% macro comparator_direction(comparator) -%}
    case
        when {{ comparator }} in ('>', '>=') then 'increase'
        when {{ comparator }} in ('<', '<=') then 'decrease'
    end
{%- endmacro %}
