{#- Per contact and campaign: sends, opens and clicks from the send log (contact_emails),
    bounces from bounce_logs, unsubscribes from list subscriptions a campaign ended. The
    activities feed names no campaign, so it feeds the contacts mart (activity_count) instead. -#}
with sends as (
    select
        contact_id,
        campaign_id,
        count(*) as sends,
        sum(coalesce(opens, 0)) as opens,
        sum(coalesce(clicks, 0)) as clicks,
        sum(case when coalesce(opens, 0) > 0 then 1 else 0 end) as opened_sends,
        sum(case when coalesce(clicks, 0) > 0 then 1 else 0 end) as clicked_sends,
        min(sent_at) as first_sent_at,
        max(sent_at) as last_sent_at
    from {{ ref('stg_contact_emails') }}
    where campaign_id is not null and contact_id is not null
    group by contact_id, campaign_id
),

bounces as (
    select contact_id, campaign_id, count(*) as bounces
    from {{ ref('stg_bounce_logs') }}
    where campaign_id is not null and contact_id is not null
    group by contact_id, campaign_id
),

unsubscribes as (
    select contact_id, campaign_id, count(*) as unsubscribes
    from {{ ref('stg_contact_lists') }}
    where status_code = 2 and campaign_id is not null and campaign_id <> 0
    group by contact_id, campaign_id
),

pairs as (
    select contact_id, campaign_id from sends
    union
    select contact_id, campaign_id from bounces
    union
    select contact_id, campaign_id from unsubscribes
)

select
    cast(p.contact_id as {{ dbt.type_string() }}) || '-' || cast(p.campaign_id as {{ dbt.type_string() }})
        as engagement_id,
    p.contact_id,
    p.campaign_id,
    camp.campaign_name,
    coalesce(s.sends, 0) as sends,
    coalesce(s.opens, 0) as opens,
    coalesce(s.clicks, 0) as clicks,
    coalesce(s.opened_sends, 0) as opened_sends,
    coalesce(s.clicked_sends, 0) as clicked_sends,
    coalesce(b.bounces, 0) as bounces,
    coalesce(u.unsubscribes, 0) as unsubscribes,
    s.first_sent_at,
    s.last_sent_at
from pairs as p
inner join {{ ref('stg_contacts') }} as c on c.contact_id = p.contact_id
left join {{ ref('stg_campaigns') }} as camp on camp.campaign_id = p.campaign_id
left join sends as s on s.contact_id = p.contact_id and s.campaign_id = p.campaign_id
left join bounces as b on b.contact_id = p.contact_id and b.campaign_id = p.campaign_id
left join unsubscribes as u on u.contact_id = p.contact_id and u.campaign_id = p.campaign_id
