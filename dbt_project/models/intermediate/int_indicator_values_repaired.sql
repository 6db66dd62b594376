-- int_indicator_values_deduplicated with the export's damage named and, where another document
-- prints the same value undamaged, repaired from it. A value is recovered only from what a source
-- prints, never guessed; what no source shows stays `damaged` (or `unparsed`): none of it is judged.
--   lost_comparator  '? 10' (RAP 2012 lost its ≤/≥): the comparator of a `bound` that another
--                    document prints for the measure with the same number (the same year if any
--                    does, else any year), when those documents agree on one comparator
--   spreadsheet_date '03-avr' (a range 3-4 a spreadsheet made a date): another document's `range`
--                    of the same measure, year and kind with low = the day and high = the month
--   sign_artefact    a negative percent in a row that also prints positives (RAP 2014, P178: -100
--                    then 100 on one line): the same measure, year and kind printed positive elsewhere
--   number_in_text   '98,7 % de l'obligation communautaire': named, stays unparsed
with

deduplicated as (

    select * from {{ ref('int_indicator_values_deduplicated') }}

),

units as (

    select
        unit_raw as unit_key,
        unit_family
    from {{ ref('ref_unit') }}

),

signed as (

    select
        deduplicated.document_id,
        deduplicated.measure_key,
        deduplicated.year,
        deduplicated.value_kind,
        deduplicated.source_line,
        deduplicated.value_numeric,
        deduplicated.value_status in ('numeric', 'annotated') and deduplicated.value_numeric < 0 as is_negative,
        deduplicated.value_status in ('numeric', 'annotated') and deduplicated.value_numeric > 0 as is_positive
    from deduplicated
    inner join units on deduplicated.unit_key = units.unit_key
    where
        units.unit_family = 'percent'
        -- a measure that names a change or a gap is signed by nature (the rule of the GX suite
        -- raw_indicator_cell, orchestration/lib/quality/batches/raw_indicator_cell.sql)
        and not coalesce(
            regexp_matches(
                regexp_replace(lower(trim(deduplicated.measure_label)), '^([0-9]+[.)]|[a-z][)]|-|dont)\s*', ''),
                '^([^:]* : )?((taux|pourcentage)( annuel| moyen)? d(e |''|’))?'
                || '((é|e)volution|croissance|variation|augmentation|(é|e)cart)\b'
            ),
            false
        )

),

sign_rows as (

    select
        *,
        count(*) filter (where is_negative) over (partition by document_id, source_line) as row_negatives,
        count(*) filter (where is_positive) over (partition by document_id, source_line) as row_positives,
        count(distinct document_id) filter (where is_negative) over (partition by measure_key)
            as documents_with_negatives
    from signed

),

sign_artefacts as (

    -- negatives beside positives on one line, at least two of them, and in the only document that
    -- prints this measure negative: a signed share (a TSR, a ROCE) is negative in several vintages
    select
        document_id,
        measure_key,
        year,
        value_kind,
        value_numeric
    from sign_rows
    where is_negative and row_negatives >= 2 and row_positives >= 1 and documents_with_negatives = 1

),

sign_candidates as (

    select
        artefacts.document_id,
        artefacts.measure_key,
        artefacts.year,
        artefacts.value_kind,
        other.document_id as from_document_id,
        row_number() over (
            partition by artefacts.document_id, artefacts.measure_key, artefacts.year, artefacts.value_kind
            order by abs(other.vintage_year - damaged.vintage_year) asc, other.document_recency_rank asc
        ) as preference
    from sign_artefacts as artefacts
    inner join deduplicated as damaged
        on
            artefacts.document_id = damaged.document_id
            and artefacts.measure_key = damaged.measure_key
            and artefacts.year = damaged.year
            and artefacts.value_kind = damaged.value_kind
    inner join deduplicated as other
        on
            artefacts.measure_key = other.measure_key
            and artefacts.year = other.year
            and artefacts.value_kind = other.value_kind
            and artefacts.document_id <> other.document_id
            and other.value_status in ('numeric', 'annotated')
            and other.value_numeric = -artefacts.value_numeric

),

comparator_candidates as (

    select
        damaged.document_id,
        damaged.measure_key,
        damaged.year,
        damaged.value_kind,
        other.document_id as from_document_id,
        other.value_comparator,
        other.year = damaged.year as is_same_year,
        abs(other.vintage_year - damaged.vintage_year) as vintage_distance,
        other.document_recency_rank
    from deduplicated as damaged
    inner join deduplicated as other
        on
            damaged.measure_key = other.measure_key
            and damaged.document_id <> other.document_id
            and other.value_status = 'bound'
            and damaged.value_numeric = other.value_numeric
    where damaged.value_status = 'damaged' and damaged.value_note = 'lost_comparator'

),

comparator_tiers as (

    -- the same year's documents if any prints the bound, else every year's
    select
        *,
        bool_or(is_same_year) over (partition by document_id, measure_key, year, value_kind) as has_same_year
    from comparator_candidates

),

comparator_choices as (

    select
        document_id,
        measure_key,
        year,
        value_kind,
        count(distinct value_comparator) as n_comparators,
        any_value(value_comparator) as value_comparator,
        arg_min(from_document_id, [vintage_distance, document_recency_rank]) as from_document_id
    from comparator_tiers
    where is_same_year = has_same_year
    group by document_id, measure_key, year, value_kind

),

range_candidates as (

    select
        damaged.document_id,
        damaged.measure_key,
        damaged.year,
        damaged.value_kind,
        other.document_id as from_document_id,
        row_number() over (
            partition by damaged.document_id, damaged.measure_key, damaged.year, damaged.value_kind
            order by abs(other.vintage_year - damaged.vintage_year) asc, other.document_recency_rank asc
        ) as preference
    from deduplicated as damaged
    inner join deduplicated as other
        on
            damaged.measure_key = other.measure_key
            and damaged.year = other.year
            and damaged.value_kind = other.value_kind
            and damaged.document_id <> other.document_id
            and other.value_status = 'range'
            and damaged.value_low = other.value_low
            and damaged.value_high = other.value_high
    where damaged.value_status = 'damaged' and damaged.value_note = 'spreadsheet_date'

),

classified as (

    select
        deduplicated.*,
        case
            when deduplicated.value_status = 'damaged' then deduplicated.value_note
            when sign_artefacts.document_id is not null then 'sign_artefact'
            when deduplicated.value_status = 'unparsed' and deduplicated.value_note = 'number_in_text'
                then 'number_in_text'
        end as value_defect,
        case
            when comparator_choices.n_comparators = 1 then 'comparator_from_other_document'
            when range_candidates.document_id is not null then 'range_from_other_document'
            when sign_candidates.document_id is not null then 'sign_from_other_document'
        end as recovery_rule,
        case when comparator_choices.n_comparators = 1 then comparator_choices.value_comparator end
            as recovered_comparator,
        case
            when comparator_choices.n_comparators = 1 then comparator_choices.from_document_id
            else coalesce(range_candidates.from_document_id, sign_candidates.from_document_id)
        end as recovered_from_document_id
    from deduplicated
    left join sign_artefacts
        on
            deduplicated.document_id = sign_artefacts.document_id
            and deduplicated.measure_key = sign_artefacts.measure_key
            and deduplicated.year = sign_artefacts.year
            and deduplicated.value_kind = sign_artefacts.value_kind
    left join comparator_choices
        on
            deduplicated.document_id = comparator_choices.document_id
            and deduplicated.measure_key = comparator_choices.measure_key
            and deduplicated.year = comparator_choices.year
            and deduplicated.value_kind = comparator_choices.value_kind
    left join range_candidates
        on
            deduplicated.document_id = range_candidates.document_id
            and deduplicated.measure_key = range_candidates.measure_key
            and deduplicated.year = range_candidates.year
            and deduplicated.value_kind = range_candidates.value_kind
            and range_candidates.preference = 1
    left join sign_candidates
        on
            deduplicated.document_id = sign_candidates.document_id
            and deduplicated.measure_key = sign_candidates.measure_key
            and deduplicated.year = sign_candidates.year
            and deduplicated.value_kind = sign_candidates.value_kind
            and sign_candidates.preference = 1

),

final as (

    select
        * exclude (recovered_comparator) replace (
            case
                when recovery_rule = 'comparator_from_other_document' then 'bound'
                when recovery_rule = 'range_from_other_document' then 'range'
                when value_defect = 'sign_artefact' and recovery_rule is null then 'damaged'
                else value_status
            end as value_status,
            case
                when recovery_rule = 'sign_from_other_document' then -value_numeric
                else value_numeric
            end as value_numeric,
            coalesce(recovered_comparator, value_comparator) as value_comparator,
            case
                when recovery_rule in ('comparator_from_other_document', 'range_from_other_document') then null
                when value_defect = 'sign_artefact' and recovery_rule is null then 'sign_artefact'
                else value_note
            end as value_note
        )
    from classified

)

select * from final
