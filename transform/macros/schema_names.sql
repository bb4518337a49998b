{#- Models land in the schema their folder names (staging, analytics, audiences), not in
    dbt's default "<target schema>_<custom schema>": the reverse sync and people look them up
    by those plain names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
