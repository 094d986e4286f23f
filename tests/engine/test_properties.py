"""Convergence as a property: from any starting account, apply leaves nothing to plan.

Hypothesis draws a small desired file (users, groups, customer policies and their paths,
memberships, AWS and customer attachments, inline policies, tags, console, access keys, prune,
an ignore pattern) and a small starting account drawn from the same space, built out of band
with boto3: attachments, memberships, tags and documents the file does not want, users and groups
it does not declare, an ignored user, and undeclared or ignored members of declared groups. Apply
the file (in-process moto, the whole pipeline), then plan again: no changes.

25 examples per property; with CI set, hypothesis derandomizes, so a CI run is reproducible.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import boto3
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler.aws.client import Aws
from reconciler.config.desired import load
from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.diff.attachments import entities_in
from reconciler.core.diff.diff import diff
from reconciler.core.payloads import PathSpec, PolicySpec, ReplacedPolicy, UserSpec, payload_as
from reconciler.core.plan.plan import order_changes
from reconciler.core.policy.documents import canonical
from reconciler.core.state import (
    AccessKey,
    Account,
    Credentials,
    Document,
    Entity,
    Group,
    Ignore,
    ManagedPolicy,
    PasswordPolicy,
    State,
    User,
)
from reconciler.delivery.credentials import SecretsSink
from reconciler.engine.run import AccountPlan, apply_account, plan_account
from tests.moto_accounts import moto_account, session

pytestmark = [pytest.mark.slow, pytest.mark.moto]

ACCOUNT = "123456789012"
USERS = ("ana", "bo", "cy", "dee", "eve")
GROUPS = ("g1", "g2", "g3")
CUSTOMER_POLICIES = ("app-read", "app-write")
AWS_POLICIES = {
    "AdministratorAccess": "arn:aws:iam::aws:policy/AdministratorAccess",
    "ReadOnlyAccess": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "job-function/ViewOnlyAccess": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    "IAMUserChangePassword": "arn:aws:iam::aws:policy/IAMUserChangePassword",
}


def document(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


DOCUMENTS = (
    document("s3:GetObject"),
    document("s3:GetObject", "s3:PutObject"),
    document("logs:GetLogEvents"),
)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass
class Spec:
    """An account, as a file declares it or as it is built out of band."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    prune: bool = False


def subset(items: tuple[str, ...] | list[str]) -> st.SearchStrategy[list[str]]:
    if not items:
        return st.just([])
    return st.lists(st.sampled_from(list(items)), unique=True, max_size=len(items)).map(sorted)


# User and group paths are fixed by name (created with it, never moved), for moto's sake:
# - moto's UpdateGroup ignores NewPath unless NewGroupName is given too (AWS does not);
# - moto keys tags by ARN, and a user's ARN holds its path: after UpdateUser NewPath, moto has
#   lost the user's tags (AWS keeps them).
# A customer policy's path is drawn: a new one replaces the policy (a new ARN).
USER_PATHS = {"ana": "/", "bo": "/eng/", "cy": "/", "dee": "/", "eve": "/eng/", "cdk-deploy": "/"}
GROUP_PATHS = {"g1": "/", "g2": "/ops/", "g3": "/"}
POLICY_PATHS = {"app-read": "/", "app-write": "/eng/"}
IGNORED_USER = "cdk-deploy"  # matches the files' `ignore: {users: ["cdk-*"]}`
TAGS = st.none() | st.dictionaries(
    st.sampled_from(["team", "cost-center"]), st.sampled_from(["a", "b"]), max_size=2
)


def inline_policies() -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(["own", "logs"]), st.sampled_from(DOCUMENTS), max_size=2)


@st.composite
def specs(draw: st.DrawFn, min_users: int = 1, user_names: tuple[str, ...] = USERS) -> Spec:
    """A file's account, or (with the ignored user among `user_names`) a starting account."""
    policies = {
        name: {
            "path": draw(st.sampled_from(["/", "/eng/"])),
            "description": draw(st.sampled_from(["", "Application access"])),
            "document": draw(st.sampled_from(DOCUMENTS)),
            "tags": draw(TAGS),
        }
        for name in draw(subset(CUSTOMER_POLICIES))
    }
    references = sorted(AWS_POLICIES) + sorted(policies)
    groups = {
        name: {
            "path": GROUP_PATHS[name],
            "policies": draw(subset(references)),
            "inline_policies": draw(inline_policies()),
        }
        for name in draw(subset(GROUPS))
    }
    users = {}
    for name in draw(st.lists(st.sampled_from(user_names), unique=True, min_size=min_users,
                              max_size=4)):
        users[name] = {
            "path": USER_PATHS[name],
            "groups": draw(subset(sorted(groups))),
            "policies": draw(subset(references)),
            "inline_policies": draw(inline_policies()),
            "tags": draw(TAGS),
            "console": draw(st.none() | st.booleans()),
            "access_keys": draw(st.none() | st.integers(0, 2)),
        }
    return Spec(users, groups, policies, prune=draw(st.booleans()))


# The desired side: the spec as a file.


def to_file(spec: Spec, directory: Path) -> str:
    data: dict[str, Any] = {"version": 1, "account": {"id": ACCOUNT}, "prune": spec.prune,
                            "ignore": {"users": ["cdk-*"]}}
    data["policies"] = [
        {"name": name, **{key: value for key, value in p.items() if value not in (None, "")}}
        for name, p in spec.policies.items()
    ]
    data["groups"] = [{"name": name, **fields} for name, fields in spec.groups.items()]
    data["users"] = [
        {"name": name, **{key: value for key, value in fields.items() if value is not None}}
        for name, fields in spec.users.items()
    ]
    path = directory / "account.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def tag_list(tags: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in (tags or {}).items()]


# The starting account: the spec built with boto3, as if by hand in the console.


def build(spec: Spec, iam: Any) -> None:
    arns = dict(AWS_POLICIES)
    for name, policy in spec.policies.items():
        optional = {"Description": policy["description"]} if policy["description"] else {}
        arns[name] = iam.create_policy(
            PolicyName=name,
            Path=policy["path"],
            PolicyDocument=json.dumps(policy["document"]),
            Tags=tag_list(policy["tags"]),
            **optional,
        )["Policy"]["Arn"]
    for name, group in spec.groups.items():
        iam.create_group(GroupName=name, Path=group["path"])
        for reference in group["policies"]:
            iam.attach_group_policy(GroupName=name, PolicyArn=arns[reference])
        for policy_name, doc in group["inline_policies"].items():
            iam.put_group_policy(
                GroupName=name, PolicyName=policy_name, PolicyDocument=json.dumps(doc)
            )
    for name, user in spec.users.items():
        build_user(iam, name, user, arns)


def build_user(iam: Any, name: str, user: dict[str, Any], arns: dict[str, str]) -> None:
    iam.create_user(UserName=name, Path=user["path"], Tags=tag_list(user["tags"]))
    for group in user["groups"]:
        iam.add_user_to_group(UserName=name, GroupName=group)
    for reference in user["policies"]:
        iam.attach_user_policy(UserName=name, PolicyArn=arns[reference])
    for policy_name, doc in user["inline_policies"].items():
        iam.put_user_policy(UserName=name, PolicyName=policy_name, PolicyDocument=json.dumps(doc))
    if user["console"]:
        iam.create_login_profile(UserName=name, Password="Initial-Passw0rd!")
    for _ in range(user["access_keys"] or 0):
        iam.create_access_key(UserName=name)


def plan(aws: Aws, path: str) -> AccountPlan:
    (config,) = load([path])
    return plan_account(config, aws)


@SETTINGS
@given(wanted=specs(), start=specs(min_users=0, user_names=USERS + (IGNORED_USER,)))
def test_apply_from_any_starting_account_leaves_nothing_to_plan(wanted: Spec, start: Spec) -> None:
    applied = assert_apply_converges(wanted, start)
    event(f"changes applied: {bucket(applied)}")


def assert_apply_converges(wanted: Spec, start: Spec) -> int:
    """Apply `wanted` to an account built as `start`, plan again; returns the changes applied."""
    with tempfile.TemporaryDirectory() as temporary, moto_account():
        directory = Path(temporary)
        build(start, boto3.client("iam", region_name="us-east-1"))
        path = to_file(wanted, directory)
        first = plan(Aws(session()), path)
        sink = SecretsSink(directory / "secrets", first.plan.sign_in_url)
        apply_account(first, sink, lambda change: None)

        again = plan(Aws(session()), path).plan.changes
        assert again == (), again
        return len(first.plan.changes)


def bucket(count: int) -> str:
    return "0" if count == 0 else "1-9" if count < 10 else "10-29" if count < 30 else "30+"


def test_moving_a_policy_to_another_path_while_a_group_drops_it_converges_in_one_apply():
    start = Spec(
        groups={"g1": {"path": "/", "policies": ["app-write"], "inline_policies": {}}},
        policies={
            "app-write": {"path": "/eng/", "description": "", "document": DOCUMENTS[0],
                          "tags": None}
        },
    )
    wanted = Spec(
        groups={"g1": {"path": "/", "policies": [], "inline_policies": {}}},
        policies={
            "app-write": {"path": "/", "description": "", "document": DOCUMENTS[0], "tags": None}
        },
    )
    assert_apply_converges(wanted, start)


# The same property without AWS: diff, then a model of what apply does to the live State, then
# diff again. Cheap, so it runs many more examples over a wider space (inactive keys, aliases,
# password policies, ignore patterns).

DOCS = tuple(canonical(doc) for doc in DOCUMENTS)
NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


DESCRIPTIONS = ("", "Application access")


def tags_of(tags: dict[str, str] | None, live: bool) -> dict[str, str] | None:
    """Live: always a mapping (maybe empty). Desired: None means not managed."""
    return (tags or {}) if live else tags


def arn_of(name: str, path: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy{path}{name}"


@st.composite
def states(draw: st.DrawFn, live: bool) -> State:
    policies = {
        name: ManagedPolicy(
            name,
            draw(st.sampled_from(DOCS)),
            path=POLICY_PATHS[name],
            description=draw(st.sampled_from(DESCRIPTIONS if live else (*DESCRIPTIONS, None))),
            tags=tags_of(draw(TAGS), live),
            arn=arn_of(name, POLICY_PATHS[name]) if live else "",
        )
        for name in draw(subset(CUSTOMER_POLICIES))
    }
    arns = sorted(AWS_POLICIES.values()) + [arn_of(n, POLICY_PATHS[n]) for n in policies]
    inline = st.dictionaries(st.sampled_from(["own", "logs"]), st.sampled_from(DOCS), max_size=2)
    groups = {
        name: Group(name, path=GROUP_PATHS[name], policies=frozenset(draw(subset(arns))),
                    inline_policies=draw(inline))
        for name in draw(subset(GROUPS))
    }
    users = {
        name: User(
            name,
            path=draw(st.sampled_from(["/", "/eng/"])),
            groups=frozenset(draw(subset(sorted(groups)))),
            policies=frozenset(draw(subset(arns))),
            inline_policies=draw(inline),
            tags=tags_of(draw(TAGS), live),
            **(live_credentials(draw, name) if live else wanted_credentials(draw)),
        )
        for name in draw(subset(USERS + ("cdk-deploy",)))
    }
    alias = draw(st.sampled_from(["acme", "beta"] + ([] if live else [None])))
    password_policy = draw(
        st.none() | st.builds(PasswordPolicy, minimum_length=st.sampled_from([8, 14]))
    )
    account = Account(ACCOUNT, alias=alias, password_policy=password_policy)
    return State(account, users, groups, policies, prune=draw(st.booleans()),
                 ignore=Ignore(users=("cdk-*",)))


def live_credentials(draw: st.DrawFn, name: str) -> dict[str, Any]:
    keys = tuple(
        AccessKey(f"AKIA{name.upper()}{i}", active=active, created=NOW)
        for i, active in enumerate(draw(st.lists(st.booleans(), max_size=2)))
    )
    return {"credentials": Credentials(draw(st.booleans()), keys, confirmed=True)}


def wanted_credentials(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "console": draw(st.none() | st.booleans()),
        "access_keys": draw(st.none() | st.integers(0, 2)),
    }


@dataclass
class World:
    """The live account as apply changes it, one change at a time."""

    account: Account
    users: dict[str, User]
    groups: dict[str, Group]
    policies: dict[str, ManagedPolicy]
    keys_made: int = 0

    def user(self, change: Change, **fields: Any) -> None:
        self.users[change.name] = replace(self.users[change.name], **fields)

    def group(self, change: Change, **fields: Any) -> None:
        self.groups[change.name] = replace(self.groups[change.name], **fields)

    def policy(self, change: Change, **fields: Any) -> None:
        self.policies[change.name] = replace(self.policies[change.name], **fields)

    def detach(self, arn: str) -> None:
        """Policy `arn` detached from every user and group."""
        self.users = {n: replace(u, policies=u.policies - {arn}) for n, u in self.users.items()}
        self.groups = {n: replace(g, policies=g.policies - {arn}) for n, g in self.groups.items()}

    def attach(self, arn: str, entities: Iterable[Entity]) -> None:
        for entity in entities:
            owners: dict[str, Any] = self.users if entity.kind == "user" else self.groups
            owners[entity.name] = replace(
                owners[entity.name], policies=owners[entity.name].policies | {arn}
            )


def edited(items: frozenset[str], change: Change) -> frozenset[str]:
    return items | {change.target} if change.action == Action.CREATE else items - {change.target}


def edited_inline(items: Mapping[str, Document], change: Change) -> dict[str, Document]:
    result = dict(items)
    if change.action == Action.DELETE:
        result.pop(change.target, None)
    else:
        result[change.target] = canonical(change.after)
    return result


def new_policy(name: str, spec: PolicySpec) -> ManagedPolicy:
    return ManagedPolicy(name, canonical(spec.document), path=spec.path,
                         description=spec.description, tags=spec.tags,
                         arn=arn_of(name, spec.path))


def simulate_user(world: World, change: Change) -> None:
    if change.action == Action.DELETE:
        del world.users[change.name]
        return
    spec = payload_as(change.after, UserSpec)
    world.users[change.name] = User(change.name, path=spec.path, tags=spec.tags,
                                    credentials=Credentials(confirmed=True))


def simulate_access_key(world: World, change: Change) -> None:
    creds = world.users[change.name].credentials or Credentials(confirmed=True)
    if change.action == Action.DELETE:
        keys = tuple(key for key in creds.access_keys if key.id != change.target)
    else:
        world.keys_made += 1
        keys = creds.access_keys + (AccessKey(f"AKIANEW{world.keys_made}", True, NOW),)
    assert len(keys) <= 2, "AWS allows two access keys per user"
    world.user(change, credentials=replace(creds, access_keys=keys))


def simulate_login_profile(world: World, change: Change) -> None:
    creds = world.users[change.name].credentials or Credentials(confirmed=True)
    world.user(change, credentials=replace(creds, login_profile=change.action == Action.CREATE))


def simulate_group(world: World, change: Change) -> None:
    if change.action == Action.CREATE:
        world.groups[change.name] = Group(change.name, path=payload_as(change.after, PathSpec).path)
        return
    del world.groups[change.name]
    world.users = {n: replace(u, groups=u.groups - {change.name}) for n, u in world.users.items()}


def simulate_policy(world: World, change: Change) -> None:
    if change.action == Action.REPLACE:
        simulate_replacement(world, change)
        return
    if change.action == Action.CREATE:
        world.policies[change.name] = new_policy(change.name, payload_as(change.after, PolicySpec))
        return
    assert set(attachments(world, change.target)) <= set(entities_in(change.before)), (
        "a policy is deleted only from where the plan said"
    )
    world.detach(change.target)
    del world.policies[change.name]


def simulate_replacement(world: World, change: Change) -> None:
    # As the writer does: detach where the plan recorded, delete, create, re-attach where the
    # plan says (this World has no roles).
    old_arn = payload_as(change.before, ReplacedPolicy).policy.arn
    assert set(attachments(world, old_arn)) <= set(entities_in(change.before))
    replacement = new_policy(change.name, payload_as(change.after, ReplacedPolicy).policy)
    world.detach(old_arn)
    world.policies[change.name] = replacement
    world.attach(replacement.arn, entities_in(change.after))


def attachments(world: World, arn: str) -> list[Entity]:
    return [Entity("user", n) for n, u in world.users.items() if arn in u.policies] + [
        Entity("group", n) for n, g in world.groups.items() if arn in g.policies
    ]


def simulate_member(world: World, change: Change) -> None:
    user = world.users[change.target]
    world.users[change.target] = replace(user, groups=user.groups - {change.name})


SIMULATE: dict[ChangeKind, Callable[[World, Change], None]] = {
    ChangeKind.USER: simulate_user,
    ChangeKind.USER_PATH: lambda w, c: w.user(c, path=c.after),
    ChangeKind.USER_TAGS: lambda w, c: w.user(c, tags=c.after),
    ChangeKind.LOGIN_PROFILE: simulate_login_profile,
    ChangeKind.ACCESS_KEY: simulate_access_key,
    ChangeKind.USER_GROUP: lambda w, c: w.user(c, groups=edited(w.users[c.name].groups, c)),
    ChangeKind.USER_POLICY: lambda w, c: w.user(c, policies=edited(w.users[c.name].policies, c)),
    ChangeKind.USER_INLINE_POLICY: lambda w, c: w.user(
        c, inline_policies=edited_inline(w.users[c.name].inline_policies, c)),
    ChangeKind.GROUP: simulate_group,
    ChangeKind.GROUP_PATH: lambda w, c: w.group(c, path=c.after),
    ChangeKind.GROUP_MEMBER: simulate_member,
    ChangeKind.GROUP_POLICY: lambda w, c: w.group(c, policies=edited(w.groups[c.name].policies, c)),
    ChangeKind.GROUP_INLINE_POLICY: lambda w, c: w.group(
        c, inline_policies=edited_inline(w.groups[c.name].inline_policies, c)),
    ChangeKind.POLICY: simulate_policy,
    ChangeKind.POLICY_DOCUMENT: lambda w, c: w.policy(c, document=canonical(c.after)),
    ChangeKind.POLICY_TAGS: lambda w, c: w.policy(c, tags=c.after),
    ChangeKind.ALIAS: lambda w, c: setattr(w, "account", replace(w.account, alias=cast(Any,
                                                                                       c.after))),
    ChangeKind.PASSWORD_POLICY: lambda w, c: setattr(
        w, "account", replace(w.account, password_policy=cast(Any, c.after))),
}


def simulate(live: State, changes: Iterable[Change]) -> State:
    world = World(live.account, dict(live.users), dict(live.groups), dict(live.policies))
    for change in changes:
        SIMULATE[change.kind](world, change)
    return State(world.account, world.users, world.groups, world.policies)


@settings(max_examples=200, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(desired=states(live=False), live=states(live=True))
def test_applying_the_diff_leaves_no_diff(desired: State, live: State) -> None:
    planned = order_changes(diff(desired, live).changes)
    after = simulate(live, planned)
    assert diff(desired, after).changes == ()
