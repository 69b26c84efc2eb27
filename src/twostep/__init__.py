"""twostep: self-hosted multi-factor sign-in with an AWS-compatible IAM and STS API."""

__version__ = "0.1.0"
