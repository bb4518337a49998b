{#- One row per live account with its owner, contact and deal counts, and one column per
    account custom field. -#}
{%- set label = "coalesce(nullif(personalization, ''), field_label)" -%}
{%- set reserved = [
    'entity_id', 'account_id', 'account_name', 'account_url', 'owner_id', 'owner_name',
    'contact_count', 'deal_count', 'open_deal_count', 'open_deal_value', 'created_at',
    'updated_at',
] -%}

with contact_counts as (
    select ac.account_id, count(distinct ac.contact_id) as contact_count
    from {{ ref('stg_account_contacts') }} as ac
    inner join {{ ref('stg_contacts') }} as c on c.contact_id = ac.contact_id
    group by ac.account_id
),

deal_counts as (
    select
        account_id,
        count(*) as deal_count,
        sum(case when status_code = 0 then 1 else 0 end) as open_deal_count,
        sum(case when status_code = 0 then value_cents else 0 end) / 100.0 as open_deal_value
    from {{ ref('stg_deals') }}
    where account_id is not null
    group by account_id
),

custom_fields as (
    {{ pivot_custom_fields(
        'stg_account_custom_field_data', 'stg_account_custom_field_meta', 'account_id', label,
        value_sql=json_text('raw_value'), reserved=reserved) }}
)

select
    a.account_id,
    a.account_name,
    a.account_url,
    a.owner_id,
    nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), '') as owner_name,
    coalesce(cc.contact_count, 0) as contact_count,
    coalesce(dc.deal_count, 0) as deal_count,
    coalesce(dc.open_deal_count, 0) as open_deal_count,
    coalesce(dc.open_deal_value, 0) as open_deal_value,
    a.created_at,
    a.updated_at
    {%- for column in custom_field_columns('stg_account_custom_field_meta', label, reserved) %},
    cf.{{ column }}
    {%- endfor %}
from {{ ref('stg_accounts') }} as a
left join {{ ref('stg_users') }} as u on u.user_id = a.owner_id
left join contact_counts as cc on cc.account_id = a.account_id
left join deal_counts as dc on dc.account_id = a.account_id
left join custom_fields as cf on cf.entity_id = a.account_id
