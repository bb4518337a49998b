{{ stage('tags', 'id', {
        'tag_id': ('id', 'id'),
        'tag_name': ('tag', 'text'),
        'tag_type': ('tagType', 'text'),
        'created_at': ('created_timestamp', 'ts'),
}) }}
