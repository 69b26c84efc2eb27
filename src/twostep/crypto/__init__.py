"""Encryption at rest (AES-GCM key ring) and password hashing (Argon2id)."""
