"""Small builders of model objects for pure tests (no AWS, no files)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from reconciler.core.policy.documents import canonical
from reconciler.core.state import (
    AccessKey,
    Account,
    Credentials,
    Document,
    Group,
    ManagedPolicy,
    Role,
    State,
    User,
    aws_owned_path,
)

ACCOUNT_ID = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
VIEW_ONLY = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"


def doc(action: str = "s3:GetObject", resource: str = "*") -> Document:
    return canonical(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
        }
    )


def state(*entities: Any, account: Account | None = None, **settings: Any) -> State:
    """A State from users, groups, policies and roles given in any order (roles on AWS's paths
    set apart, as the live read does)."""
    return State(
        account=account or Account(ACCOUNT_ID),
        users={e.name: e for e in entities if isinstance(e, User)},
        groups={e.name: e for e in entities if isinstance(e, Group)},
        policies={e.name: e for e in entities if isinstance(e, ManagedPolicy)},
        roles={e.name: e for e in entities if isinstance(e, Role) and not aws_owned_path(e.path)},
        aws_roles={e.name: e for e in entities if isinstance(e, Role) and aws_owned_path(e.path)},
        **settings,
    )


def live_user(
    name: str,
    *,
    console: bool = False,
    keys: int = 0,
    inactive_keys: int = 0,
    mfa: bool = False,
    confirmed: bool = True,
    **fields: Any,
) -> User:
    created = datetime(2025, 1, 1, tzinfo=timezone.utc)
    access_keys = tuple(
        AccessKey(f"AKIA{name.upper()}{i}", active=True, created=created) for i in range(keys)
    ) + tuple(
        AccessKey(f"AKIAOLD{name.upper()}{i}", active=False, created=created)
        for i in range(inactive_keys)
    )
    credentials = Credentials(
        login_profile=console,
        access_keys=access_keys,
        mfa_devices=(f"arn:aws:iam::{ACCOUNT_ID}:mfa/{name}",) if mfa else (),
        confirmed=confirmed,
    )
    fields.setdefault("path", "/")
    fields.setdefault("tags", {})
    return User(
        name, arn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}", credentials=credentials, **fields
    )


def live_group(name: str, **fields: Any) -> Group:
    fields.setdefault("path", "/")
    return Group(name, arn=f"arn:aws:iam::{ACCOUNT_ID}:group/{name}", **fields)


def live_policy(name: str, document: Document | str | None = None, **fields: Any) -> ManagedPolicy:
    """A live customer policy; `document` may be JSON text, as AWS holds it."""
    if isinstance(document, str):
        document = canonical(document)
    fields.setdefault("path", "/")
    fields.setdefault("description", "")
    fields.setdefault("arn", f"arn:aws:iam::{ACCOUNT_ID}:policy{fields['path']}{name}")
    return ManagedPolicy(name, document or doc(), **fields)


EC2_TRUST = canonical(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def live_role(name: str, **fields: Any) -> Role:
    """A live role as the bulk read and ListRoles give it: trusted by EC2, no profile."""
    fields.setdefault("path", "/")
    fields.setdefault("trust", EC2_TRUST)
    fields.setdefault("tags", {})
    fields.setdefault("description", "")
    fields.setdefault("max_session_duration", 3600)
    fields.setdefault("instance_profile", False)
    arn = f"arn:aws:iam::{ACCOUNT_ID}:role{fields['path']}{name}"
    return Role(name, arn=arn, **fields)
