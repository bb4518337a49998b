{{ stage('contacts', 'id', {
        'contact_id': ('id', 'id'),
        'email': ('email', 'text'),
        'first_name': ('firstName', 'text'),
        'last_name': ('lastName', 'text'),
        'phone': ('phone', 'text'),
        'organization_name': ('orgname', 'text'),
        'created_at': ('cdate', 'ts'),
        'updated_at': ('udate', 'ts'),
}) }}
