-- Every row of ref_measure_version_override applies: its key steps into a document of its vintage
-- from an earlier document (a row naming the key's first vintage, or a vintage where the key is
-- absent, would silently do nothing). One row per seed row that applies nowhere.
select overrides.*
from {{ ref('ref_measure_version_override') }} as overrides
where not exists (
        select 1
        from {{ ref('int_measure_keys') }} as keys
        where
            keys.base_measure_key = overrides.measure_key
            and keys.vintage_year = overrides.vintage_year
            and keys.version_override_action = overrides.action
    )
