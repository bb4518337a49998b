{#- Example audience: every live contact with an open deal, a segment the CRM cannot build
    by itself. An audience is any model in this folder with an `email` column (plus any
    contact columns: first_name, last_name, phone); the reverse sync sends it as a stream
    named after the model, and target-activecampaign's `audiences` setting (meltano.yml)
    binds that stream to a tag or list. -#}
select distinct
    c.email,
    c.first_name,
    c.last_name
from {{ ref('contacts') }} as c
inner join {{ ref('deals') }} as d on d.contact_id = c.contact_id
where d.status = 'open'
    and c.email is not null
    and c.email like '%@%'
