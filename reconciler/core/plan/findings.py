"""Security warnings on the desired and live states: the CIS AWS Foundations Benchmark IAM checks.

`validate` shows `file_findings` (the file alone); `plan` shows `account_findings`, which judges
the account as it will be after apply: the file where it manages a field, the live account where
it does not. Findings are warnings, never errors; this module is pure (no AWS, no I/O).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..arns import is_aws_managed, policy_name, short_policy
from ..changes import Finding
from ..diff.undeclared import extra_names
from ..diff.unused import is_unused, key_use, password_unused, password_use
from ..policy.documents import allows_everything
from ..policy.mfa_policy import ENFORCE_MFA_POLICY_NAME
from ..state import Document, Group, PasswordPolicy, State, User

KEY_MAX_AGE = timedelta(days=90)
UNUSED_DAYS = 45  # CIS 1.12
MIN_PASSWORD_LENGTH = 14
MIN_REUSE_PREVENTION = 24
ROOT = "root user"
PASSWORD_POLICY = "password policy"


@dataclass(frozen=True)
class _Context:
    desired: State
    live: State | None  # None: only the file is known (validate)
    now: datetime | None


@dataclass(frozen=True)
class _UserPair:
    """A user as the file declares it (None: not declared) and as the account has it."""

    desired: User | None
    live: User | None

    @property
    def name(self) -> str:
        user = self.desired or self.live
        assert user is not None
        return f"user {user.name}"

    @property
    def console(self) -> bool:
        if self.desired and self.desired.console is not None:
            return self.desired.console
        creds = self.live.credentials if self.live else None
        return bool(creds and creds.login_profile)

    @property
    def active_keys(self) -> int:
        if self.desired and self.desired.access_keys is not None:
            return self.desired.access_keys
        creds = self.live.credentials if self.live else None
        return len(creds.active_keys) if creds else 0

    @property
    def effective(self) -> User:
        """Whose permissions count: for a declared user the file is the complete record."""
        user = self.desired or self.live
        assert user is not None
        return user


def file_findings(desired: State) -> list[Finding]:
    """What the file alone shows (for `validate`)."""
    return _run(_Context(desired, None, None))


def account_findings(desired: State, live: State, now: datetime) -> list[Finding]:
    """The file's findings, made precise by the live account, and those only AWS can show."""
    return _run(_Context(desired, live, now))


def _run(context: _Context) -> list[Finding]:
    findings = [finding for check in _CHECKS for finding in check(context)]
    return sorted(findings, key=lambda f: (tuple(int(p) for p in f.check.split(".")), f.name))


def _users(context: _Context) -> Iterator[_UserPair]:
    live_users = context.live.users if context.live else {}
    for name, user in context.desired.users.items():
        yield _UserPair(user, live_users.get(name))
    for name in _undeclared(context, live_users, context.desired.users, "users"):
        yield _UserPair(None, live_users[name])


def _groups(context: _Context) -> Iterator[Group]:
    live_groups = context.live.groups if context.live else {}
    yield from context.desired.groups.values()
    for name in _undeclared(context, live_groups, context.desired.groups, "groups"):
        yield live_groups[name]


def _undeclared(
    context: _Context, live: Mapping[str, object], declared: Mapping[str, object], kind: str
) -> list[str]:
    """Live entities the file does not declare and apply leaves in place (not pruned, ignored)."""
    if context.desired.prune:
        return []
    return list(extra_names(live, declared, context.desired, kind))


def _mfa_for_console_users(context: _Context) -> Iterator[Finding]:  # CIS 1.10
    for pair in _users(context):
        if not pair.console:
            continue
        if pair.desired and pair.desired.mfa is None:
            yield Finding("1.10", pair.name, "console access but the file does not require MFA: "
                          "add `mfa: required` (or `enforced`)")
        creds = pair.live.credentials if pair.live else None
        if not pair.desired and creds and not creds.mfa_devices:
            yield Finding("1.10", pair.name, "console access without MFA, not in the file: "
                          "declare it with `mfa: required`")


def _keys_at_setup(context: _Context) -> Iterator[Finding]:  # CIS 1.11
    if context.live is None:
        return
    for name, user in context.desired.users.items():
        if name not in context.live.users and user.console and (user.access_keys or 0) >= 1:
            yield Finding("1.11", f"user {name}", "access keys at set-up for a console user: "
                          "create keys later, only if the user needs them")


def _one_active_key(context: _Context) -> Iterator[Finding]:  # CIS 1.13
    for pair in _users(context):
        if pair.active_keys > 1:
            yield Finding("1.13", pair.name, f"{pair.active_keys} active access keys: keep one "
                          "(two only while rotating)")


def _key_age(context: _Context) -> Iterator[Finding]:  # CIS 1.14
    if context.now is None:
        return
    now = context.now
    for pair in _users(context):
        if not pair.live or not pair.live.credentials or pair.active_keys == 0:
            continue
        if pair.desired and pair.desired.key_rotation is not None:
            continue  # the file rotates them
        old = [f"{key.id or 'a key'} ({(now - key.created).days} days)"
               for key in pair.live.credentials.active_keys
               if key.created and now - key.created > KEY_MAX_AGE]
        fix = ("set access_keys: {count: 1, rotate_after_days: 90}" if pair.desired
               else "declare the user with access_keys: {count: 1, rotate_after_days: 90}")
        if old:
            yield Finding("1.14", pair.name, f"active access keys older than 90 days: "
                          f"{', '.join(old)}: {fix}")


def _unused_credentials(context: _Context) -> Iterator[Finding]:  # CIS 1.12
    """Unused credentials that apply will not disable: the file does not manage them yet."""
    if context.now is None:
        return
    now, days = context.now, context.desired.account.unused_credentials_days
    for pair in _users(context):
        creds = pair.live.credentials if pair.live else None
        if creds is None:
            continue
        handled = days is not None and pair.desired is not None
        limit = days or UNUSED_DAYS
        unused = [f"access key {key.id or ''} {key_use(key, now)}".replace("  ", " ")
                  for key in creds.active_keys if is_unused(key, limit, now) and not handled]
        kept_by_file = pair.desired is not None and pair.desired.console is True
        if password_unused(creds, limit, now) and (kept_by_file or not handled):
            unused.append(f"console password {password_use(creds, now)}")
        if unused:
            yield Finding("1.12", pair.name, f"unused for {limit}+ days: {'; '.join(unused)}: "
                          f"{_unused_fix(pair, days)}")


def _unused_fix(pair: _UserPair, days: int | None) -> str:
    if pair.desired is None:
        return "declare the user (account.unused_credentials applies to declared users)"
    if days is None:
        return "set account.unused_credentials: {disable_after_days: 45}"
    return "console: true keeps the password: set console: false or leave it out"


def _permissions_through_groups(context: _Context) -> Iterator[Finding]:  # CIS 1.15
    for pair in _users(context):
        user = pair.effective
        attached = sorted(short_policy(arn) for arn in user.policies
                          if policy_name(arn) != ENFORCE_MFA_POLICY_NAME)
        parts = [f"attached directly: {', '.join(attached)}"] if attached else []
        if user.inline_policies:
            parts.append(f"inline: {', '.join(sorted(user.inline_policies))}")
        if parts:
            yield Finding("1.15", pair.name, f"policies on the user ({'; '.join(parts)}): "
                          "grant permissions through groups")


def _no_full_admin(context: _Context) -> Iterator[Finding]:  # CIS 1.16
    is_admin = _admin_test(context)
    for pair in _users(context):
        user = pair.effective
        where = _admin_grants(user.policies, user.inline_policies, is_admin)
        if where:
            yield Finding("1.16", pair.name, f"full administrator access (\"*\" on \"*\") "
                          f"attached directly to the user: {where}: grant only what is needed")
    for group in _groups(context):
        where = _admin_grants(group.policies, group.inline_policies, is_admin)
        if where:
            yield Finding("1.16", f"group {group.name}", f"full administrator access (\"*\" on "
                          f"\"*\") attached to the group: {where}: grant only what is needed")


def _admin_grants(
    arns: frozenset[str], inline: Mapping[str, Document], is_admin: Callable[[str], bool]
) -> str:
    attached = sorted(short_policy(arn) for arn in arns if is_admin(arn))
    inlined = sorted(f"inline {name}" for name, doc in inline.items() if allows_everything(doc))
    return ", ".join(attached + inlined)


def _admin_test(context: _Context) -> Callable[[str], bool]:
    """Whether an attached policy grants "*" on "*" (AWS's by name, customer's by text).

    References are ARNs once resolved; the file's own names before (as `validate` sees them).
    """
    documents = {name: policy.document for name, policy in context.desired.policies.items()}
    if context.live:
        for name, policy in context.live.policies.items():
            documents.setdefault(name, policy.document)

    def is_admin(ref: str) -> bool:
        if ref.startswith("arn:"):
            if is_aws_managed(ref):
                return ref.endswith(":policy/AdministratorAccess")
            document = documents.get(policy_name(ref))
        else:
            # Not resolved yet (`validate` has no list of AWS managed policies): a declared
            # name comes first, as in desired.resolve.
            document = documents.get(ref)
            if document is None:
                return ref == "AdministratorAccess"
        return document is not None and allows_everything(document)

    return is_admin



def _password_length(context: _Context) -> Iterator[Finding]:  # CIS 1.8
    yield from _password_setting(
        context, "1.8", "minimum_length", lambda p: p.minimum_length, MIN_PASSWORD_LENGTH
    )


def _password_reuse(context: _Context) -> Iterator[Finding]:  # CIS 1.9
    yield from _password_setting(
        context, "1.9", "reuse_prevention", lambda p: p.reuse_prevention, MIN_REUSE_PREVENTION
    )


def _password_setting(
    context: _Context, check: str, field: str,
    value_of: Callable[[PasswordPolicy], int | None], minimum: int,
) -> Iterator[Finding]:
    fix = f"set password_policy.{field} to {minimum} or more"
    wanted = context.desired.account.password_policy
    if wanted is not None:
        value = value_of(wanted)
        if value is None or value < minimum:
            yield Finding(check, PASSWORD_POLICY, f"{field} is {_shown(value)}: {fix}")
        return
    if context.live is None:
        yield Finding(check, PASSWORD_POLICY, f"the file does not manage it: {fix}")
        return
    live = context.live.account.password_policy
    value = value_of(live) if live else None
    if live is None:
        state = "the account has none"
    elif value is None or value < minimum:
        state = f"the account's {field} is {_shown(value)}"
    else:
        state = f"the account's {field} is {value} today"
    yield Finding(check, PASSWORD_POLICY, f"{state} and the file does not manage it: {fix}")


def _shown(value: int | None) -> str:
    return "not set" if value is None else str(value)


def _root_access_keys(context: _Context) -> Iterator[Finding]:  # CIS 1.4
    wanted = context.desired.account.root
    forbidden = wanted is not None and wanted.access_keys is False
    live = context.live.account.root if context.live else None
    if live is not None and live.access_keys:
        also = "" if forbidden else "; and set account.root.access_keys: forbidden"
        yield Finding("1.4", ROOT, f"has access keys: sign in as root and delete them{also}")
    elif not forbidden:
        yield Finding("1.4", ROOT, "the file does not forbid root access keys: set "
                      "account.root.access_keys: forbidden")


def _root_mfa(context: _Context) -> Iterator[Finding]:  # CIS 1.5
    live = context.live.account.root if context.live else None
    if live is not None and live.mfa is False:
        yield Finding("1.5", ROOT, "no MFA: sign in as root, Security credentials, "
                      "Assign MFA device")


_CHECKS: tuple[Callable[[_Context], Iterator[Finding]], ...] = (
    _root_access_keys,
    _root_mfa,
    _password_length,
    _password_reuse,
    _mfa_for_console_users,
    _keys_at_setup,
    _unused_credentials,
    _one_active_key,
    _key_age,
    _permissions_through_groups,
    _no_full_admin,
)
