{% macro most_recent_print(partition_by, first=[], within_document=[], relation=none) -%}
    {#- Keeps one row per partition: the one the most recently published document prints
        (document_recency_rank 1), at its first line and column. `first` orders before the
        recency (a row with a label before one without), `within_document` after it (the programme
        row before the mission row repeating it); `relation` qualifies the columns in a join. -#}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set order = first
        + [prefix ~ 'document_recency_rank asc']
        + within_document
        + [prefix ~ 'source_line asc', prefix ~ 'column_position asc'] -%}
    qualify row_number() over (partition by {{ partition_by }} order by {{ order | join(', ') }}) = 1
{%- endmacro %}
