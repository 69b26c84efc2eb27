"""IAM policies, in two parts: ``language`` (parse, validate and evaluate documents; pure, no state) and
``stored`` (managed policies, the inline policies and attachments of users, groups and roles, and the
permissions a principal's requests are decided by)."""
