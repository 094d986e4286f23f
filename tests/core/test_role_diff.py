"""What the diff plans for roles and boundaries: plain data, no AWS."""

from __future__ import annotations

import pytest

from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.diff.diff import diff
from reconciler.core.diff.names import align_names
from reconciler.core.payloads import PathSpec, RoleSettings, RoleSpec, payload_as
from reconciler.core.policy.documents import canonical
from reconciler.core.state import Document, Role, User
from tests.factories import (
    ACCOUNT_ID,
    EC2_TRUST,
    READ_ONLY,
    doc,
    live_policy,
    live_role,
    live_user,
    state,
)

BOUNDARY = f"arn:aws:iam::{ACCOUNT_ID}:policy/Boundary"
OTHER = f"arn:aws:iam::{ACCOUNT_ID}:policy/Other"


def trust(principal: object) -> Document:
    return canonical(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def changes_for(wanted: Role, *live: object) -> list[Change]:
    return list(diff(state(wanted), state(*live)).changes)


def test_a_new_role_is_created_in_one_change_then_what_it_holds() -> None:
    wanted = Role(
        "deploy", path="/ci/", description="Deploys", trust=EC2_TRUST, max_session_duration=7200,
        permissions_boundary=BOUNDARY, policies=frozenset({READ_ONLY}),
        inline_policies={"logs": doc("logs:*")}, tags={"team": "a"}, instance_profile=True,
    )
    changes = changes_for(wanted)
    assert [(c.action, c.kind) for c in changes] == [
        (Action.CREATE, ChangeKind.ROLE),
        (Action.CREATE, ChangeKind.ROLE_POLICY),
        (Action.CREATE, ChangeKind.ROLE_INLINE_POLICY),
        (Action.CREATE, ChangeKind.INSTANCE_PROFILE),
    ]
    assert changes[0].after == RoleSpec(
        path="/ci/", description="Deploys", max_session_duration=7200,
        trust=EC2_TRUST.text, permissions_boundary=BOUNDARY, tags={"team": "a"},
    )
    assert changes[3].after == PathSpec("/ci/")  # the profile takes the role's path


def test_a_role_as_declared_needs_no_change() -> None:
    wanted = Role("r", path="/", description="", trust=EC2_TRUST, max_session_duration=3600,
                  tags={}, instance_profile=False)
    assert changes_for(wanted, live_role("r")) == []


@pytest.mark.parametrize(
    "respelled",
    [
        {"AWS": "arn:aws:iam::210987654321:root"},  # an account id as AWS stores it
        {"AWS": ["210987654321"]},  # a one-element list
    ],
)
def test_a_trust_policy_spelled_another_way_is_no_change(respelled: object) -> None:
    wanted = Role("r", trust=trust({"AWS": "210987654321"}))
    assert changes_for(wanted, live_role("r", trust=trust(respelled))) == []


def test_principals_in_another_order_are_no_change() -> None:
    wanted = Role("r", trust=trust({"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}))
    live = live_role("r", trust=trust({"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}))
    assert changes_for(wanted, live) == []


def test_a_new_principal_changes_the_trust_policy() -> None:
    wanted = Role("r", trust=trust({"AWS": "210987654321"}))
    [change] = changes_for(wanted, live_role("r"))
    assert (change.action, change.kind) == (Action.UPDATE, ChangeKind.ROLE_TRUST)
    assert (change.before, change.after) == (EC2_TRUST.text, wanted.trust.text)  # type: ignore[union-attr]


def test_settings_are_managed_only_when_given_and_sent_together() -> None:
    live = live_role("r", description="old", max_session_duration=7200)
    assert changes_for(Role("r", trust=EC2_TRUST), live) == []
    [change] = changes_for(Role("r", trust=EC2_TRUST, description="new"), live)
    assert change.kind == ChangeKind.ROLE_SETTINGS
    assert change.before == RoleSettings("old", 7200)
    assert change.after == RoleSettings("new", 7200)
    [change] = changes_for(Role("r", trust=EC2_TRUST, max_session_duration=3600), live)
    assert change.after == RoleSettings("old", 3600)


@pytest.mark.parametrize(
    ("wanted", "current", "action"),
    [
        (BOUNDARY, None, Action.CREATE),
        (OTHER, BOUNDARY, Action.UPDATE),
        (None, BOUNDARY, Action.DELETE),  # exact: none in the file removes the one found
    ],
)
def test_boundaries_are_exact_for_roles_and_users(
    wanted: str | None, current: str | None, action: Action
) -> None:
    [role_change] = changes_for(
        Role("r", trust=EC2_TRUST, permissions_boundary=wanted),
        live_role("r", permissions_boundary=current),
    )
    user_changes = diff(
        state(User("u", permissions_boundary=wanted)),
        state(live_user("u", permissions_boundary=current)),
    ).changes
    for change, kind in ((role_change, ChangeKind.ROLE_BOUNDARY), (user_changes[0],
                                                                   ChangeKind.USER_BOUNDARY)):
        assert (change.action, change.kind) == (action, kind)
        assert (change.before, change.after) == (current, wanted)


def test_a_new_user_with_a_boundary_gets_it_after_creation() -> None:
    changes = diff(state(User("u", permissions_boundary=BOUNDARY)), state()).changes
    assert [(c.action, c.kind, c.after) for c in changes][1:] == [
        (Action.CREATE, ChangeKind.USER_BOUNDARY, BOUNDARY)]


def test_attachments_and_inline_policies_are_exact() -> None:
    live = live_role("r", policies=frozenset({READ_ONLY}), inline_policies={"old": doc()})
    changes = changes_for(Role("r", trust=EC2_TRUST), live)
    assert [(c.action, c.kind, c.target) for c in changes] == [
        (Action.DELETE, ChangeKind.ROLE_POLICY, READ_ONLY),
        (Action.DELETE, ChangeKind.ROLE_INLINE_POLICY, "old"),
    ]


@pytest.mark.parametrize(
    ("wanted", "current", "expected"),
    [
        (None, True, []),
        (None, False, []),
        (True, True, []),
        (True, False, [Action.CREATE]),
        (False, True, [Action.DELETE]),
    ],
)
def test_the_instance_profile(wanted: bool | None, current: bool, expected: list[Action]) -> None:
    changes = changes_for(
        Role("r", trust=EC2_TRUST, instance_profile=wanted),
        live_role("r", path="/ci/", instance_profile=current),
    )
    assert [c.action for c in changes if c.kind == ChangeKind.INSTANCE_PROFILE] == expected


def test_another_path_is_a_human_step_never_a_deletion() -> None:
    result = diff(state(Role("r", path="/new/", trust=EC2_TRUST)), state(live_role("r")))
    assert result.changes == ()
    [step] = result.human_steps
    assert (step.subject, step.name) == ("role_path", "role r")
    assert "path / -> /new/ cannot change: IAM cannot move a role" in step.message


def test_a_declared_role_that_belongs_to_aws_is_never_changed() -> None:
    owned = live_role("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/")
    result = diff(state(Role("AWSServiceRoleForSupport", trust=EC2_TRUST)), state(owned))
    assert result.changes == ()
    [step] = result.human_steps
    assert (step.subject, step.name) == ("role_owned_by_aws", "role AWSServiceRoleForSupport")
    assert step.message.startswith("belongs to AWS (path /aws-service-role/support.amazonaws.com/)")


def test_a_role_in_another_case_plans_against_the_account_spelling() -> None:
    desired = state(Role("Deploy", trust=EC2_TRUST, permissions_boundary=BOUNDARY.lower()))
    live = state(live_role("deploy", permissions_boundary=BOUNDARY), live_policy("Boundary"))
    aligned, notes = align_names(desired, live)
    assert list(aligned.roles) == ["deploy"]
    assert aligned.roles["deploy"].permissions_boundary == BOUNDARY
    assert notes == ("role Deploy in the file is deploy in the account (IAM names ignore case): "
                     "planned as deploy",)
    assert diff(aligned, live).changes == ()


# Each attribute's change, whole: the entity it names, its kind, action and values.

TRUSTED_BY_ACCOUNT = trust({"AWS": "210987654321"})


@pytest.mark.parametrize(
    ("wanted", "live", "expected"),
    [
        (Role("r", trust=EC2_TRUST, description="new"), live_role("r"),
         Change(Action.UPDATE, ChangeKind.ROLE_SETTINGS, "r",
                before=RoleSettings("", 3600), after=RoleSettings("new", 3600))),
        (Role("r", trust=TRUSTED_BY_ACCOUNT), live_role("r"),
         Change(Action.UPDATE, ChangeKind.ROLE_TRUST, "r", before=EC2_TRUST.text,
                after=TRUSTED_BY_ACCOUNT.text)),
        (Role("r", trust=EC2_TRUST, permissions_boundary=BOUNDARY), live_role("r"),
         Change(Action.CREATE, ChangeKind.ROLE_BOUNDARY, "r", after=BOUNDARY)),
        (Role("r", trust=EC2_TRUST), live_role("r", permissions_boundary=BOUNDARY),
         Change(Action.DELETE, ChangeKind.ROLE_BOUNDARY, "r", before=BOUNDARY)),
        (Role("r", trust=EC2_TRUST, tags={"a": "1"}), live_role("r", tags={"a": "2"}),
         Change(Action.UPDATE, ChangeKind.ROLE_TAGS, "r", before={"a": "2"}, after={"a": "1"})),
        (Role("r", trust=EC2_TRUST, policies=frozenset({READ_ONLY})), live_role("r"),
         Change(Action.CREATE, ChangeKind.ROLE_POLICY, "r", target=READ_ONLY)),
        (Role("r", trust=EC2_TRUST, inline_policies={"p": doc()}), live_role("r"),
         Change(Action.CREATE, ChangeKind.ROLE_INLINE_POLICY, "r", target="p", after=doc().text)),
        (Role("r", trust=EC2_TRUST, instance_profile=True), live_role("r", path="/ci/"),
         Change(Action.CREATE, ChangeKind.INSTANCE_PROFILE, "r", after=PathSpec("/ci/"))),
        (Role("r", trust=EC2_TRUST, instance_profile=False),
         live_role("r", instance_profile=True),
         Change(Action.DELETE, ChangeKind.INSTANCE_PROFILE, "r")),
    ],
    ids=["settings", "trust", "boundary added", "boundary removed", "tags", "policy",
         "inline policy", "profile added", "profile removed"],
)
def test_each_attribute_change_whole(wanted: Role, live: Role, expected: Change) -> None:
    changes = changes_for(wanted, live)
    assert changes == [expected]
    assert changes[0].name == "r"  # compared too, but said outright: the role's own name


def test_every_declared_role_is_diffed_whatever_comes_before_it() -> None:
    owned = live_role("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/")
    desired = state(
        Role("AWSServiceRoleForSupport", trust=EC2_TRUST),
        Role("a", trust=EC2_TRUST, tags={"t": "1"}),
        Role("b", trust=EC2_TRUST, tags={"t": "2"}),
    )
    live = state(owned, live_role("a"), live_role("b"))
    changes = diff(desired, live).changes
    assert [(c.kind, c.name) for c in changes] == [(ChangeKind.ROLE_TAGS, "a"),
                                                   (ChangeKind.ROLE_TAGS, "b")]


def test_a_new_role_without_a_path_gets_its_profile_on_slash() -> None:
    changes = changes_for(Role("r", trust=EC2_TRUST, instance_profile=True))
    assert payload_as(changes[0].after, RoleSpec).path == "/"
    assert changes[1] == Change(Action.CREATE, ChangeKind.INSTANCE_PROFILE, "r",
                                after=PathSpec("/"))


def test_a_new_role_without_a_profile_plans_no_profile_removal() -> None:
    changes = changes_for(Role("r", trust=EC2_TRUST, instance_profile=False, tags={"a": "1"}))
    assert [c.kind for c in changes] == [ChangeKind.ROLE]
    assert payload_as(changes[0].after, RoleSpec).trust == EC2_TRUST.text


def test_a_new_user_boundary_change_names_the_user() -> None:
    [change] = diff(state(User("u")), state(live_user("u", permissions_boundary=BOUNDARY))).changes
    assert change == Change(Action.DELETE, ChangeKind.USER_BOUNDARY, "u", before=BOUNDARY)
