{#- Units (sectors, field offices) whose allocation weights do not add up to 1. -#}
{% test allocation_weights_sum_to_one(model, unit_column, weight_column='allocation_weight') %}
select {{ unit_column }}, sum({{ weight_column }}) as total_weight
from {{ model }}
group by {{ unit_column }}
having abs(sum({{ weight_column }}) - 1) > 1e-9
{% endtest %}
