{{ stage('lists', 'id', {
        'list_id': ('id', 'id'),
        'list_name': ('name', 'text'),
        'string_id': ('stringid', 'text'),
        'created_at': ('cdate', 'ts'),
}) }}
