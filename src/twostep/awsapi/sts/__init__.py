"""The STS actions on the shared endpoint."""
