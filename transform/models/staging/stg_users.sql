{{ stage('users', 'id', {
        'user_id': ('id', 'id'),
        'username': ('username', 'text'),
        'email': ('email', 'text'),
        'first_name': ('firstName', 'text'),
        'last_name': ('lastName', 'text'),
}) }}
