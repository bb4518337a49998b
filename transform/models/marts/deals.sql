{#- One row per live deal with its pipeline, stage, owner, account and contact, and one
    column per deal custom field (named after its personalization tag, else its label). -#}
{%- set label = "coalesce(nullif(personalization, ''), field_label)" -%}
{%- set reserved = [
    'entity_id', 'deal_id', 'title', 'value', 'currency', 'status', 'status_code', 'pipeline_id',
    'pipeline_name', 'stage_id', 'stage_name', 'owner_id', 'owner_name', 'owner_email',
    'account_id', 'account_name', 'contact_id', 'contact_email', 'created_at', 'updated_at',
] -%}

with custom_fields as (
    {{ pivot_custom_fields(
        'stg_deal_custom_field_data', 'stg_deal_custom_field_meta', 'deal_id', label,
        value_sql=json_text('raw_value'), reserved=reserved) }}
)

select
    d.deal_id,
    d.title,
    d.value_cents / 100.0 as value,
    d.currency,
    case d.status_code when 0 then 'open' when 1 then 'won' when 2 then 'lost' else 'unknown' end
        as status,
    d.status_code,
    d.pipeline_id,
    p.pipeline_name,
    d.stage_id,
    s.stage_name,
    d.owner_id,
    nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), '') as owner_name,
    u.email as owner_email,
    d.account_id,
    a.account_name,
    d.contact_id,
    c.email as contact_email,
    d.created_at,
    d.updated_at
    {%- for column in custom_field_columns('stg_deal_custom_field_meta', label, reserved) %},
    cf.{{ column }}
    {%- endfor %}
from {{ ref('stg_deals') }} as d
left join {{ ref('stg_deal_groups') }} as p on p.pipeline_id = d.pipeline_id
left join {{ ref('stg_deal_stages') }} as s on s.stage_id = d.stage_id
left join {{ ref('stg_users') }} as u on u.user_id = d.owner_id
left join {{ ref('stg_accounts') }} as a on a.account_id = d.account_id
left join {{ ref('stg_contacts') }} as c on c.contact_id = d.contact_id
left join custom_fields as cf on cf.entity_id = d.deal_id
