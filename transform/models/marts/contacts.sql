{#- One row per live contact: its fields, account, current tags and active lists, and one
    column per custom field (named after its perstag, else its title; typed by field type). -#}
{%- set label = "coalesce(nullif(perstag, ''), title)" -%}
{%- set reserved = [
    'entity_id', 'contact_id', 'email', 'first_name', 'last_name', 'phone', 'organization_name',
    'account_id', 'account_name', 'account_job_title', 'tag_names', 'tag_count', 'list_names',
    'active_list_count', 'activity_count', 'last_activity_at', 'created_at', 'updated_at',
] -%}

with contacts as (
    select * from {{ ref('stg_contacts') }}
),

tags as (
    select
        ct.contact_id,
        {{ name_list('t.tag_name') }} as tag_names,
        count(distinct ct.tag_id) as tag_count
    from {{ ref('stg_contact_tags') }} as ct
    inner join {{ ref('stg_tags') }} as t on t.tag_id = ct.tag_id
    group by ct.contact_id
),

lists as (
    select
        cl.contact_id,
        {{ name_list('l.list_name') }} as list_names,
        count(distinct cl.list_id) as active_list_count
    from {{ ref('stg_contact_lists') }} as cl
    inner join {{ ref('stg_lists') }} as l on l.list_id = cl.list_id
    where cl.status_code = 1
    group by cl.contact_id
),

account_links as (
    select
        contact_id,
        account_id,
        job_title,
        row_number() over (
            partition by contact_id order by updated_at desc nulls last, account_contact_id desc
        ) as link_rank
    from {{ ref('stg_account_contacts') }}
),

activity as (
    select contact_id, count(*) as activity_count, max(happened_at) as last_activity_at
    from {{ ref('stg_activities') }}
    group by contact_id
),

custom_fields as (
    {{ pivot_custom_fields('stg_field_values', 'stg_fields', 'contact_id', label, reserved=reserved) }}
)

select
    c.contact_id,
    c.email,
    c.first_name,
    c.last_name,
    c.phone,
    c.organization_name,
    al.account_id,
    a.account_name,
    al.job_title as account_job_title,
    t.tag_names,
    coalesce(t.tag_count, 0) as tag_count,
    l.list_names,
    coalesce(l.active_list_count, 0) as active_list_count,
    coalesce(act.activity_count, 0) as activity_count,
    act.last_activity_at,
    c.created_at,
    c.updated_at
    {%- for column in custom_field_columns('stg_fields', label, reserved) %},
    cf.{{ column }}
    {%- endfor %}
from contacts as c
left join tags as t on t.contact_id = c.contact_id
left join lists as l on l.contact_id = c.contact_id
left join account_links as al on al.contact_id = c.contact_id and al.link_rank = 1
left join {{ ref('stg_accounts') }} as a on a.account_id = al.account_id
left join activity as act on act.contact_id = c.contact_id
left join custom_fields as cf on cf.entity_id = c.contact_id
