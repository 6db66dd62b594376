-- Fails (severity error) when a source prints a unit that neither the steward seed ref_unit nor a
-- unit rule (ref_unit_rule) maps, and the raw suite's quarantine rule unit_mapped did not hold its
-- cells (a new unit is held and listed there, never blocking):
-- add the unit's key (the unit_key listed: case-folded, whitespace collapsed, no space around '/')
-- to seeds/ref_unit.csv with its canonical unit and family. The seed's unit_raw holds that key, so
-- 'Nombre', 'nombre' and 'NOMBRE' meet one row. The empty unit is the seed row whose unit_raw is
-- empty (null), hence the null-safe join.
{{ config(severity='error') }}

with

cells as (

    select distinct
        unit_key,
        unit_raw
    from {{ ref('stg_raw__indicator_cells') }}
    where coalesce(hold_rules not like '%unit_mapped%', true)

),

units as (

    select
        unit_key,
        true as is_mapped
    from {{ ref('int_units_mapped') }}
    where unit is not null

)

select
    cells.unit_raw,
    cells.unit_key
from cells
left join units
    on cells.unit_key is not distinct from units.unit_key
where units.is_mapped is null
