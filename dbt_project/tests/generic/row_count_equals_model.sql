{% test row_count_equals_model(model, compare_model, compare_where='true') %}
{#- The model has exactly as many rows as compare_model (optionally filtered). -#}
with a as (select count(*) as n from {{ model }}),
b as (select count(*) as n from {{ compare_model }} where {{ compare_where }})
select a.n as model_rows, b.n as compare_rows
from a cross join b
where a.n <> b.n
{% endtest %}
