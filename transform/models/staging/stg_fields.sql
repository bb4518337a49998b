{{ stage('fields', 'id', {
        'field_id': ('id', 'id'),
        'perstag': ('perstag', 'text'),
        'title': ('title', 'text'),
        'field_type': ('type', 'text'),
}) }}
