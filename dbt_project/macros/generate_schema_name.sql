{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- The warehouse contract names the schemas exactly (staging, intermediate, marts, reference):
        use the custom schema as-is, never prefixed with the target schema (no `main_marts`). -#}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
