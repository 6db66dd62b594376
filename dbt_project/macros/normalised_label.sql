{% macro normalised_label(column) -%}
    {#- A label compared across vintages: lower case, accents and the leading position ('1. ',
        '2 - ') removed, every run of non-alphanumerics one space. -#}
    trim(regexp_replace(
        regexp_replace(strip_accents(lower({{ column }})), '^\s*[0-9]+\s*[.)–-]\s*', ''),
        '[^a-z0-9]+', ' ', 'g'
    ))
{%- endmacro %}

{% macro normalised_unit(column) -%}
    {#- A unit compared across vintages: lower case, accents and every space removed. -#}
    regexp_replace(strip_accents(lower(coalesce({{ column }}, ''))), '\s+', '', 'g')
{%- endmacro %}
