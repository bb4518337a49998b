{#- Contact x list: the subscription's status and dates (live contacts and lists only). -#}
select
    cl.contact_list_id,
    cl.contact_id,
    cl.list_id,
    l.list_name,
    case cl.status_code
        when 0 then 'unconfirmed'
        when 1 then 'active'
        when 2 then 'unsubscribed'
        when 3 then 'bounced'
        else 'unknown'
    end as status,
    cl.status_code,
    cl.subscribed_at,
    -- the API's udate on a subscription is its unsubscribe date
    case when cl.status_code = 2 then cl.unsubscribed_at end as unsubscribed_at,
    cl.unsubscribe_reason,
    cl.campaign_id,
    cl.created_at,
    cl.updated_at
from {{ ref('stg_contact_lists') }} as cl
inner join {{ ref('stg_contacts') }} as c on c.contact_id = cl.contact_id
inner join {{ ref('stg_lists') }} as l on l.list_id = cl.list_id
