"""SigV4: the claim a request makes, its canonical form, and the check against a secret key."""
