{% macro report_row_count() %}
    {#- A post-hook on every model and seed (dbt_project.yml): logs a table's row count as dbt builds it, as
    "crowdout row count: <unique_id> <rows>". Dagster's dbt step (orchestration/defs/dbt.py) puts it on the
    node's materialization as dbt goes, since DuckDB lets no other process read the warehouse until dbt
    exits. Views are left out: counting one runs its whole query again, which doubled dbt's time in the
    cold-refresh benchmark, and a view holds no rows of its own. It renders no SQL of its own. -#}
    {%- if execute and model.config.materialized != 'view' -%}
        {%- set counted = run_query("select count(*) from " ~ this) -%}
        {{- log("crowdout row count: " ~ model.unique_id ~ " " ~ counted.columns[0].values()[0], info=True) -}}
    {%- endif -%}
{% endmacro %}
