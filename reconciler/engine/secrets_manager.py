"""`apply --secrets-to secretsmanager`: new credentials go to AWS Secrets Manager in the account
itself, as the secret `iamctl/credentials/NAME` (a JSON object with the CSV's fields), readable
only by that user. The apply report names the secret by its ARN instead of a file.

"The account itself" is the account of the user: the sink calls through the account's `Aws`,
whose every client signs with that account's credentials (an assumed role's, with
`account.role_arn`), so two accounts' users of one name get a secret each, in their own account.

The resource policy is put before the secret has a value, so no moment exists in which the value
is readable under a wider policy. AWS evaluates it (an explicit Deny for every principal but the
user); the emulator used in tests accepts and stores it without enforcing it, so the tests check
the document itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..aws.client import Aws
from ..core.errors import IamctlError, ResourceExistsError, ResourceNotFoundError
from ..core.plan.destinations import secret_name
from ..delivery.credentials import CSV_HEADER, SecretsSink

MANAGED_TAG = {"Key": "iamctl:managed", "Value": "true"}


def only_user_reads(user_arn: str) -> dict[str, Any]:
    """Denies reading the value to every principal but the user (administrators included, as
    far as a resource policy can: whoever may change the policy may still change this), and
    allows the user to read it without any identity policy of their own."""
    read = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyTheUserReads",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalArn": user_arn}},
            },
            {
                "Sid": "TheUserReads",
                "Effect": "Allow",
                "Principal": {"AWS": user_arn},
                "Action": read,
                "Resource": "*",
            },
        ],
    }


class SecretsManagerSink(SecretsSink):
    """Keeps `SecretsSink`'s interface for the writers; holds no directory and writes no file."""

    def __init__(self, aws: Aws, sign_in_url: str) -> None:
        # SecretsSink's constructor makes and checks a directory: this sink has none, so it
        # sets only what the base class's `written` needs.
        self.aws = aws
        self.sign_in_url = sign_in_url
        self._written: dict[str, Path] = {}
        self._rows: dict[str, list[list[str]]] = {}
        self._arns: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def secret_arns(self) -> dict[str, str]:
        """The secrets this sink wrote, by user: their ARNs, which name the account and region
        the secret is in (its name alone does not)."""
        with self._lock:
            return dict(self._arns)

    def check_target(self, user: str) -> None:
        """Before any change: a secret of that name that iamctl did not make is not overwritten."""
        name = secret_name(user)
        try:
            found = self.aws.call("secretsmanager", "describe_secret", f"check secret {name}",
                                  SecretId=name)
        except ResourceNotFoundError:
            return
        if MANAGED_TAG not in found.get("Tags", []):
            raise IamctlError(
                f"secret {name} exists and was not made by iamctl (no tag "
                f"{MANAGED_TAG['Key']}=true); nothing was changed"
            )

    def path_for(self, user: str) -> Path:
        raise IamctlError("credentials go to Secrets Manager: there is no file")

    def _write(self, user: str, update: Callable[[list[list[str]]], None]) -> Path:
        with self._lock:
            rows = self._rows.setdefault(user, [])
            update(rows)
            value = json.dumps(secret_value(rows))
        name = secret_name(user)
        arn = self._store(user, name, value)
        with self._lock:
            self._arns[user] = arn
        return Path(name)

    def _store(self, user: str, name: str, value: str) -> str:
        """Puts the value under the user-only policy; returns the secret's ARN."""
        user_arn = self.aws.iam("get_user", f"read the ARN of user {user}",
                                UserName=user)["User"]["Arn"]
        doing = f"store the new credentials of user {user} in secret {name}"
        # An existing secret of that name is iamctl's own (check_target saw its tag).
        with suppress(ResourceExistsError):
            self.aws.call(
                "secretsmanager", "create_secret", doing, Name=name, Tags=[MANAGED_TAG],
                Description=f"Credentials of IAM user {user}, made by iamctl; readable only by "
                "that user",
            )
        self.aws.call("secretsmanager", "put_resource_policy", doing, SecretId=name,
                      ResourcePolicy=json.dumps(only_user_reads(user_arn)),
                      BlockPublicPolicy=True)
        stored = self.aws.call("secretsmanager", "put_secret_value", doing, SecretId=name,
                               SecretString=value)
        return str(stored["ARN"])


def secret_value(rows: list[list[str]]) -> dict[str, str]:
    """The CSV's fields by their header; a second key of the same apply as "... 2" fields."""
    value = dict(zip(CSV_HEADER, rows[0], strict=True))
    for number, row in enumerate(rows[1:], start=2):
        value[f"{CSV_HEADER[2]} {number}"], value[f"{CSV_HEADER[3]} {number}"] = row[2], row[3]
    return {key: text for key, text in value.items() if text}
