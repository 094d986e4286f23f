"""iamctl: an AWS account's IAM set-up as code (plan and apply)."""

__version__ = "0.1.0"
