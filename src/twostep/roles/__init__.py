"""IAM roles: the role itself, its trust policy, its permissions, and the principal of a session that assumed it."""
