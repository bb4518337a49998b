{{ stage('deal_groups', 'id', {
        'pipeline_id': ('id', 'id'),
        'pipeline_name': ('title', 'text'),
        'currency': ('currency', 'text'),
}) }}
