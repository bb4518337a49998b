{#- One row per e-commerce order with its customer (and the contact with that email) and a
    summary of its products. Amounts in the currency's units (the API sends cents). -#}
with products as (
    select
        order_id,
        count(*) as product_lines,
        sum(coalesce(quantity, 0)) as items,
        {{ name_list('product_name') }} as product_names
    from {{ ref('stg_ecom_order_products') }}
    group by order_id
),

contacts_by_email as (
    select lower(email) as email_key, min(contact_id) as contact_id
    from {{ ref('stg_contacts') }}
    where email is not null
    group by lower(email)
)

select
    o.order_id,
    o.order_number,
    o.ordered_at,
    o.currency,
    o.total_price_cents / 100.0 as total_price,
    o.shipping_cents / 100.0 as shipping,
    o.tax_cents / 100.0 as tax,
    o.discount_cents / 100.0 as discount,
    o.customer_id,
    coalesce(cu.email, o.email) as customer_email,
    cu.accepts_marketing,
    ce.contact_id,
    coalesce(p.product_lines, 0) as product_lines,
    coalesce(p.items, 0) as items,
    p.product_names,
    o.updated_at
from {{ ref('stg_ecom_orders') }} as o
left join {{ ref('stg_ecom_customers') }} as cu on cu.customer_id = o.customer_id
left join contacts_by_email as ce on ce.email_key = lower(coalesce(cu.email, o.email))
left join products as p on p.order_id = o.order_id
