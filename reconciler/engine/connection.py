"""How every command reaches an account: `plan` and `apply` for each file's account, `export`
and `mfa enroll` for the one their options name. One path for all four: the profile
(`profile_for`), the region, the endpoint, the run's shared sessions, the role to assume, then
the account guard.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..aws.client import Aws, Identity
from ..aws.sessions import Sessions
from ..config.desired import Config
from ..core.errors import AccountMismatchError


@dataclass(frozen=True)
class Connection:
    """How to reach AWS, from the command line (or its IAMCTL_* variables)."""

    profile: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    sessions: Sessions = field(default_factory=Sessions, compare=False, repr=False)

    def open(self, config: Config) -> Aws:
        """The clients for a file's account (`plan` guards it: `guard`)."""
        return self.reach(config.profile, config.role_arn)

    def open_account(self, account_id: str | None, role_arn: str | None) -> Aws:
        """`export` and `mfa enroll`, which read no file: `--role-arn` to assume, and
        `--account` to refuse any other account, as a file's `account.id` does."""
        aws = self.reach(role_arn=role_arn)
        if account_id is not None:
            require_account(aws, account_id, "--account")
        return aws

    def reach(self, profile: str | None = None, role_arn: str | None = None) -> Aws:
        """The clients every command uses; `profile` is a file's (see `profile_for`)."""
        return Aws.connect(
            profile=profile_for(self.profile, profile, os.environ),
            endpoint_url=self.endpoint_url,
            region=self.region,
            role_arn=role_arn,
            sessions=self.sessions,
        )


# Credentials the environment gives: the same file must run on a laptop (its account.profile,
# an SSO profile) and in CI (OIDC credentials exported as AWS_* variables, or a role's web
# identity token), so these win over the file's profile.
ENVIRONMENT_CREDENTIALS = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE")


def profile_for(
    typed: str | None, from_file: str | None, environ: Mapping[str, str]
) -> str | None:
    """The profile to open: `--profile` (or IAMCTL_PROFILE), else none when the environment
    holds credentials (boto3's chain then reads them), else the file's `account.profile`
    (None: the default chain). Command line > environment > file."""
    if typed:
        return typed
    if any(environ.get(name) for name in ENVIRONMENT_CREDENTIALS):
        return None
    return from_file


def guard(aws: Aws, config: Config) -> Identity:
    """Refuse to go on unless the credentials reach the account the file declares."""
    return require_account(aws, config.account_id, f"{', '.join(config.files)}: account.id")


def require_account(aws: Aws, account_id: str, declared: str) -> Identity:
    """Who the credentials are, unless they reach another account than `declared` names."""
    identity = aws.identity()
    if identity.account != account_id:
        raise AccountMismatchError(
            f"{declared} is {account_id} but the credentials reach account "
            f"{identity.account} ({identity.arn}); refusing to continue"
        )
    return identity
