{{ stage('deal_custom_field_data', 'id', {
        'field_value_id': ('id', 'id'),
        'deal_id': ('dealId', 'id'),
        'field_id': ('customFieldId', 'id'),
        'raw_value': ('fieldValue', 'text'),
}) }}
