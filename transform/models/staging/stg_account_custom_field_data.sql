{{ stage('account_custom_field_data', 'id', {
        'field_value_id': ('id', 'id'),
        'account_id': ('accountId', 'id'),
        'field_id': ('customFieldId', 'id'),
        'raw_value': ('fieldValue', 'text'),
}) }}
