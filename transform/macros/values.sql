{#- Cross-database value conversions (DuckDB and PostgreSQL): a bad value becomes null
    instead of failing the build, since custom field values are free text in the API. -#}

{% macro safe_date(expr) %}{{ return(adapter.dispatch('safe_date', 'activecampaign')(expr)) }}{% endmacro %}
{% macro duckdb__safe_date(expr) %}try_cast(left({{ expr }}, 10) as date){% endmacro %}
{% macro default__safe_date(expr) -%}
    case when {{ expr }} ~ '^\d{4}-\d{2}-\d{2}' then cast(left({{ expr }}, 10) as date) end
{%- endmacro %}

{% macro safe_timestamp(expr) %}{{ return(adapter.dispatch('safe_timestamp', 'activecampaign')(expr)) }}{% endmacro %}
{% macro duckdb__safe_timestamp(expr) %}try_cast({{ expr }} as timestamp){% endmacro %}
{% macro default__safe_timestamp(expr) -%}
    case when {{ expr }} ~ '^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([+-]\d{2}(:?\d{2})?|Z)?$'
        then cast({{ expr }} as timestamp) end
{%- endmacro %}

{% macro safe_number(expr) %}{{ return(adapter.dispatch('safe_number', 'activecampaign')(expr)) }}{% endmacro %}
{% macro duckdb__safe_number(expr) %}try_cast({{ expr }} as double){% endmacro %}
{% macro default__safe_number(expr) -%}
    case when {{ expr }} ~ '^\s*-?\d+(\.\d+)?\s*$' then cast({{ expr }} as double precision) end
{%- endmacro %}

{#- ActiveCampaign stores several choices as "||a||b||": shown as "a, b". -#}
{% macro choices(expr) -%}
    nullif(replace(regexp_replace({{ expr }}, '^\|+|\|+$', '', 'g'), '||', ', '), '')
{%- endmacro %}

{#- Deal and account custom field values are JSON text (a stream map in meltano.yml):
    a string, a number or a list; shown as plain text, a list as "a, b". -#}
{% macro json_text(expr) %}{{ return(adapter.dispatch('json_text', 'activecampaign')(expr)) }}{% endmacro %}
{% macro duckdb__json_text(expr) -%}
    case
        when not json_valid({{ expr }}) then {{ expr }}
        when left(trim({{ expr }}), 1) = '[' then array_to_string(json_extract_string({{ expr }}, '$[*]'), ', ')
        else json_extract_string({{ expr }}, '$')
    end
{%- endmacro %}
{% macro default__json_text(expr) -%}
    case
        when left(trim({{ expr }}), 1) = '['
            then (select string_agg(e, ', ') from jsonb_array_elements_text(cast({{ expr }} as jsonb)) as e)
        when left(trim({{ expr }}), 1) = '"' then cast({{ expr }} as jsonb) #>> '{}'
        else {{ expr }}
    end
{%- endmacro %}

{#- Sorted, comma-separated list of distinct values (tag names, list names). -#}
{% macro name_list(expr) -%}
    string_agg(distinct {{ expr }}, ', ' order by {{ expr }})
{%- endmacro %}
