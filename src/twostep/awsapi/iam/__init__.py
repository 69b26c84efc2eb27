"""The IAM actions: one module per area, each a table of handlers."""
