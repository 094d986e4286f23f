"""CIS IAM checks on plain states: the file alone (validate) and against the live account (plan)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from reconciler.core.changes import Finding
from reconciler.core.plan.findings import account_findings, file_findings
from reconciler.core.policy.documents import canonical
from reconciler.core.state import (
    AccessKey,
    Account,
    Credentials,
    Document,
    Group,
    Ignore,
    KeyRotation,
    ManagedPolicy,
    MfaMode,
    PasswordPolicy,
    Root,
    State,
    User,
)
from tests.factories import ACCOUNT_ID, ADMIN, READ_ONLY, doc, live_group, live_policy, live_user

NOW = datetime(2025, 2, 1, tzinfo=timezone.utc)  # live_user keys are a month old
ENFORCE = f"arn:aws:iam::{ACCOUNT_ID}:policy/iamctl-enforce-mfa"
CUSTOMER = f"arn:aws:iam::{ACCOUNT_ID}:policy/"
GOOD_POLICY = PasswordPolicy(minimum_length=14, reuse_prevention=24)
SAFE_ROOT = Root(mfa=True, access_keys=False)


def account(
    policy: PasswordPolicy | None = GOOD_POLICY, root: Root | None = None, **fields: Any
) -> Account:
    return Account(ACCOUNT_ID, password_policy=policy, root=root, **fields)


def desired(*entities: Any, policy: PasswordPolicy | None = GOOD_POLICY,
            root: Root | None = SAFE_ROOT, unused_days: int | None = None,
            **settings: Any) -> State:
    """A desired state; with no arguments, one that passes every check."""
    return State(
        account=replace(account(policy, root), unused_credentials_days=unused_days),
        users={e.name: e for e in entities if isinstance(e, User)},
        groups={e.name: e for e in entities if isinstance(e, Group)},
        policies={e.name: e for e in entities if isinstance(e, ManagedPolicy)},
        **settings,
    )


def live(*entities: Any, policy: PasswordPolicy | None = GOOD_POLICY,
         root: Root | None = SAFE_ROOT) -> State:
    return desired(*entities, policy=policy, root=root)


def policy(name: str, action: str | list[str] = "s3:GetObject", resource: str = "*",
           effect: str = "Allow") -> ManagedPolicy:
    return ManagedPolicy(name, admin_doc(action, resource, effect))


def admin_doc(
    action: str | list[str] = "*", resource: str = "*", effect: str = "Allow"
) -> Document:
    """A one-statement document; with no arguments, "*" on "*" (full administrator)."""
    return canonical({"Version": "2012-10-17",
                      "Statement": [{"Effect": effect, "Action": action, "Resource": resource}]})


def key(key_id: str, age_days: int, active: bool = True, used_days: int | None = 1) -> AccessKey:
    """A key `age_days` old, last used `used_days` ago (None: never)."""
    used = NOW - timedelta(days=used_days) if used_days is not None else None
    return AccessKey(key_id, active=active, created=NOW - timedelta(days=age_days),
                     last_used=used)


def with_keys(user: User, *keys: AccessKey) -> User:
    return User(user.name, arn=user.arn, credentials=Credentials(access_keys=keys))


def found(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.check, f.name) for f in findings]


FILE_CASES: list[tuple[str, State, list[tuple[str, str]]]] = [
    ("compliant file", desired(), []),
    ("console user without mfa", desired(User("admin", console=True)), [("1.10", "user admin")]),
    ("console user with mfa", desired(User("admin", console=True, mfa=MfaMode.REQUIRED)), []),
    ("console user with enforced mfa",
     desired(User("admin", console=True, mfa=MfaMode.ENFORCED, policies=frozenset({ENFORCE}))),
     []),
    ("no console, no mfa", desired(User("bot", console=False, access_keys=1)), []),
    ("two keys", desired(User("bot", access_keys=2)), [("1.13", "user bot")]),
    ("AdministratorAccess on a user",
     desired(User("admin", policies=frozenset({ADMIN}))),
     [("1.15", "user admin"), ("1.16", "user admin")]),
    ("read-only policy on a user",
     desired(User("viewer", policies=frozenset({READ_ONLY}))), [("1.15", "user viewer")]),
    ("inline policy on a user",
     desired(User("dev", inline_policies={"own": doc()})), [("1.15", "user dev")]),
    ("inline admin policy on a user",
     desired(User("dev", inline_policies={"all": admin_doc()})),
     [("1.15", "user dev"), ("1.16", "user dev")]),
    ("AdministratorAccess through a group",
     desired(Group("admins", policies=frozenset({ADMIN})),
             User("admin", groups=frozenset({"admins"}))),
     [("1.16", "group admins")]),
    ("read-only through a group", desired(Group("ro", policies=frozenset({READ_ONLY}))), []),
    ("customer admin policy on a group",
     desired(policy("Everything", "*"),
             Group("ops", policies=frozenset({CUSTOMER + "Everything"}))),
     [("1.16", "group ops")]),
    ("customer policy with a path, '*' among actions",
     desired(policy("Mixed", ["s3:*", "*"]),
             Group("ops", policies=frozenset({CUSTOMER + "team/Mixed"}))),
     [("1.16", "group ops")]),
    ("narrow customer policy", desired(policy("Narrow"), Group("ops",
     policies=frozenset({CUSTOMER + "Narrow"}))), []),
    ("'*' actions on one resource",
     desired(policy("Bucket", "*", "arn:aws:s3:::b"),
             Group("ops", policies=frozenset({CUSTOMER + "Bucket"}))), []),
    ("deny '*' on '*'",
     desired(policy("Deny", "*", effect="Deny"),
             Group("ops", policies=frozenset({CUSTOMER + "Deny"}))), []),
    ("inline admin on a group",
     desired(Group("ops", inline_policies={"all": admin_doc()})), [("1.16", "group ops")]),
    ("all but IAM through NotAction, on a user",
     desired(User("dev", inline_policies={"most": canonical({
         "Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]})})),
     [("1.15", "user dev"), ("1.16", "user dev")]),
    ("no password policy in the file",
     desired(policy=None), [("1.8", "password policy"), ("1.9", "password policy")]),
    ("short passwords", desired(policy=PasswordPolicy(minimum_length=8, reuse_prevention=24)),
     [("1.8", "password policy")]),
    ("little reuse prevention",
     desired(policy=PasswordPolicy(minimum_length=20, reuse_prevention=5)),
     [("1.9", "password policy")]),
    ("reuse prevention unset", desired(policy=PasswordPolicy(minimum_length=20)),
     [("1.9", "password policy")]),
    ("unresolved AdministratorAccess (validate)",
     desired(Group("admins", policies=frozenset({"AdministratorAccess"}))),
     [("1.16", "group admins")]),
    ("unresolved customer admin policy (validate)",
     desired(policy("Everything", "*"), Group("ops", policies=frozenset({"Everything"}))),
     [("1.16", "group ops")]),
    ("declared policy named like AWS's, narrow (validate)",
     desired(policy("AdministratorAccess"),
             Group("ops", policies=frozenset({"AdministratorAccess"}))), []),
    ("unresolved enforce-mfa policy (validate)",
     desired(User("admin", mfa=MfaMode.ENFORCED, policies=frozenset({"iamctl-enforce-mfa"}))),
     []),
    ("root keys not forbidden", desired(root=None), [("1.4", "root user")]),
    ("root keys left alone", desired(root=Root(mfa=True)), [("1.4", "root user")]),
]


@pytest.mark.parametrize(("state", "expected"), [case[1:] for case in FILE_CASES],
                         ids=[case[0] for case in FILE_CASES])
def test_file_findings(state: State, expected: list[tuple[str, str]]) -> None:
    assert found(file_findings(state)) == expected


@pytest.mark.parametrize("state", [case[1] for case in FILE_CASES],
                         ids=[case[0] for case in FILE_CASES])
def test_account_findings_include_the_file_findings(state: State) -> None:
    in_account = found(account_findings(state, live(), NOW))
    assert set(found(file_findings(state))) <= set(in_account)
    assert len(in_account) == len(set(in_account))


ACCOUNT_CASES: list[tuple[str, State, State, list[tuple[str, str]]]] = [
    ("compliant account", desired(), live(), []),
    ("root has access keys", desired(), live(root=Root(mfa=True, access_keys=True)),
     [("1.4", "root user")]),
    ("root without MFA", desired(), live(root=Root(mfa=False, access_keys=False)),
     [("1.5", "root user")]),
    ("root facts unknown", desired(), live(root=None), []),
    ("unmanaged console kept, no mfa in file",
     desired(User("admin")), live(live_user("admin", console=True, mfa=True)),
     [("1.10", "user admin")]),
    ("console to be removed", desired(User("admin", console=False)),
     live(live_user("admin", console=True)), []),
    ("undeclared console user without device", desired(), live(live_user("intern", console=True)),
     [("1.10", "user intern")]),
    ("undeclared console user with device", desired(),
     live(live_user("intern", console=True, mfa=True)), []),
    ("undeclared but ignored", desired(ignore=Ignore(users=("int*",))),
     live(live_user("intern", console=True)), []),
    ("undeclared but pruned", desired(prune=True), live(live_user("intern", console=True)), []),
    ("new console user with a key",
     desired(User("admin", console=True, mfa=MfaMode.REQUIRED, access_keys=1)), live(),
     [("1.11", "user admin")]),
    ("existing console user with a key",
     desired(User("admin", console=True, mfa=MfaMode.REQUIRED, access_keys=1)),
     live(live_user("admin", console=True, keys=1, mfa=True)), []),
    ("two live keys, unmanaged", desired(User("bot")), live(live_user("bot", keys=2)),
     [("1.13", "user bot")]),
    ("key the file rotates", desired(User("bot", access_keys=1, key_rotation=KeyRotation(90, 7))),
     live(with_keys(User("bot"), key("AKIA1", 91))), []),
    ("key unused 46 days, file has no limit", desired(User("bot")),
     live(with_keys(User("bot"), key("AKIA1", 60, used_days=46))), [("1.12", "user bot")]),
    ("key never used for 46 days", desired(User("bot")),
     live(with_keys(User("bot"), key("AKIA1", 46, used_days=None))), [("1.12", "user bot")]),
    ("key unused 46 days, the file disables it",
     desired(User("bot"), unused_days=45),
     live(with_keys(User("bot"), key("AKIA1", 60, used_days=46))), []),
    ("unused key of an undeclared user, limit set", desired(unused_days=45),
     live(with_keys(User("bot"), key("AKIA1", 80, used_days=60))), [("1.12", "user bot")]),
    ("unused password the file keeps with console: true",
     desired(User("bob", console=True, mfa=MfaMode.REQUIRED), unused_days=45),
     live(replace(live_user("bob", console=True, mfa=True), credentials=Credentials(
         login_profile=True, mfa_devices=("x",), password_last_used=NOW - timedelta(days=50)))),
     [("1.12", "user bob")]),
    ("two live keys, file wants one", desired(User("bot", access_keys=1)),
     live(live_user("bot", keys=2)), []),
    ("one active, one inactive key", desired(User("bot")),
     live(live_user("bot", keys=1, inactive_keys=1)), []),
    ("key of 91 days", desired(User("bot")), live(with_keys(User("bot"), key("AKIA1", 91))),
     [("1.14", "user bot")]),
    ("key of 90 days", desired(User("bot")), live(with_keys(User("bot"), key("AKIA1", 90))), []),
    ("old inactive key", desired(User("bot")),
     live(with_keys(User("bot"), key("AKIA1", 400, active=False))), []),
    ("old key the file removes", desired(User("bot", access_keys=0)),
     live(with_keys(User("bot"), key("AKIA1", 400))), []),
    ("live policies replaced by the file's", desired(User("admin")),
     live(live_user("admin", policies=frozenset({ADMIN}))), []),
    ("undeclared user with AdministratorAccess", desired(),
     live(live_user("old", policies=frozenset({ADMIN}))),
     [("1.15", "user old"), ("1.16", "user old")]),
    ("undeclared group with AdministratorAccess", desired(),
     live(live_group("admins", policies=frozenset({ADMIN}))), [("1.16", "group admins")]),
    ("declared group attaching an undeclared admin policy",
     desired(Group("ops", policies=frozenset({CUSTOMER + "Legacy"}))),
     live(live_policy("Legacy", admin_doc())), [("1.16", "group ops")]),
    ("no password policy anywhere", desired(policy=None), live(policy=None),
     [("1.8", "password policy"), ("1.9", "password policy")]),
    ("good live password policy, unmanaged", desired(policy=None), live(),
     [("1.8", "password policy"), ("1.9", "password policy")]),
    ("file fixes the live password policy", desired(), live(policy=PasswordPolicy()), []),
]


@pytest.mark.parametrize(("wanted", "actual", "expected"), [c[1:] for c in ACCOUNT_CASES],
                         ids=[c[0] for c in ACCOUNT_CASES])
def test_account_findings(
    wanted: State, actual: State, expected: list[tuple[str, str]]
) -> None:
    assert found(account_findings(wanted, actual, NOW)) == expected


def message(findings: list[Finding], check: str) -> str:
    return next(f.message for f in findings if f.check == check)


def test_order_is_by_cis_number_then_name() -> None:
    state = desired(User("b", console=True), User("a", console=True, access_keys=2),
                    policy=None, root=None)
    assert found(file_findings(state)) == [
        ("1.4", "root user"), ("1.8", "password policy"), ("1.9", "password policy"),
        ("1.10", "user a"), ("1.10", "user b"), ("1.13", "user a"),
    ]


def test_key_age_names_the_key_and_its_age() -> None:
    bot = with_keys(User("bot"), key("AKIAOLD", 120), key("AKIANEW", 3))
    findings = account_findings(desired(User("bot")), live(bot), NOW)
    text = message(findings, "1.14")
    assert "AKIAOLD (120 days)" in text
    assert "AKIANEW" not in text
    assert "rotate" in text


def test_admin_message_says_where_it_is_attached() -> None:
    state = desired(User("admin", policies=frozenset({ADMIN}),
                         inline_policies={"all": admin_doc()}),
                    Group("admins", policies=frozenset({ADMIN})))
    findings = file_findings(state)
    user_text = next(f.message for f in findings if (f.check, f.name) == ("1.16", "user admin"))
    group_text = next(f.message for f in findings
                      if (f.check, f.name) == ("1.16", "group admins"))
    assert "directly to the user: AdministratorAccess, inline all" in user_text
    assert "attached to the group: AdministratorAccess" in group_text


def test_direct_policy_message_leaves_out_the_enforce_mfa_policy() -> None:
    state = desired(User("admin", mfa=MfaMode.ENFORCED, policies=frozenset({ENFORCE, READ_ONLY})))
    text = message(file_findings(state), "1.15")
    assert "ReadOnlyAccess" in text
    assert "iamctl-enforce-mfa" not in text
    assert "groups" in text


@pytest.mark.parametrize(
    ("wanted", "actual", "words"),
    [
        (None, None, "the account has none"),
        (None, PasswordPolicy(minimum_length=8), "the account's minimum_length is 8"),
        (PasswordPolicy(minimum_length=8, reuse_prevention=24), None, "minimum_length is 8"),
    ],
)
def test_password_policy_messages(
    wanted: PasswordPolicy | None, actual: PasswordPolicy | None, words: str
) -> None:
    text = message(account_findings(desired(policy=wanted), live(policy=actual), NOW), "1.8")
    assert words in text
    assert "14 or more" in text


def test_root_keys_message_asks_to_delete_and_forbid() -> None:
    findings = account_findings(desired(root=None), live(root=Root(mfa=True, access_keys=True)),
                                NOW)
    assert found(findings) == [("1.4", "root user")]
    assert "delete them" in findings[0].message
    assert "forbidden" in findings[0].message
