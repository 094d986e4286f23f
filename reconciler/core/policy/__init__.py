"""Policy documents: read, kept and compared by meaning; trust policies and their findings;
the MFA policy; what iamctl knows of AWS managed policies and IAM's actions."""
