"""IAM roles: the role itself, its trust policy and the AssumeRole decision, its permissions (the principal of
a session that assumed it: identity.principal.RoleSession)."""
