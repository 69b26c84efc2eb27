"""Passkeys and security keys (WebAuthn): registration and assertions for MFA devices of the u2f kind."""
