"""The AWS boundary: the IAM client, live reads, the writers that carry out changes, MFA."""
