{{ stage('accounts', 'id', {
        'account_id': ('id', 'id'),
        'account_name': ('name', 'text'),
        'account_url': ('accountUrl', 'text'),
        'owner_id': ('owner', 'id'),
        'created_at': ('createdTimestamp', 'ts'),
        'updated_at': ('updatedTimestamp', 'ts'),
}) }}
