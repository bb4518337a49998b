{{ stage('ecom_customers', 'id', {
        'customer_id': ('id', 'id'),
        'email': ('email', 'text'),
        'connection_id': ('connectionid', 'id'),
        'accepts_marketing': ('acceptsMarketing', 'bool'),
        'total_orders': ('totalOrders', 'int'),
        'total_revenue_cents': ('totalRevenue', 'int'),
}) }}
