"""How every command reaches an account: `plan` and `apply` for each file's account, `export`
and `mfa enroll` for the one their options name. One path for all four: the profile (the
file's `account.profile`, else `--profile`, else the default chain), the endpoint, the run's
shared sessions, the role to assume, then the account guard.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..aws.client import Aws, Identity
from ..aws.sessions import Sessions
from ..config.desired import Config
from ..core.errors import AccountMismatchError


@dataclass(frozen=True)
class Connection:
    """How to reach AWS, from the command line; the file's account settings take precedence."""

    profile: str | None = None
    endpoint_url: str | None = None
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
        """The clients every command uses; `profile` wins over the command line's."""
        return Aws.connect(
            profile=profile or self.profile,
            endpoint_url=self.endpoint_url,
            role_arn=role_arn,
            sessions=self.sessions,
        )


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
