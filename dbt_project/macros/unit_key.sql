{% macro unit_key(column) -%}
    {#- The key of a printed unit into ref_unit.unit_raw: case-folded, whitespace collapsed and
        trimmed, no space around '/' ('Nombre', ' NOMBRE ' -> 'nombre'; '€ / m2' -> '€/m2'); null
        when empty. Written once, here: staging uses it, and the raw suite's batch, which runs
        before dbt, renders this file with plain Jinja2 (orchestration/lib/quality/suites.py), so
        the macro reads nothing but its argument. -#}
    nullif(lower(regexp_replace(trim(regexp_replace({{ column }}, '\s+', ' ', 'g')), ' ?/ ?', '/', 'g')), '')
{%- endmacro %}
