"""A change's before and after are typed (core/payloads.py); a saved plan holds them as the JSON
the plan has always held, and reading one back rebuilds the typed value or refuses the plan.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.errors import IamctlError
from reconciler.core.kinds.changes import SPECS
from reconciler.core.kinds.declared import DECLARED
from reconciler.core.payloads import (
    Attachments,
    Members,
    OidcProviderSpec,
    PathSpec,
    PolicySpec,
    ReplacedPolicy,
    RoleSettings,
    RoleSpec,
    SamlProviderSpec,
    UserSpec,
)
from reconciler.core.plan.plan import Plan, change_from_dict, change_to_dict, plan_to_dict
from reconciler.core.state import Entity, PasswordPolicy
from reconciler.engine.saved_plans import load_saved_plans

ARN = "arn:aws:iam::123456789012:policy/Deploy"
DOCUMENT = '{"Version": "2012-10-17", "Statement": []}'
POLICY = PolicySpec("/ci/", "deploys", DOCUMENT, {"team": "ci"}, ARN)
ROLE, USER = Entity("role", "ci"), Entity("user", "bob")
THUMB = "a" * 40

# A replacement (`-/+`): both sides are the policy and where it is attached.
REPLACEMENT = Change(
    Action.REPLACE, ChangeKind.POLICY, "Deploy",
    before=ReplacedPolicy(POLICY, (ROLE, USER)), after=ReplacedPolicy(POLICY, (ROLE,)),
)

# One change of each kind, with the payloads its kind carries (both sides where it has two).
SAMPLES: dict[ChangeKind, Change] = {
    ChangeKind.ALIAS: Change(Action.UPDATE, ChangeKind.ALIAS, "1", before="old", after="new"),
    ChangeKind.POLICY: Change(Action.CREATE, ChangeKind.POLICY, "Deploy", after=POLICY),
    ChangeKind.POLICY_DOCUMENT: Change(Action.UPDATE, ChangeKind.POLICY_DOCUMENT, "Deploy",
                                       target=ARN,
                                 before=DOCUMENT, after=DOCUMENT),
    ChangeKind.POLICY_TAGS: Change(Action.UPDATE, ChangeKind.POLICY_TAGS, "Deploy", target=ARN,
                             before={"a": "1"}, after={}),
    ChangeKind.GROUP: Change(Action.DELETE, ChangeKind.GROUP, "ops", before=Members((USER,))),
    ChangeKind.GROUP_PATH: Change(Action.UPDATE, ChangeKind.GROUP_PATH, "ops", before="/",
                                  after="/ops/"),
    ChangeKind.GROUP_POLICY: Change(Action.CREATE, ChangeKind.GROUP_POLICY, "ops", target=ARN),
    ChangeKind.GROUP_INLINE_POLICY: Change(Action.CREATE, ChangeKind.GROUP_INLINE_POLICY, "ops",
                                           target="i",
                                     after=DOCUMENT),
    ChangeKind.GROUP_MEMBER: Change(Action.DELETE, ChangeKind.GROUP_MEMBER, "ops", target="bob"),
    ChangeKind.USER: Change(Action.CREATE, ChangeKind.USER, "bob", after=UserSpec("/",
                                                                                  {"team": "a"})),
    ChangeKind.USER_PATH: Change(Action.UPDATE, ChangeKind.USER_PATH, "bob", before="/a/",
                                 after="/b/"),
    ChangeKind.USER_TAGS: Change(Action.UPDATE, ChangeKind.USER_TAGS, "bob", before={},
                                 after={"a": "1"}),
    ChangeKind.USER_GROUP: Change(Action.CREATE, ChangeKind.USER_GROUP, "bob", target="ops"),
    ChangeKind.USER_POLICY: Change(Action.DELETE, ChangeKind.USER_POLICY, "bob", target=ARN),
    ChangeKind.USER_INLINE_POLICY: Change(Action.DELETE, ChangeKind.USER_INLINE_POLICY, "bob",
                                          target="i",
                                    before=DOCUMENT),
    ChangeKind.LOGIN_PROFILE: Change(Action.CREATE, ChangeKind.LOGIN_PROFILE, "bob"),
    ChangeKind.ACCESS_KEY: Change(Action.DELETE, ChangeKind.ACCESS_KEY, "bob", target="AKIAOLD"),
    ChangeKind.ACCESS_KEY_STATUS: Change(Action.UPDATE, ChangeKind.ACCESS_KEY_STATUS, "bob",
                                   target="AKIAOLD", before="Active", after="Inactive"),
    ChangeKind.PASSWORD_POLICY: Change(Action.UPDATE, ChangeKind.PASSWORD_POLICY, "1",
                                 before=PasswordPolicy(),
                                 after=PasswordPolicy(14, require_symbols=True, max_age_days=90)),
    ChangeKind.ROLE: Change(Action.CREATE, ChangeKind.ROLE, "ci", after=RoleSpec(
        "/ci/", "deploys", 7200, DOCUMENT, ARN, {"team": "ci"})),
    ChangeKind.ROLE_SETTINGS: Change(Action.UPDATE, ChangeKind.ROLE_SETTINGS, "ci",
                               before=RoleSettings("", 3600), after=RoleSettings(None, 7200)),
    ChangeKind.ROLE_TRUST: Change(Action.UPDATE, ChangeKind.ROLE_TRUST, "ci", after=DOCUMENT),
    ChangeKind.ROLE_BOUNDARY: Change(Action.UPDATE, ChangeKind.ROLE_BOUNDARY, "ci", before=ARN,
                                     after=ARN),
    ChangeKind.ROLE_TAGS: Change(Action.UPDATE, ChangeKind.ROLE_TAGS, "ci", before={"a": "1"},
                                 after={}),
    ChangeKind.ROLE_POLICY: Change(Action.CREATE, ChangeKind.ROLE_POLICY, "ci", target=ARN),
    ChangeKind.ROLE_INLINE_POLICY: Change(Action.UPDATE, ChangeKind.ROLE_INLINE_POLICY, "ci",
                                          target="i",
                                    before=DOCUMENT, after=DOCUMENT),
    ChangeKind.INSTANCE_PROFILE: Change(Action.CREATE, ChangeKind.INSTANCE_PROFILE, "ci",
                                  after=PathSpec("/ci/")),
    ChangeKind.USER_BOUNDARY: Change(Action.DELETE, ChangeKind.USER_BOUNDARY, "bob", before=ARN),
    ChangeKind.OIDC_PROVIDER: Change(Action.CREATE, ChangeKind.OIDC_PROVIDER, "idp.example.com",
                                     after=(
        OidcProviderSpec("https://idp.example.com", ("sts.amazonaws.com",), None, {}))),
    ChangeKind.OIDC_CLIENT_ID: Change(Action.CREATE, ChangeKind.OIDC_CLIENT_ID, "idp.example.com",
                                after="sts.amazonaws.com"),
    ChangeKind.OIDC_THUMBPRINTS: Change(Action.UPDATE, ChangeKind.OIDC_THUMBPRINTS,
                                        "idp.example.com",
                                  before=[], after=[THUMB]),
    ChangeKind.OIDC_PROVIDER_TAGS: Change(Action.UPDATE, ChangeKind.OIDC_PROVIDER_TAGS,
                                          "idp.example.com",
                                    before={}, after={"a": "1"}),
    ChangeKind.SAML_PROVIDER: Change(Action.CREATE, ChangeKind.SAML_PROVIDER, "okta",
                               after=SamlProviderSpec("<md/>", {"idp": "okta"})),
    ChangeKind.SAML_METADATA: Change(Action.UPDATE, ChangeKind.SAML_METADATA, "okta", before="<a/>",
                               after="<b/>"),
    ChangeKind.SAML_PROVIDER_TAGS: Change(Action.UPDATE, ChangeKind.SAML_PROVIDER_TAGS, "okta",
                                    before={"a": "1"}, after={}),
}


def saved(change: Change) -> dict[str, Any]:
    """As a saved plan file holds it: through JSON text and back."""
    return json.loads(json.dumps(change_to_dict(change)))  # type: ignore[no-any-return]


def test_every_built_in_kind_has_a_sample_here() -> None:
    """A kind declared in a module of its own has its saved plan tested with it."""
    declared = {kind_spec.kind for kind in DECLARED for kind_spec in kind.changes}
    assert set(SAMPLES) == {s.kind for s in SPECS} - declared


@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda kind: kind.value)
def test_a_saved_change_reads_back_with_its_typed_payloads(kind: ChangeKind) -> None:
    change = SAMPLES[kind]
    assert change_from_dict(saved(change)) == change


def test_a_saved_replacement_reads_back_with_the_policy_on_both_sides() -> None:
    assert saved(REPLACEMENT)["action"] == "replace"
    assert change_from_dict(saved(REPLACEMENT)) == REPLACEMENT
    # A creation's payload is not a replacement's, nor the other way round.
    data = saved(REPLACEMENT)
    data["action"] = "delete"
    with pytest.raises(ValueError, match="the before of a policy change: .*object with attached"):
        change_from_dict(data)


def test_only_a_kind_that_says_how_its_replacement_reads_back_is_replaced() -> None:
    data = saved(SAMPLES[ChangeKind.ROLE])
    data["action"] = "replace"
    with pytest.raises(ValueError, match="a role change cannot replace"):
        change_from_dict(data)


def test_the_json_of_structured_payloads_is_the_plan_format() -> None:
    """What a saved plan or `plan --json` has always held: plain objects, entities as
    {kind, name}, the password policy's fields by name."""
    replacement = saved(REPLACEMENT)
    assert replacement["before"] == {
        "path": "/ci/", "description": "deploys", "document": DOCUMENT, "tags": {"team": "ci"},
        "arn": ARN, "attached": [{"kind": "role", "name": "ci"}, {"kind": "user", "name": "bob"}],
    }
    assert saved(SAMPLES[ChangeKind.GROUP])["before"] == {"members": [{"kind": "user",
                                                                       "name": "bob"}]}
    assert saved(SAMPLES[ChangeKind.USER])["after"] == {"path": "/", "tags": {"team": "a"}}
    assert saved(SAMPLES[ChangeKind.ROLE])["after"] == {
        "path": "/ci/", "description": "deploys", "max_session_duration": 7200,
        "trust": DOCUMENT, "permissions_boundary": ARN, "tags": {"team": "ci"},
    }
    assert saved(SAMPLES[ChangeKind.OIDC_PROVIDER])["after"] == {
        "url": "https://idp.example.com", "client_ids": ["sts.amazonaws.com"],
        "thumbprints": None, "tags": {},
    }
    policy = saved(SAMPLES[ChangeKind.PASSWORD_POLICY])["after"]
    assert (policy["minimum_length"], policy["max_age_days"], policy["hard_expiry"]) == (
        14, 90, False)
    assert saved(Change(Action.DELETE, ChangeKind.POLICY, "Deploy", target=ARN,
                        before=Attachments((ROLE,))))["before"] == {
        "attached": [{"kind": "role", "name": "ci"}]}


@pytest.mark.parametrize(
    ("kind", "side", "value", "message"),
    [
        (ChangeKind.USER, "after", {"path": "/"}, "object with path, tags"),  # tags missing
        (ChangeKind.USER, "after", {"path": 3, "tags": {}}, "a string"),
        (ChangeKind.GROUP, "before", {"members": [{"kind": "user"}]}, "object with kind, name"),
        (ChangeKind.ROLE_SETTINGS, "after", {"description": "x", "max_session_duration": True},
         "int or null"),
        (ChangeKind.USER_TAGS, "after", {"a": 1}, "tags"),
        (ChangeKind.OIDC_THUMBPRINTS, "after", "abc", "list of strings"),
        (ChangeKind.ALIAS, "after", {"alias": "acme"}, "a string"),
        (ChangeKind.PASSWORD_POLICY, "after", {"minimum_length": 14}, "object with minimum_length"),
        (ChangeKind.LOGIN_PROFILE, "after", "hunter2", "carries no after"),
    ],
    ids=lambda value: value.value if isinstance(value, ChangeKind) else None,
)
def test_a_saved_payload_of_another_shape_is_refused(
    kind: ChangeKind, side: str, value: Any, message: str
) -> None:
    data = saved(SAMPLES[kind])
    data[side] = value
    with pytest.raises(ValueError, match=f"the {side} of a {kind.value} change: .*{message}"
                       if "carries" not in message else message):
        change_from_dict(data)


def test_a_replacement_of_another_shape_is_refused() -> None:
    data = saved(REPLACEMENT)
    data["after"] = {"attached": []}
    with pytest.raises(ValueError, match="the after of a policy change: .*object with path"):
        change_from_dict(data)


def test_apply_refuses_a_saved_plan_with_an_edited_payload_before_anything(tmp_path) -> None:
    plan = Plan("123456789012", None, (SAMPLES[ChangeKind.USER],))
    data = plan_to_dict(plan)
    data["changes"][0]["after"] = {"path": "/", "tags": {"team": ["a", "b"]}}
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data))
    with pytest.raises(IamctlError, match="not a saved iamctl plan .*after of a user change"):
        load_saved_plans(str(plan_file))


def test_a_plan_saved_in_another_format_is_refused(tmp_path) -> None:
    """Format 1 wrote a replacement as an update of `policy_replacement`: read now, its changes
    could mean something else, so apply asks for a new plan instead."""
    data = plan_to_dict(Plan("123456789012", None, (REPLACEMENT,)))
    assert data["format_version"] == 2
    data["format_version"] = 1
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data))
    with pytest.raises(IamctlError, match="written in plan format 1, .* format 2: plan again"):
        load_saved_plans(str(plan_file))
