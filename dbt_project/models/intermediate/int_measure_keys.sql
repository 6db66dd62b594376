-- The canonical measure of every source row (document x natural key), and how it was decided.
-- A row with a sub-indicator id is that id (the contract). A document that prints no id at all
-- (RAP 2015-2016 open data, Farandole pages) is matched to the id-bearing measures of the other
-- vintages: same owning programme and indicator number, then the normalised label (+ the unit).
--   exact_label       : same label, same unit, in the nearest vintage that has one;
--   approximate_label : failing that, the most similar label in the nearest vintage that has one:
--                       score = mean of the word-set Jaccard index and the containment of the
--                       smaller word set (a truncated label still matches), >= 0.6; a different
--                       unit costs 0.05; equal scores go to the same position in the table;
--   ambiguous         : the best score is shared by several ids, or another row of the same
--                       document claims the same id with a better match: the row keeps its key;
--   unmatched         : nothing similar: the row keeps its key.
-- Stewards decide above every rule: ref_indicator_crosswalk (scoped to its documents) first, then
-- ref_measure_match_override (an empty to_measure_key keeps the row's own key).
-- Deterministic: every ranking ends on ids and vintages.
with

cells as (

    select * from {{ ref('stg_raw__indicator_cells') }}

),

documents as (

    select
        document_id,
        vintage_year
    from {{ ref('stg_raw__source_documents') }}

),

crosswalk as (

    select * from {{ ref('ref_indicator_crosswalk') }}

),

overrides as (

    select * from {{ ref('ref_measure_match_override') }}

),

units as (

    select * from {{ ref('ref_unit') }}

),

version_overrides as (

    select * from {{ ref('ref_measure_version_override') }}

),

source_rows as (

    -- one row per document and natural key (a mission row repeating a programme row folds in)
    select
        cells.document_id,
        documents.vintage_year,
        cells.source_measure_key,
        cells.sub_indicator_id,
        cells.owner_programme_code as programme_code,
        cells.indicator_number,
        cells.measure_position,
        cells.measure_label,
        cells.unit_raw,
        cells.unit_key,
        {{ normalised_label('cells.measure_label') }} as label_key,
        {{ normalised_unit('cells.unit_raw') }} as unit_norm,
        cells.source_file,
        cells.source_line
    from cells
    inner join documents
        on cells.document_id = documents.document_id
    qualify row_number() over (
            partition by cells.document_id, cells.source_measure_key
            order by cells.is_programme_row desc, cells.source_line asc
        ) = 1

),

id_documents as (

    select distinct document_id
    from source_rows
    where sub_indicator_id is not null

),

to_match as (

    select source_rows.*
    from source_rows
    where source_rows.document_id not in (select id_documents.document_id from id_documents)

),

candidates as (

    select
        document_id,
        vintage_year,
        sub_indicator_id,
        programme_code,
        indicator_number,
        measure_position,
        label_key,
        unit_norm
    from source_rows
    where sub_indicator_id is not null

),

match_labels as (

    -- a score depends on the two labels and units alone: it is computed once per distinct pair of
    -- labels of an indicator, not once per pair of rows (vintages repeat the same labels)
    select distinct
        programme_code,
        indicator_number,
        label_key,
        unit_norm,
        list_distinct(string_split(label_key, ' ')) as words
    from to_match

),

candidate_labels as (

    select distinct
        programme_code,
        indicator_number,
        label_key,
        unit_norm,
        list_distinct(string_split(label_key, ' ')) as words
    from candidates

),

label_scores as (

    select
        match_labels.programme_code,
        match_labels.indicator_number,
        match_labels.label_key,
        match_labels.unit_norm,
        candidate_labels.label_key as candidate_label_key,
        candidate_labels.unit_norm as candidate_unit_norm,
        round(
            case
                when match_labels.label_key = candidate_labels.label_key then 1.0
                else
                    0.5 * len(list_intersect(match_labels.words, candidate_labels.words))
                    / len(list_distinct(list_concat(match_labels.words, candidate_labels.words)))
                    + 0.5 * len(list_intersect(match_labels.words, candidate_labels.words))
                    / least(len(match_labels.words), len(candidate_labels.words))
            end
            - case when match_labels.unit_norm = candidate_labels.unit_norm then 0 else 0.05 end,
            4
        ) as score
    from match_labels
    inner join candidate_labels
        on
            match_labels.programme_code = candidate_labels.programme_code
            and match_labels.indicator_number = candidate_labels.indicator_number

),

qualified as (

    -- the row pairs whose labels score 0.6 or more
    select
        to_match.document_id,
        to_match.source_measure_key,
        candidates.sub_indicator_id,
        candidates.document_id as matched_document_id,
        abs(candidates.vintage_year - to_match.vintage_year) as vintage_distance,
        candidates.vintage_year as matched_vintage_year,
        to_match.measure_position = candidates.measure_position as same_position,
        label_scores.score,
        case
            when to_match.label_key = candidates.label_key and to_match.unit_norm = candidates.unit_norm
                then 'exact_label'
            else 'approximate_label'
        end as label_method
    from to_match
    inner join label_scores
        on
            to_match.programme_code = label_scores.programme_code
            and to_match.indicator_number = label_scores.indicator_number
            and to_match.label_key = label_scores.label_key
            and to_match.unit_norm = label_scores.unit_norm
    inner join candidates
        on
            label_scores.programme_code = candidates.programme_code
            and label_scores.indicator_number = candidates.indicator_number
            and label_scores.candidate_label_key = candidates.label_key
            and label_scores.candidate_unit_norm = candidates.unit_norm
    where label_scores.score >= 0.6

),

best_level as (

    -- the best (method, nearest vintage, score) per source row; ties across ids are ambiguous
    select
        qualified.*,
        dense_rank() over (
            partition by qualified.document_id, qualified.source_measure_key
            order by
                qualified.label_method = 'exact_label' desc,
                qualified.vintage_distance asc,
                qualified.score desc,
                qualified.same_position desc
        ) as level_rank
    from qualified

),

best as (

    select
        document_id,
        source_measure_key,
        min(label_method) as label_method,
        min(score) as score,
        min(vintage_distance) as vintage_distance,
        count(distinct sub_indicator_id) as n_ids,
        min(sub_indicator_id) as sub_indicator_id,
        -- the latest vintage printing the id at that level, for the review file
        max(matched_document_id) as matched_document_id
    from best_level
    where level_rank = 1
    group by document_id, source_measure_key

),

claimed as (

    -- two rows of one document may not become one measure: the best claim keeps the id
    select
        best.*,
        row_number() over (
            partition by best.document_id, best.sub_indicator_id
            order by best.label_method = 'exact_label' desc, best.score desc, best.source_measure_key asc
        ) as claim_rank
    from best
    where best.n_ids = 1

),

automatic as (

    select
        to_match.document_id,
        to_match.source_measure_key,
        case
            when claimed.claim_rank = 1 then cast(claimed.sub_indicator_id as varchar)
        end as matched_measure_key,
        case
            when claimed.claim_rank = 1 then claimed.label_method
            when best.source_measure_key is not null then 'ambiguous'
            else 'unmatched'
        end as match_method,
        best.score as match_score,
        best.matched_document_id,
        best.n_ids as n_candidate_ids,
        case
            when best.n_ids > 1 then 'several ids share the best score'
            when claimed.claim_rank > 1 then 'another row of the document claims the same id with a better match'
        end as ambiguity_reason,
        case when best.n_ids = 1 then cast(best.sub_indicator_id as varchar) end as best_candidate_key
    from to_match
    left join best
        on
            to_match.document_id = best.document_id
            and to_match.source_measure_key = best.source_measure_key
    left join claimed
        on
            best.document_id = claimed.document_id
            and best.source_measure_key = claimed.source_measure_key

),

matched as (

    select
        source_rows.document_id,
        source_rows.source_measure_key,
        source_rows.vintage_year,
        source_rows.sub_indicator_id,
        source_rows.programme_code,
        source_rows.indicator_number,
        source_rows.measure_label,
        source_rows.unit_raw,
        source_rows.source_file,
        source_rows.source_line,
        coalesce(
            crosswalk.to_measure_key,
            nullif(overrides.to_measure_key, ''),
            case when overrides.document_id is null then automatic.matched_measure_key end,
            source_rows.source_measure_key
        ) as measure_key,
        case
            when crosswalk.to_measure_key is not null then 'crosswalk'
            when overrides.document_id is not null then 'steward_override'
            when source_rows.sub_indicator_id is not null then 'sub_indicator_id'
            -- a row without id in a file that has ids: its own key (the contract)
            else coalesce(automatic.match_method, 'own_key')
        end as match_method,
        automatic.match_method as automatic_match_method,
        automatic.match_score,
        automatic.matched_document_id,
        automatic.best_candidate_key,
        automatic.n_candidate_ids,
        automatic.ambiguity_reason
    from source_rows
    left join crosswalk
        on
            source_rows.source_measure_key = crosswalk.from_measure_key
            and (crosswalk.from_document_id is null or source_rows.document_id = crosswalk.from_document_id)
    left join overrides
        on
            source_rows.document_id = overrides.document_id
            and source_rows.source_measure_key = overrides.source_measure_key
    left join automatic
        on
            source_rows.document_id = automatic.document_id
            and source_rows.source_measure_key = automatic.source_measure_key

),

-- One key, one measure: a sub-indicator id is sometimes reused for another measure (3538, a
-- vehicle availability rate in the RAP 2012-2017, is a delay in PLF 2025). Between two consecutive
-- documents in which a key appears (by vintage, then document), the key starts a new version when
--   unit_change  : the unit family changes (units that say nothing, 'sans unité' or none printed,
--                  are no evidence; a one-document flip that the next document undoes, A -> B -> A,
--                  is a printing slip, not a new measure);
--   label_change : the labels score below 0.34 (the word-set score of the matching above: mean of
--                  Jaccard and containment; a rewording scores 0.34-0.5, another measure under 0.34);
--   steward_split: ref_measure_version_override says so ('split'); a 'join' row cancels a split.
-- The first version keeps the key; a later one is '<key>@<its first vintage year>'.
appearances as (

    -- one row per key and document it appears in, the row that speaks for it: its id row, then the
    -- row of its own key, then the first line
    select
        matched.measure_key as base_measure_key,
        matched.document_id,
        matched.vintage_year,
        matched.measure_label,
        matched.unit_raw,
        source_rows.label_key,
        case when units.unit not in ('none', 'unspecified', 'gap') then units.unit_family end as unit_family
    from matched
    inner join source_rows
        on
            matched.document_id = source_rows.document_id
            and matched.source_measure_key = source_rows.source_measure_key
    left join units
        on source_rows.unit_key is not distinct from units.unit_raw
    qualify row_number() over (
            partition by matched.measure_key, matched.document_id
            order by
                matched.sub_indicator_id is not null desc,
                matched.source_measure_key = matched.measure_key desc,
                matched.source_line asc,
                matched.source_measure_key asc
        ) = 1

),

sequenced as (

    select
        appearances.*,
        list_distinct(string_split(appearances.label_key, ' ')) as words,
        lag(appearances.document_id) over by_vintage as previous_document_id,
        lag(appearances.measure_label) over by_vintage as previous_label,
        lag(appearances.unit_raw) over by_vintage as previous_unit_raw,
        lag(appearances.label_key) over by_vintage as previous_label_key,
        lag(list_distinct(string_split(appearances.label_key, ' '))) over by_vintage as previous_words,
        last_value(appearances.unit_family ignore nulls) over (
            partition by appearances.base_measure_key
            order by appearances.vintage_year asc, appearances.document_id asc
            rows between unbounded preceding and 1 preceding
        ) as printed_previous_unit_family,
        first_value(appearances.unit_family ignore nulls) over (
            partition by appearances.base_measure_key
            order by appearances.vintage_year asc, appearances.document_id asc
            rows between 1 following and unbounded following
        ) as printed_next_unit_family,
        -- a steward's row names a vintage: it applies to the key's first document of that vintage
        row_number() over (
            partition by appearances.base_measure_key, appearances.vintage_year
            order by appearances.document_id asc
        ) as rank_in_vintage
    from appearances
    window by_vintage as (
        partition by appearances.base_measure_key
        order by appearances.vintage_year asc, appearances.document_id asc
    )

),

slips_removed as (

    -- a family that one document prints between two that agree (A -> B -> A) is a printing slip:
    -- no evidence, neither into that document nor out of it
    select
        sequenced.*,
        case
            when
                sequenced.unit_family <> sequenced.printed_previous_unit_family
                and sequenced.printed_next_unit_family = sequenced.printed_previous_unit_family
                then null
            else sequenced.unit_family
        end as kept_unit_family
    from sequenced

),

families as (

    select
        slips_removed.*,
        last_value(slips_removed.kept_unit_family ignore nulls) over (
            partition by slips_removed.base_measure_key
            order by slips_removed.vintage_year asc, slips_removed.document_id asc
            rows between unbounded preceding and 1 preceding
        ) as previous_unit_family
    from slips_removed

),

steps as (

    select
        families.*,
        case
            when families.previous_label_key is null then null
            when families.label_key = families.previous_label_key then 1.0
            else round(
                    0.5 * len(list_intersect(families.words, families.previous_words))
                    / len(list_distinct(list_concat(families.words, families.previous_words)))
                    + 0.5 * len(list_intersect(families.words, families.previous_words))
                    / least(len(families.words), len(families.previous_words)),
                    4
                )
        end as label_score
    from families

),

decided as (

    select
        steps.*,
        case
            when steps.previous_document_id is null then null
            when steps.kept_unit_family <> steps.previous_unit_family then 'unit_change'
            when steps.label_score < 0.34 then 'label_change'
        end as automatic_reason,
        version_overrides.action as override_action
    from steps
    left join version_overrides
        on
            steps.base_measure_key = version_overrides.measure_key
            and steps.vintage_year = version_overrides.vintage_year
            and steps.rank_in_vintage = 1
            and steps.previous_document_id is not null

),

started as (

    select
        decided.*,
        case
            when decided.override_action = 'join' then null
            when decided.override_action = 'split' then 'steward_split'
            else decided.automatic_reason
        end as start_reason
    from decided

),

numbered as (

    select
        started.*,
        cast(1 + count(started.start_reason) over (
            partition by started.base_measure_key
            order by started.vintage_year asc, started.document_id asc
            rows between unbounded preceding and current row
        ) as integer) as version_number
    from started

),

versions as (

    select
        numbered.*,
        min(numbered.vintage_year) over (
            partition by numbered.base_measure_key, numbered.version_number
        ) as version_first_vintage_year,
        max(numbered.start_reason) over (
            partition by numbered.base_measure_key, numbered.version_number
        ) as version_reason
    from numbered

),

version_keys as (

    select
        versions.*,
        case
            when versions.version_number = 1 then versions.base_measure_key
            else
                versions.base_measure_key || '@' || versions.version_first_vintage_year
                -- two versions starting in one vintage year (two of its documents): the second is '-2'
                || case
                    when dense_rank() over (
                            partition by versions.base_measure_key, versions.version_first_vintage_year
                            order by versions.version_number
                        ) > 1
                        then '-' || dense_rank() over (
                                partition by versions.base_measure_key, versions.version_first_vintage_year
                                order by versions.version_number
                            )
                    else ''
                end
        end as versioned_key
    from versions

),

final as (

    select
        matched.document_id,
        matched.source_measure_key,
        matched.vintage_year,
        matched.sub_indicator_id,
        matched.programme_code,
        matched.indicator_number,
        matched.measure_label,
        matched.unit_raw,
        matched.source_file,
        matched.source_line,
        version_keys.versioned_key as measure_key,
        matched.measure_key as base_measure_key,
        version_keys.version_number,
        version_keys.version_first_vintage_year,
        version_keys.version_reason,
        matched.match_method,
        matched.automatic_match_method,
        matched.match_score,
        matched.matched_document_id,
        matched.best_candidate_key,
        matched.n_candidate_ids,
        matched.ambiguity_reason,
        -- the evidence of the key's step into this document, for the review file
        version_keys.previous_document_id as version_previous_document_id,
        version_keys.previous_label as version_previous_label,
        version_keys.previous_unit_raw as version_previous_unit_raw,
        version_keys.previous_unit_family as version_previous_unit_family,
        version_keys.measure_label as version_label,
        version_keys.unit_raw as version_unit_raw,
        version_keys.unit_family as version_unit_family,
        version_keys.label_score as version_label_score,
        version_keys.automatic_reason as version_automatic_reason,
        version_keys.override_action as version_override_action,
        version_keys.start_reason as version_start_reason
    from matched
    inner join version_keys
        on
            matched.measure_key = version_keys.base_measure_key
            and matched.document_id = version_keys.document_id

)

select * from final
