{% macro label_rule_hits(label_column, rules_relation) -%}
    {#- The rule_id of every rule of `rules_relation` (ref_direction_default) whose label_pattern
        matches `label_column`, as a list. The patterns are read from the seed when the model runs
        and written into the SQL as constants: DuckDB compiles a constant pattern once, a pattern
        read from a column once per row (a hundred times slower: 1.4 s for 4,600 measures). At
        parse time (execute is false), and when sqlfluff lints against an empty scratch warehouse
        (var `lint_without_seeds`, set in .sqlfluff), the list is empty. -#}
    {%- if execute and not var('lint_without_seeds', false) -%}
        {%- set rules = run_query(
            "select rule_id, label_pattern from " ~ rules_relation
            ~ " where label_pattern is not null order by priority, rule_id"
        ) -%}
    {%- endif -%}
    {%- if rules is defined and rules.rows | length > 0 -%}
        list_filter([
        {%- for rule in rules.rows %}
            case
                when regexp_matches({{ label_column }}, '{{ rule["label_pattern"] | replace("'", "''") }}')
                    then '{{ rule["rule_id"] | replace("'", "''") }}'
            end{{ "," if not loop.last }}
        {%- endfor %}
        ], lambda rule_id: rule_id is not null)
    {%- else -%}
        cast([] as varchar [])
    {%- endif -%}
{%- endmacro %}
