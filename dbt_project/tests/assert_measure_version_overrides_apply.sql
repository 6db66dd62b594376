-- Every row of ref_measure_version_override applies where it can: when the documents loaded print
-- its key in its vintage and in an earlier one (a step the row decides), the row takes effect there
-- (a typo in the vintage or the action would silently do nothing). A row whose documents are not
-- loaded (a run on raw/pap alone) has no step to decide. One row per seed row that should apply.
select overrides.*
from {{ ref('ref_measure_version_override') }} as overrides
where
    exists (
        select 1
        from {{ ref('int_measure_keys') }} as keys
        where keys.base_measure_key = overrides.measure_key and keys.vintage_year = overrides.vintage_year
    )
    and exists (
        select 1
        from {{ ref('int_measure_keys') }} as keys
        where keys.base_measure_key = overrides.measure_key and keys.vintage_year < overrides.vintage_year
    )
    and not exists (
        select 1
        from {{ ref('int_measure_keys') }} as keys
        where
            keys.base_measure_key = overrides.measure_key
            and keys.vintage_year = overrides.vintage_year
            and keys.version_override_action = overrides.action
    )
