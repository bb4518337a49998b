{{ stage('deals', 'id', {
        'deal_id': ('id', 'id'),
        'title': ('title', 'text'),
        'value_cents': ('value', 'int'),
        'currency': ('currency', 'text'),
        'status_code': ('status', 'int'),
        'pipeline_id': ('group', 'id'),
        'stage_id': ('stage', 'id'),
        'owner_id': ('owner', 'id'),
        'account_id': ('account', 'id'),
        'contact_id': ('contact', 'id'),
        'created_at': ('cdate', 'ts'),
        'updated_at': ('mdate', 'ts'),
}) }}
