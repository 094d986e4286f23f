"""Self-lockout, with plain data: which changes would cut off the credentials running iamctl."""

from __future__ import annotations

import pytest
from factories import ACCOUNT_ID, ADMIN, READ_ONLY, doc, live_group, live_user, state

from reconciler.core.lockout import mark_self_lockout
from reconciler.core.model import Action, Caller, Change, Entity, Kind
from reconciler.core.payloads import Attachments, PolicySpec, ReplacedPolicy

OPS = frozenset({"ops"})
POLICY = f"arn:aws:iam::{ACCOUNT_ID}:policy/Deploy"
LIVE = state(
    live_user("runner", keys=1, groups=OPS | {"empty"}, policies=frozenset({ADMIN}),
              inline_policies={"own": doc()}),
    live_user("other", keys=1, groups=OPS),
    live_group("ops", policies=frozenset({READ_ONLY})),
    live_group("empty"),
)
KEY = "AKIARUNNER0"  # live_user's first key of `runner`
USER = Caller(user="runner", access_key_id=KEY)
ROLE = Caller(role="deployer")


def attached(*entities: tuple[str, str]) -> Attachments:
    return Attachments(tuple(Entity(kind, name) for kind, name in entities))


def replaced(*entities: tuple[str, str], arn: str = "") -> ReplacedPolicy:
    return ReplacedPolicy(PolicySpec("/", "", "{}", {}, arn), attached(*entities).attached)


def delete(kind: Kind, name: str, target: str = "", **fields) -> Change:
    return Change(Action.DELETE, kind, name, target=target, **fields)


def deactivate(name: str, key: str) -> Change:
    return Change(Action.UPDATE, Kind.ACCESS_KEY_STATUS, name, target=key, before="Active",
                  after="Inactive")


REPLACE_ON_ROLE = Change(
    Action.UPDATE, Kind.POLICY_REPLACEMENT, "Deploy",
    before=replaced(("role", "deployer"), ("user", "other"), arn=POLICY),
    after=replaced(("role", "deployer")),
)


@pytest.mark.parametrize(
    ("change", "caller", "expected"),
    [
        (delete(Kind.ACCESS_KEY, "runner", KEY), USER,
         "deletes the access key these credentials use"),
        (delete(Kind.ACCESS_KEY, "Runner", KEY), USER,  # names ignore case
         "deletes the access key these credentials use"),
        (delete(Kind.ACCESS_KEY, "runner", "AKIAOTHER"), USER, ""),
        (delete(Kind.ACCESS_KEY, "other", "AKIAOTHER0"), USER, ""),
        # Deactivating the key (a rotation's or unused-credentials step) cuts off as surely.
        (deactivate("runner", KEY), USER, "deactivates the access key these credentials use"),
        (deactivate("runner", "AKIAOTHER"), USER, ""),
        (deactivate("other", "AKIAOTHER0"), USER, ""),
        (delete(Kind.USER_GROUP, "runner", "ops"), USER,
         "removes the user these credentials belong to from group ops, which gives it "
         "permissions"),
        (delete(Kind.USER_GROUP, "runner", "empty"), USER, ""),  # the group gives nothing
        (delete(Kind.USER_GROUP, "other", "ops"), USER, ""),
        (delete(Kind.GROUP_MEMBER, "ops", "runner"), USER,
         "removes the user these credentials belong to from group ops, which gives it "
         "permissions"),
        (delete(Kind.USER_POLICY, "runner", ADMIN), USER,
         "detaches AdministratorAccess from the user these credentials belong to"),
        (delete(Kind.USER_INLINE_POLICY, "runner", "own"), USER,
         "deletes inline policy own of the user these credentials belong to"),
        (delete(Kind.USER_POLICY, "other", ADMIN), USER, ""),
        (delete(Kind.GROUP_POLICY, "ops", READ_ONLY), USER,
         "detaches ReadOnlyAccess from group ops, through which these credentials get "
         "permissions"),
        (delete(Kind.GROUP_INLINE_POLICY, "ops", "x"), USER,
         "deletes inline policy x of group ops, through which these credentials get "
         "permissions"),
        (delete(Kind.GROUP, "ops"), USER,
         "deletes group ops, through which these credentials get permissions"),
        (delete(Kind.GROUP_POLICY, "ops", READ_ONLY), Caller(user="stranger"), ""),
        (delete(Kind.USER, "runner"), USER, "deletes the user these credentials belong to"),
        (delete(Kind.POLICY, "Deploy", POLICY, before=attached(("user", "runner"))), USER,
         "detaches policy Deploy from the user these credentials belong to"),
        (delete(Kind.POLICY, "Deploy", POLICY, before=attached(("group", "ops"))), USER,
         "detaches policy Deploy from group ops, through which these credentials get "
         "permissions"),
        (delete(Kind.POLICY, "Deploy", POLICY, before=attached(("group", "ops"))), ROLE, ""),
        (REPLACE_ON_ROLE, ROLE,
         "detaches policy Deploy from role deployer, which these credentials run as"),
        (REPLACE_ON_ROLE, Caller(role="Deployer"),
         "detaches policy Deploy from role deployer, which these credentials run as"),
        (REPLACE_ON_ROLE, USER, ""),
        # Adding never locks out; nor do changes to others, or unknown callers.
        (Change(Action.CREATE, Kind.USER_POLICY, "runner", target=ADMIN), USER, ""),
        (Change(Action.UPDATE, Kind.USER_TAGS, "runner", before={}, after={}), USER, ""),
        (delete(Kind.LOGIN_PROFILE, "runner"), USER, ""),
        (delete(Kind.USER_POLICY, "runner", ADMIN), Caller(), ""),
    ],
)
def test_self_lockout(change: Change, caller: Caller, expected: str) -> None:
    (marked,) = mark_self_lockout([change], LIVE, caller)
    assert marked.self_lockout == expected
    assert marked == change  # the mark says who runs iamctl, not what the change does


def test_after_assuming_a_role_the_caller_key_is_the_roles_not_the_sessions(aws):
    """The self-lockout check compares changes with the key in use: after AssumeRole that is the
    role session's key, never the key of the credentials that assumed it."""
    aws.iam("create_role", "create a role", RoleName="deployer",
            AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')
    assumed = aws.assume_role("arn:aws:iam::123456789012:role/deployer", None)
    own = aws.access_key_id()
    assert own is not None
    assert assumed.access_key_id() not in (None, own)


BOUNDARY = f"arn:aws:iam::{ACCOUNT_ID}:policy/Boundary"


def boundary(kind: Kind, action: Action, name: str) -> Change:
    before = None if action == Action.CREATE else BOUNDARY
    after = None if action == Action.DELETE else BOUNDARY
    return Change(action, kind, name, before=before, after=after)


@pytest.mark.parametrize(
    ("change", "caller", "expected"),
    [
        (delete(Kind.ROLE, "deployer"), ROLE,
         "deletes role deployer, which these credentials run as"),
        (delete(Kind.ROLE, "Deployer"), ROLE,  # names ignore case
         "deletes role Deployer, which these credentials run as"),
        (delete(Kind.ROLE, "other"), ROLE, ""),
        (delete(Kind.ROLE, "deployer"), USER, ""),
        (delete(Kind.ROLE_POLICY, "deployer", ADMIN), ROLE,
         "detaches AdministratorAccess from role deployer, which these credentials run as"),
        (delete(Kind.ROLE_INLINE_POLICY, "deployer", "own"), ROLE,
         "deletes inline policy own of role deployer, which these credentials run as"),
        (delete(Kind.INSTANCE_PROFILE, "deployer"), ROLE,
         "removes role deployer, which these credentials run as, from its instance profile"),
        (boundary(Kind.ROLE_BOUNDARY, Action.CREATE, "deployer"), ROLE,
         "sets a permissions boundary on role deployer, which these credentials run as"),
        (boundary(Kind.ROLE_BOUNDARY, Action.UPDATE, "deployer"), ROLE,
         "sets a permissions boundary on role deployer, which these credentials run as"),
        (boundary(Kind.USER_BOUNDARY, Action.CREATE, "runner"), USER,
         "sets a permissions boundary on the user these credentials belong to"),
        (boundary(Kind.USER_BOUNDARY, Action.UPDATE, "Runner"), USER,
         "sets a permissions boundary on the user these credentials belong to"),
        # A boundary removed takes nothing away; nor does a change to another entity.
        (boundary(Kind.ROLE_BOUNDARY, Action.DELETE, "deployer"), ROLE, ""),
        (boundary(Kind.USER_BOUNDARY, Action.DELETE, "runner"), USER, ""),
        (boundary(Kind.USER_BOUNDARY, Action.CREATE, "other"), USER, ""),
        (boundary(Kind.ROLE_BOUNDARY, Action.CREATE, "runner"), USER, ""),
        (Change(Action.CREATE, Kind.ROLE_POLICY, "deployer", target=ADMIN), ROLE, ""),
    ],
)
def test_self_lockout_through_roles_and_boundaries(
    change: Change, caller: Caller, expected: str
) -> None:
    (marked,) = mark_self_lockout([change], LIVE, caller)
    assert marked.self_lockout == expected
