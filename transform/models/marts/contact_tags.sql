{#- Current contact x tag links with the tag's name (live contacts and tags only). -#}
select
    ct.contact_tag_id,
    ct.contact_id,
    ct.tag_id,
    t.tag_name,
    t.tag_type,
    ct.tagged_at
from {{ ref('stg_contact_tags') }} as ct
inner join {{ ref('stg_contacts') }} as c on c.contact_id = ct.contact_id
inner join {{ ref('stg_tags') }} as t on t.tag_id = ct.tag_id
