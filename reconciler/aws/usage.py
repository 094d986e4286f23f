"""Exact last-use dates of credentials, read only for the users a plan would disable something
of (`run.decide`): the credential report's dates can be hours old, and a credential used since
must not be disabled.

Calls per user: GetUser (PasswordLastUsed), GetLoginProfile (its CreateDate, for a password
never used) and one GetAccessKeyLastUsed per key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from ..core.errors import NoSuchEntityError
from ..core.state import AccessKey, Credentials, State, User
from .client import Aws
from .credential_report import whole_seconds


def confirm_usage(aws: Aws, state: State, names: Iterable[str]) -> State:
    users = dict(state.users)
    for name in sorted(set(names)):
        user = users.get(name)
        if user is not None and user.credentials is not None:
            users[name] = replace(user, credentials=read_usage(aws, user, user.credentials))
    return replace(state, users=users)


def read_usage(aws: Aws, user: User, creds: Credentials) -> Credentials:
    answer = aws.iam("get_user", f"read when user {user.name} last signed in",
                     UserName=user.name)["User"]
    return replace(
        creds,
        access_keys=tuple(key_with_last_use(aws, user.name, key) for key in creds.access_keys),
        password_last_used=_seconds(answer.get("PasswordLastUsed")),
        password_created=password_created(aws, user.name) if creds.login_profile else None,
        usage_confirmed=True,
    )


def key_with_last_use(aws: Aws, user: str, key: AccessKey) -> AccessKey:
    if not key.id:  # a key known only from the report: nothing to ask about (never acted on)
        return key
    answer = aws.iam("get_access_key_last_used", f"read when access key {key.id} of user "
                     f"{user} was last used", AccessKeyId=key.id)
    return replace(key, last_used=_seconds(answer.get("AccessKeyLastUsed", {}).get("LastUsedDate")))


def password_created(aws: Aws, user: str) -> datetime | None:
    try:
        answer = aws.iam("get_login_profile", f"read the console password of user {user}",
                         UserName=user)
    except NoSuchEntityError:  # removed since it was listed
        return None
    return _seconds(answer["LoginProfile"].get("CreateDate"))


def _seconds(moment: datetime | None) -> datetime | None:
    return whole_seconds(moment) if moment is not None else None
