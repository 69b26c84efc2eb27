"""Mail to an account's owner when its MFA or password changes, a device locks or a spent code is tried (S17)."""
