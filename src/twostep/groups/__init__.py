"""IAM groups: collections of users whose policies every member receives."""
