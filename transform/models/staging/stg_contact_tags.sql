{{ stage('contact_tags', 'id', {
        'contact_tag_id': ('id', 'id'),
        'contact_id': ('contact', 'id'),
        'tag_id': ('tag', 'id'),
        'tagged_at': ('created_timestamp', 'ts'),
}) }}
