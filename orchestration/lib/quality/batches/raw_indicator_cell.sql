-- The batch of the GX suite raw_indicator_cell: every source cell as published, one row per cell,
-- with its lineage and the columns the rules read. Not a dbt model: this suite guards the dbt build
-- (an `error` here keeps the previous marts), so it runs before any dbt invocation, on the raw
-- schema alone. The seeds are read as CSV files and the printed unit's key is the dbt macro
-- unit_key (dbt_project/macros/unit_key.sql, which staging uses), so dbt and this batch share them.
-- Placeholders, filled by orchestration/lib/quality/suites.py: {ref_unit}, {ref_unit_scale},
-- {ref_unit_rule} (seed paths), {unit_key} (the macro on c.unit_raw), {target_column_prefix} (dbt var).
with
seeded_units as (
    -- the seed's unit_raw is already the normalised key (a test keeps it so)
    select unit_raw as unit_key, unit, unit_family
    from read_csv({ref_unit}, header = true, all_varchar = true)
),
printed_units as (
    select distinct {unit_key} as unit_key from raw.indicator_cell as c
),
ruled_units as (
    -- a key the seed lacks: the first unit rule whose pattern matches it (as int_units_mapped)
    select p.unit_key, r.unit, r.unit_family
    from printed_units as p
    inner join read_csv({ref_unit_rule}, header = true, all_varchar = true) as r
        on regexp_matches(p.unit_key, r.unit_pattern)
    qualify row_number() over (partition by p.unit_key order by cast(r.priority as integer)) = 1
),
unit_map as (
    select p.unit_key, coalesce(s.unit, r.unit) as unit, coalesce(s.unit_family, r.unit_family) as unit_family
    from printed_units as p
    left join seeded_units as s on p.unit_key is not distinct from s.unit_key
    left join ruled_units as r on p.unit_key = r.unit_key
),
score_scale as (
    select unit, cast(scale_low as double) as low, cast(scale_high as double) as high
    from read_csv({ref_unit_scale}, header = true, all_varchar = true)
),
raw_cells as (
    select
        *,
        coalesce(starts_with(column_header, {target_column_prefix}), false) as is_optional_target_column,
        regexp_replace(lower(trim(measure_label)), '^([0-9]+[.)]|[a-z][)]|-|dont)\s*', '') as lead_label
    from raw.indicator_cell
),
year_columns as (
    -- the document's fixed year columns (the optional RAP target column is not one)
    select document_id, count(distinct column_position) as year_columns_in_document
    from raw_cells
    where not is_optional_target_column
    group by document_id
),
cells as (
    select
        c.document_id, c.source_file, c.source_line, c.column_position, c.column_header,
        c.sector_type as table_level,
        coalesce(cast(c.sub_indicator_id as varchar), c.indicator_code || '#' || cast(c.measure_position as varchar))
            as measure_key,
        c.indicator_code, c.measure_label, c.unit_raw, c.year, c.value_kind, c.value_raw, c.value_status,
        c.is_optional_target_column,
        -- the measure names a change or a gap: 'Évolution du nombre de…', "Taux d'évolution…",
        -- 'Taux (annuel) de croissance…', 'Variation…', 'Augmentation…', 'Écart entre…', "SIC : Taux d'écart
        -- budgétaire agrégé" (after a leading '1.', 'a)', '-' or 'dont'); not an 'écart type'
        coalesce(
            regexp_matches(c.lead_label, '^([^:]* : )?((taux|pourcentage)( annuel| moyen)? d(e |''|’))?((é|e)volution|croissance|variation|augmentation|(é|e)cart)\b')
            and not regexp_matches(c.lead_label, '^(é|e)cart[- ]type'),
            false
        ) as is_signed_change,
        -- a duration parsed from a count or percent cell is not a count or a percent
        case when c.value_status <> 'duration' then c.value_numeric end as number,
        d.vintage_year, u.unit, u.unit_family
    from raw_cells as c
    inner join raw.source_document as d on c.document_id = d.document_id
    left join unit_map as u on {unit_key} is not distinct from u.unit_key
)
select
    cells.document_id, cells.source_file, cells.source_line, cells.column_position, cells.measure_key,
    cells.indicator_code,
    cells.measure_label, cells.unit_raw, cells.column_header, cells.year, cells.value_kind,
    cells.value_raw, cells.value_status, cells.table_level, cells.unit, cells.unit_family,
    -- a percent whose measure names a change or a gap is signed and unbounded above (a growth of
    -- 150 %, a fall of 8 %, an overrun of 228 %): it is held to -100 at least instead of 0-100
    case when cells.unit = 'percent' and not cells.is_signed_change then cells.number end as percent_value,
    case when cells.unit = 'percent' and cells.is_signed_change then cells.number end as percent_change_value,
    case when cells.unit_family = 'count' then cells.number end as count_value,
    case when cells.unit = 'count' then cells.number - floor(cells.number) end as count_fractional_part,
    case when cells.unit_family = 'money' then cells.number end as money_value,
    (cells.number - s.low) / (s.high - s.low) as score_position_in_scale,
    case when not cells.is_optional_target_column then cells.year - cells.vintage_year end as years_after_vintage,
    case when cells.is_optional_target_column then cells.year - cells.vintage_year end
        as target_years_after_vintage,
    -- the row's cells in the document's fixed year columns (a duplicated row has twice as many)
    count(*) filter (where not cells.is_optional_target_column)
        over (partition by cells.document_id, cells.table_level, cells.measure_key) as cells_in_measure_row,
    y.year_columns_in_document
from cells
left join score_scale as s on cells.unit = s.unit
left join year_columns as y on cells.document_id = y.document_id
order by cells.document_id, cells.source_line, cells.column_position
