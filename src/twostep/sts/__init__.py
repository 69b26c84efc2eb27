"""Temporary security credentials (AWS STS): issue them after an optional MFA check, resolve and expire them."""
