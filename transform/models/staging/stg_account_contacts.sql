{{ stage('account_contacts', 'id', {
        'account_contact_id': ('id', 'id'),
        'account_id': ('account', 'id'),
        'contact_id': ('contact', 'id'),
        'job_title': ('jobTitle', 'text'),
        'updated_at': ('updatedTimestamp', 'ts'),
}) }}
