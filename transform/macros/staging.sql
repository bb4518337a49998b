{#- Staging from the raw tables the loaders write, the same on DuckDB and PostgreSQL.

    The loaders name columns differently (target-duckdb: firstname, target-postgres:
    first_name), so columns are found by their name without case and underscores. A column a
    stream does not send (yet) is a typed null, and a stream the account lacks (no raw table)
    gives an empty staging model, so one missing feature never breaks the build. -#}

{% macro column_key(name) -%}
    {{ return(name | lower | replace('_', '')) }}
{%- endmacro %}

{% macro raw_columns(relation) %}
    {#- normalised name -> column name as the loader wrote it -#}
    {% set found = {} %}
    {% if execute and relation is not none %}
        {% for column in adapter.get_columns_in_relation(relation) %}
            {% do found.update({column_key(column.name): column.name}) %}
        {% endfor %}
    {% endif %}
    {{ return(found) }}
{% endmacro %}

{% macro raw_relation(table) %}
    {#- The raw table, or none when the loader never wrote it. -#}
    {% set rel = source('activecampaign', table) %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {{ return(adapter.get_relation(database=rel.database, schema=rel.schema, identifier=rel.identifier)) }}
{% endmacro %}

{% macro typed(type) -%}
    {%- if type == 'id' -%}{{ dbt.type_bigint() }}
    {%- elif type == 'int' -%}{{ dbt.type_bigint() }}
    {%- elif type == 'ts' -%}{{ dbt.type_timestamp() }}
    {%- elif type == 'bool' -%}boolean
    {%- elif type == 'num' -%}{{ dbt.type_numeric() }}
    {%- else -%}{{ dbt.type_string() }}
    {%- endif -%}
{%- endmacro %}

{% macro stage(table, key, columns) %}
{#- One row per `key` (the newest load of it), live rows only: a row whose newest version
    carries `_sdc_deleted_at` is gone. `columns` maps each output name (snake_case) to
    (raw name, type), type one of id, int, ts, bool, num, text. -#}
{%- set rel = raw_relation(table) -%}
{%- set cols = raw_columns(rel) -%}
{%- set q = adapter.quote -%}
{%- if rel is none %}
select
    {%- for name, spec in columns.items() %}
    cast(null as {{ typed(spec[1]) }}) as {{ q(name) }}{{ "," if not loop.last }}
    {%- endfor %}
where 1 = 0
{%- else %}
with newest as (
    select
        *,
        row_number() over (
            partition by {{ q(cols[column_key(key)]) }}
            order by {{ q(cols['sdcbatchedat']) if 'sdcbatchedat' in cols else q(cols[column_key(key)]) }} desc
        ) as _newest
    from {{ rel }}
)
select
    {%- for name, spec in columns.items() %}
    {%- set raw = column_key(spec[0]) %}
    {%- if raw in cols %}
    cast({{ q(cols[raw]) }} as {{ typed(spec[1]) }}) as {{ q(name) }}{{ "," if not loop.last }}
    {%- else %}
    cast(null as {{ typed(spec[1]) }}) as {{ q(name) }}{{ "," if not loop.last }}
    {%- endif %}
    {%- endfor %}
from newest
where _newest = 1
    {%- if 'sdcdeletedat' in cols %}
    and {{ q(cols['sdcdeletedat']) }} is null
    {%- endif %}
{%- endif %}
{% endmacro %}
