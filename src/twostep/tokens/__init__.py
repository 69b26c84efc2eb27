"""Hardware TOTP tokens: reading a vendor's seed file, checking it, and the account's pool of tokens."""
