{{ stage('deal_custom_field_meta', 'id', {
        'field_id': ('id', 'id'),
        'field_label': ('fieldLabel', 'text'),
        'personalization': ('personalization', 'text'),
        'field_type': ('fieldType', 'text'),
}) }}
