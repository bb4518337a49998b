{#- Custom fields as columns. The account decides which fields exist, so the columns are
    read at compile time (run_query on the staged field definitions) and each becomes
    max(case ...) over the entity's values, typed by the field's type. -#}

{% macro field_column_name(label, used) %}
    {#- snake_case of the perstag/label; a clash with a column already used gets a suffix -#}
    {% set base = modules.re.sub('[^a-z0-9]+', '_', (label or 'field') | lower).strip('_') or 'field' %}
    {% if base[0] in '0123456789' %}{% set base = 'field_' ~ base %}{% endif %}
    {% set ns = namespace(name=base, n=1) %}
    {% for _ in range(1000) %}
        {% if ns.name in used %}
            {% set ns.n = ns.n + 1 %}
            {% set ns.name = base ~ '_' ~ ns.n %}
        {% endif %}
    {% endfor %}
    {% do used.append(ns.name) %}
    {{ return(ns.name) }}
{% endmacro %}

{% macro typed_field_value(expr, field_type) %}
    {%- set t = (field_type or '') | lower -%}
    {%- if t == 'date' -%}{{ return(safe_date(expr)) }}
    {%- elif t == 'datetime' -%}{{ return(safe_timestamp(expr)) }}
    {%- elif t in ('number', 'currency') -%}{{ return(safe_number(expr)) }}
    {%- elif t in ('checkbox', 'listbox', 'multiselect') -%}{{ return(choices(expr)) }}
    {%- else -%}{{ return(expr) }}
    {%- endif -%}
{% endmacro %}

{% macro custom_field_definitions(fields_model, label_sql) %}
    {#- [(field_id, label, type)] from a staging model with field_id and field_type; the
        column name comes from `label_sql` (perstag, else title) -#}
    {% set fields = ref(fields_model) %}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set rows = run_query('select field_id, ' ~ label_sql ~ ' as label, field_type from ' ~ fields ~ ' order by field_id') %}
    {{ return(rows.rows) }}
{% endmacro %}

{% macro pivot_custom_fields(values_model, fields_model, entity_col, label_sql, value_sql='value', reserved=[]) %}
{#- One row per entity (`entity_col` of the values model) with one typed column per field:
    select entity_id, <field columns> from <values> group by entity_id -#}
{%- set used = reserved | list -%}
select
    {{ entity_col }} as entity_id
    {%- for field in custom_field_definitions(fields_model, label_sql) %},
    {{ typed_field_value('max(case when field_id = ' ~ field[0] ~ ' then ' ~ value_sql ~ ' end)', field[2]) }}
        as {{ field_column_name(field[1], used) }}
    {%- endfor %}
from {{ ref(values_model) }}
group by {{ entity_col }}
{% endmacro %}

{% macro custom_field_columns(fields_model, label_sql, reserved=[]) %}
    {#- The column names pivot_custom_fields gives, for selecting them by name -#}
    {% set used = reserved | list %}
    {% set names = [] %}
    {% for field in custom_field_definitions(fields_model, label_sql) %}
        {% do names.append(field_column_name(field[1], used)) %}
    {% endfor %}
    {{ return(names) }}
{% endmacro %}
