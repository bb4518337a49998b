{{ stage('activities', 'id', {
        'activity_id': ('id', 'id'),
        'contact_id': ('contact', 'id'),
        'reference_type': ('reference_type', 'text'),
        'reference_action': ('reference_action', 'text'),
        'happened_at': ('tstamp', 'ts'),
}) }}
