{{ stage('contact_lists', 'id', {
        'contact_list_id': ('id', 'id'),
        'contact_id': ('contact', 'id'),
        'list_id': ('list', 'id'),
        'status_code': ('status', 'int'),
        'campaign_id': ('campaign', 'id'),
        'subscribed_at': ('sdate', 'ts'),
        'unsubscribed_at': ('udate', 'ts'),
        'unsubscribe_reason': ('unsubreason', 'text'),
        'created_at': ('created_timestamp', 'ts'),
        'updated_at': ('updated_timestamp', 'ts'),
}) }}
