"""The plan at its edges: a saved plan keeps everything, the fingerprint sees every decided fact
and only those, an access key is removed before its replacement is made.

Written from the survivors of `make mutate`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from reconciler.core.changes import (
    Action,
    Change,
    ChangeKind,
    Finding,
    HumanStep,
    PlainFile,
    StepSubject,
)
from reconciler.core.diff.diff import Diff
from reconciler.core.plan.plan import make_plan, plan_from_dict, plan_to_dict
from reconciler.core.state import AccessKey, Account, Credentials, State, User
from tests.factories import ACCOUNT_ID, ADMIN, doc, live_group, live_user, state

KEY_REMOVAL = Change(Action.DELETE, ChangeKind.ACCESS_KEY, "u", target="AKIAOLD", note="never used")
KEY_CREATION = Change(Action.CREATE, ChangeKind.ACCESS_KEY, "u")
DOC_CHANGE = Change(
    Action.UPDATE,
    ChangeKind.USER_INLINE_POLICY,
    "u",
    target="i",
    before=doc("s3:A").text,
    after=doc("s3:B").text,
)


def full_plan(live: State | None = None):
    desired = state(User("u"), account=Account(ACCOUNT_ID))
    result = Diff(
        changes=(KEY_CREATION, KEY_REMOVAL, DOC_CHANGE),
        human_steps=(HumanStep(StepSubject.USER_MFA, "u", "enrol an MFA device"),),
        unmanaged={"users": ("other", "someone")},
        kept=("user runner is not deleted",),
    )
    findings = [Finding("1.14", "u", "access key older than 90 days")]
    return make_plan(desired, live or state(live_user("u")), result, findings)


def test_a_saved_plan_reads_back_as_the_same_plan() -> None:
    plan = full_plan()
    saved = json.loads(json.dumps(plan_to_dict(plan)))
    assert saved["warnings"] == [
        {"check": "1.14", "name": "u", "message": "access key older than 90 days", "fails": False}
    ]
    assert saved["unmanaged"] == {"users": ["other", "someone"]}
    assert saved["kept"] == ["user runner is not deleted"]
    assert saved["human_steps"] == [
        {"kind": "user_mfa", "name": "u", "message": "enrol an MFA device"}
    ]
    loaded = plan_from_dict(saved)
    assert loaded == plan
    assert loaded.human_steps[0].subject is StepSubject.USER_MFA
    assert loaded.changes[2].before == doc("s3:A").text and loaded.changes[0].note == "never used"


def test_an_access_key_is_removed_before_its_replacement_is_created() -> None:
    # AWS allows two keys per user: the removal must run first.
    assert full_plan().changes[:2] == (
        KEY_REMOVAL, replace(KEY_CREATION, destination=PlainFile()))


def test_the_plan_names_the_alias_the_account_will_have() -> None:
    live = state(live_user("u"), account=Account(ACCOUNT_ID, alias="live-alias"))
    plan = full_plan(live)
    assert plan.alias == "live-alias"
    assert plan.sign_in_url == "https://live-alias.signin.aws.amazon.com/console"


def user_with(**credentials: object) -> User:
    base = {"login_profile": False, "access_keys": (), "mfa_devices": (), "confirmed": True}
    return replace(live_user("u"), credentials=Credentials(**{**base, **credentials}))  # type: ignore[arg-type]


def live_fingerprint(*entities: Any, **settings: Any) -> str:
    return str(full_plan(state(*entities, **settings)).live_fingerprint)


JAN, FEB = (datetime(2025, month, 1, tzinfo=timezone.utc) for month in (1, 2))


def test_the_live_fingerprint_moves_with_every_fact_a_plan_decides_on() -> None:
    base = live_fingerprint(live_user("u", tags={"a": "1"}, groups=frozenset({"g"}), keys=1))
    for other in (
        live_user("u", tags={"b": "1"}, groups=frozenset({"g"}), keys=1),
        live_user("u", tags={"a": "1"}, groups=frozenset({"h"}), keys=1),
        live_user("u", tags={"a": "1"}, groups=frozenset({"g"}), keys=1, inactive_keys=1),
    ):
        assert live_fingerprint(other) != base
    assert live_fingerprint(live_user("v")) != live_fingerprint(live_user("u"))


def test_the_live_fingerprint_ignores_volatile_facts_and_dict_order() -> None:
    key = AccessKey("AKIA1", active=True, created=JAN)
    used = replace(key, last_used=FEB)
    assert live_fingerprint(user_with(access_keys=(key,))) == live_fingerprint(
        user_with(access_keys=(used,), confirmed=False)
    )
    first = live_fingerprint(
        live_user("a"), live_group("g"), live_user("b", tags={"x": "1", "y": "2"})
    )
    second = live_fingerprint(
        live_user("b", tags={"y": "2", "x": "1"}), live_group("g"), live_user("a")
    )
    assert first == second


def test_the_config_fingerprint_moves_with_the_file() -> None:
    desired = state(User("u"))
    other = state(User("u", policies=frozenset({ADMIN})))
    result = Diff(changes=(), human_steps=())
    live = state(live_user("u"))
    assert (
        make_plan(desired, live, result).config_fingerprint
        == make_plan(desired, live, result).config_fingerprint
        != make_plan(other, live, result).config_fingerprint
    )
    assert (
        make_plan(desired, live, result).live_fingerprint
        != make_plan(desired, state(), result).live_fingerprint
    )


def test_a_key_rotated_outside_iamctl_moves_the_live_fingerprint() -> None:
    # Same number of keys, another key: a saved plan that deletes the old one is stale.
    old = AccessKey("AKIAOLD", active=True, created=JAN)
    new = AccessKey("AKIANEW", active=True, created=FEB)
    assert live_fingerprint(user_with(access_keys=(old,))) != live_fingerprint(
        user_with(access_keys=(new,))
    )
