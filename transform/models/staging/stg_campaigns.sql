{{ stage('campaigns', 'id', {
        'campaign_id': ('id', 'id'),
        'campaign_name': ('name', 'text'),
        'campaign_type': ('type', 'text'),
        'sent_at': ('sdate', 'ts'),
}) }}
