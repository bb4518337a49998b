{{ stage('contact_emails', 'id', {
        'contact_email_id': ('id', 'id'),
        'contact_id': ('contact', 'id'),
        'campaign_id': ('campaign', 'id'),
        'message_id': ('message', 'id'),
        'sent_at': ('sdate', 'ts'),
        'opens': ('opened', 'int'),
        'clicks': ('clicked', 'int'),
}) }}
