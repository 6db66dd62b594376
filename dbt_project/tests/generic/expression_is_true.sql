{% test expression_is_true(model, expression, column_name=none, where_clause=none) %}
{#- Every row satisfies the boolean SQL expression (rows where it is false or null fail). -#}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{%- if where_clause is not none %}
  and ({{ where_clause }})
{%- endif %}
{% endtest %}
