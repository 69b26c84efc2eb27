"""Policies as stored and attached: managed policies, inline and attached policies of users, groups and roles."""
