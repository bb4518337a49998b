{{ stage('field_values', 'id', {
        'field_value_id': ('id', 'id'),
        'contact_id': ('contact', 'id'),
        'field_id': ('field', 'id'),
        'value': ('value', 'text'),
        'updated_at': ('udate', 'ts'),
}) }}
