{{ stage('ecom_order_products', 'id', {
        'order_product_id': ('id', 'id'),
        'order_id': ('orderid', 'id'),
        'product_name': ('name', 'text'),
        'sku': ('sku', 'text'),
        'category': ('category', 'text'),
        'price_cents': ('price', 'int'),
        'quantity': ('quantity', 'int'),
}) }}
