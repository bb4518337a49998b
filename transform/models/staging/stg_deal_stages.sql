{{ stage('deal_stages', 'id', {
        'stage_id': ('id', 'id'),
        'pipeline_id': ('group', 'id'),
        'stage_name': ('title', 'text'),
        'stage_order': ('order', 'int'),
}) }}
