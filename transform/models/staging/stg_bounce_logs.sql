{{ stage('bounce_logs', 'id', {
        'bounce_log_id': ('id', 'id'),
        'contact_id': ('contact', 'id'),
        'campaign_id': ('campaign', 'id'),
        'message_id': ('message', 'id'),
        'bounced_at': ('tstamp', 'ts'),
        'error': ('error', 'text'),
}) }}
