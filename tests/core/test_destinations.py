"""Where new credentials go, on plain data: every change that creates a secret names its
destination in the text, JSON and Markdown plans, and a saved plan holds apply to it.

The CLI tests (`test_destination_cli.py`) show the same end to end; these reach every case
without an emulator.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from reconciler.config.desired import Config
from reconciler.core.changes import (
    Action,
    AgeFile,
    Change,
    ChangeKind,
    PlainFile,
    SecretsManagerSecret,
)
from reconciler.core.diff.diff import diff
from reconciler.core.errors import IamctlError
from reconciler.core.kinds.changes import SPECS, creates_secret
from reconciler.core.plan.destinations import (
    DEFAULT_DELIVERY,
    Delivery,
    Route,
    delivered_to,
    destination_from_json,
    same_place,
)
from reconciler.core.plan.plan import Plan, make_plan, plan_from_dict, plan_to_dict
from reconciler.core.render.markdown import render_comment, render_markdown
from reconciler.core.render.text import plan_lines, render_text
from reconciler.core.state import AccessKey, Credentials, KeyRotation, User
from reconciler.engine.accounts import AccountResult
from reconciler.engine.run import AccountPlan
from reconciler.engine.saved_plans import use_saved_plan
from tests.factories import ACCOUNT_ID, live_user, state
from tests.markdown_checks import HOSTILE, assert_inert, fences, shown, tokens

ALICE_KEY = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
ATTACKER_KEY = "age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg"
REGION = "eu-west-1"
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def bob(**fields: Any) -> User:
    return User("bob", console=True, access_keys=1, **fields)


def plan_of(desired_user: User, delivery: Delivery = DEFAULT_DELIVERY, *live: User) -> Plan:
    desired = state(desired_user)
    live_state = state(*live)
    return make_plan(desired, live_state, diff(desired, live_state, now=NOW), delivery=delivery)


def secret_changes(plan: Plan) -> list[Change]:
    return [change for change in plan.changes if creates_secret(change)]


# Each change that creates a secret carries where it goes.

ROUTES = [
    (bob(deliver_to=ALICE_KEY), Delivery(), AgeFile(ALICE_KEY),
     f"delivered encrypted to age recipient {ALICE_KEY} (a file in the secrets directory)"),
    (bob(deliver_to=ALICE_KEY), Delivery(directory="out/secrets"),
     AgeFile(ALICE_KEY, "out/secrets"),
     f"delivered encrypted to age recipient {ALICE_KEY} (a file in secrets directory "
     "out/secrets)"),
    (bob(), Delivery(), PlainFile(), "delivered as a plain CSV file to the secrets directory"),
    (bob(), Delivery(directory="s"), PlainFile("s"),
     "delivered as a plain CSV file to secrets directory s"),
    # Secrets Manager has no use for deliver_to: the secret is readable by the user alone.
    (bob(deliver_to=ALICE_KEY), Delivery(Route.SECRETS_MANAGER, region=REGION),
     SecretsManagerSecret("iamctl/credentials/bob", ACCOUNT_ID, REGION),
     f"delivered to AWS Secrets Manager secret iamctl/credentials/bob (account {ACCOUNT_ID}, "
     f"region {REGION})"),
]


@pytest.mark.parametrize(("user", "delivery", "destination", "words"), ROUTES)
def test_where_new_credentials_go_is_on_the_plan_line_of_every_new_secret(
    user: User, delivery: Delivery, destination: Any, words: str
) -> None:
    plan = plan_of(user, delivery)
    password, key = secret_changes(plan)
    assert (password.kind, key.kind) == (ChangeKind.LOGIN_PROFILE, ChangeKind.ACCESS_KEY)
    assert password.destination == key.destination == destination
    assert delivered_to(destination) == words
    text = render_text(plan)
    assert f"  + user bob: access key, {words}\n" in text
    assert ("  + user bob: console password (generated, reset required at first sign-in), "
            f"{words}\n") in text
    # No other change names a destination.
    assert all(c.destination is None for c in plan.changes if not creates_secret(c))


@pytest.mark.parametrize(("user", "delivery", "destination", "words"), ROUTES)
def test_where_new_credentials_go_is_a_new_field_of_the_json_plan(
    user: User, delivery: Delivery, destination: Any, words: str
) -> None:
    plan = plan_of(user, delivery)
    data = json.loads(json.dumps(plan_to_dict(plan)))
    changes = {change["kind"]: change for change in data["changes"]}
    # The fields there were are all still there.
    assert set(changes["access_key"]) == {
        "action", "kind", "name", "target", "before", "after", "note", "self_lockout",
        "impact", "impact_reason", "risks", "destination"}
    assert changes["user"]["destination"] is None
    recorded = changes["access_key"]["destination"]
    assert recorded == changes["login_profile"]["destination"]
    assert destination_from_json(recorded) == destination
    assert plan_from_dict(data) == plan


def test_json_destinations_read_like_the_readme() -> None:
    def recorded(user: User, delivery: Delivery) -> Any:
        data = plan_to_dict(plan_of(user, delivery))
        return next(c["destination"] for c in data["changes"] if c["kind"] == "access_key")

    assert recorded(bob(deliver_to=ALICE_KEY), Delivery()) == {
        "to": "age", "recipient": ALICE_KEY, "directory": None}
    assert recorded(bob(), Delivery(directory="s")) == {"to": "file", "directory": "s"}
    assert recorded(bob(), Delivery(Route.SECRETS_MANAGER, region=REGION)) == {
        "to": "secretsmanager", "secret": "iamctl/credentials/bob", "account": ACCOUNT_ID,
        "region": REGION}


def test_a_rotated_key_names_where_it_goes() -> None:
    rotating = bob(deliver_to=ALICE_KEY, key_rotation=KeyRotation(90, 7))
    # The factory's key dates from 2025-01-01: 151 days before NOW.
    plan = plan_of(rotating, Delivery(), live_user("bob", console=True, keys=1))
    [key] = secret_changes(plan)
    assert key.note.startswith("rotation: AKIABOB0 is 151 days old")
    assert key.destination == AgeFile(ALICE_KEY)
    assert f"), delivered encrypted to age recipient {ALICE_KEY}" in plan_lines(plan)[0]


def test_a_new_recipient_for_future_rotations_is_visible_with_no_key_due() -> None:
    # No state remembers the recipient before the pull request: the plan names, for every
    # rotating user with a recipient, where the next rotation delivers, so the recipient a
    # pull request sets shows in its plan even when no key is due.
    recent = AccessKey("AKIABOB", active=True, created=NOW - timedelta(days=3))
    live = replace(live_user("bob", console=True),
                   credentials=Credentials(login_profile=True, access_keys=(recent,),
                                           confirmed=True))
    rotating = bob(deliver_to=ATTACKER_KEY, key_rotation=KeyRotation(90, 7))
    desired = state(rotating)
    live_state = state(live)
    plan = make_plan(desired, live_state, diff(desired, live_state, now=NOW))
    assert not plan.changes
    note = (f"user bob: keys made by rotation are delivered encrypted to age recipient "
            f"{ATTACKER_KEY} (a file in the secrets directory)")
    assert note in plan.notes
    assert f"note: {note}" in render_text(plan)
    # With Secrets Manager the recipient is not used: nothing to name.
    by_secret = make_plan(desired, live_state, diff(desired, live_state, now=NOW),
                          delivery=Delivery(Route.SECRETS_MANAGER, region=REGION))
    assert by_secret.notes == ()


# The Markdown plan: destinations stay text, and are listed where a reviewer looks first.


def test_markdown_lists_where_new_credentials_go_before_the_plan() -> None:
    plan = plan_of(bob(deliver_to=ALICE_KEY))
    text = render_markdown(plan)
    section = text.split("**Where new credentials go**\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        "- `+ user bob: console password (generated, reset required at first sign-in)`: "
        f"`encrypted to age recipient {ALICE_KEY} (a file in the secrets directory)`",
        f"- `+ user bob: access key`: `encrypted to age recipient {ALICE_KEY} "
        "(a file in the secrets directory)`",
    ]
    assert text.index("**Where new credentials go**") < text.index("```diff")


def test_hostile_destinations_stay_text_in_markdown() -> None:
    changes = []
    for number, value in enumerate(HOSTILE):
        changes += [
            Change(Action.CREATE, ChangeKind.ACCESS_KEY, f"u{number}",
                   destination=AgeFile(value, value)),
            Change(Action.CREATE, ChangeKind.LOGIN_PROFILE, f"u{number}",
                   destination=PlainFile(value)),
            Change(Action.CREATE, ChangeKind.ACCESS_KEY, f"v{number}",
                   destination=SecretsManagerSecret(value, value, value)),
        ]
    plan = Plan(ACCOUNT_ID, None, tuple(changes),
                notes=tuple(f"user x: keys made by rotation are delivered {v}" for v in HOSTILE))
    markdown = render_comment([render_markdown(plan)])
    assert_inert(markdown)
    (block,) = fences(markdown)
    assert block.content.splitlines() == [shown(line) for line in plan_lines(plan)]
    spans = [t.content for t in tokens(markdown) if t.type == "code_inline"]
    for value in HOSTILE:
        assert f"encrypted to age recipient {shown(value)} (a file in secrets directory " \
               f"{shown(value)})" in spans


# A saved plan holds apply to the destinations it shows.


def planned(user: User, delivery: Delivery) -> AccountPlan:
    desired, live = state(user), state()
    plan = make_plan(desired, live, diff(desired, live), delivery=delivery)
    config = Config(ACCOUNT_ID, desired, ("account.yaml",), None, None, ())
    no_aws: Any = None  # the check never calls AWS
    return AccountPlan(config, no_aws, no_aws, desired, live, plan, no_aws)


def save(tmp_path: Path, made: AccountPlan, edit: Any = None) -> str:
    data = plan_to_dict(made.plan)
    if edit is not None:
        edit(data)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    return str(path)


def apply_with(made: AccountPlan, fresh: AccountPlan, tmp_path: Path, edit: Any = None
               ) -> list[AccountResult]:
    return use_saved_plan([AccountResult(ACCOUNT_ID, planned=fresh)], save(tmp_path, made, edit))


@pytest.mark.parametrize("delivery", [
    Delivery(), Delivery(directory="s"), Delivery(Route.SECRETS_MANAGER, region=REGION)])
def test_a_saved_plan_goes_ahead_with_the_delivery_it_shows(
    delivery: Delivery, tmp_path: Path
) -> None:
    made = planned(bob(deliver_to=ALICE_KEY), delivery)
    fresh = planned(bob(deliver_to=ALICE_KEY), delivery)
    [kept] = apply_with(made, fresh, tmp_path)
    assert kept.planned is fresh


def test_a_saved_plan_without_a_directory_takes_the_one_apply_is_given(tmp_path: Path) -> None:
    # `plan --out` without --secrets-dir showed "the secrets directory": apply names it.
    made = planned(bob(deliver_to=ALICE_KEY), Delivery())
    fresh = planned(bob(deliver_to=ALICE_KEY), Delivery(directory="s"))
    [kept] = apply_with(made, fresh, tmp_path)
    assert kept.planned is fresh


ELSEWHERE = [
    (Delivery(), Delivery(Route.SECRETS_MANAGER, region=REGION),
     "encrypted to age recipient {key} (a file in the secrets directory)",
     f"to AWS Secrets Manager secret iamctl/credentials/bob (account {ACCOUNT_ID}, region "
     f"{REGION})"),
    (Delivery(Route.SECRETS_MANAGER, region=REGION), Delivery(directory="s"),
     f"to AWS Secrets Manager secret iamctl/credentials/bob (account {ACCOUNT_ID}, region "
     f"{REGION})",
     "encrypted to age recipient {key} (a file in secrets directory s)"),
    (Delivery(directory="s"), Delivery(directory="t"),
     "encrypted to age recipient {key} (a file in secrets directory s)",
     "encrypted to age recipient {key} (a file in secrets directory t)"),
    (Delivery(directory="s"), Delivery(),
     "encrypted to age recipient {key} (a file in secrets directory s)",
     "encrypted to age recipient {key} (a file in the secrets directory)"),
    (Delivery(Route.SECRETS_MANAGER, region=REGION),
     Delivery(Route.SECRETS_MANAGER, region="us-east-1"),
     f"to AWS Secrets Manager secret iamctl/credentials/bob (account {ACCOUNT_ID}, region "
     f"{REGION})",
     f"to AWS Secrets Manager secret iamctl/credentials/bob (account {ACCOUNT_ID}, region "
     "us-east-1)"),
]


@pytest.mark.parametrize(("saved", "told", "shown_then", "now"), ELSEWHERE)
def test_apply_told_to_deliver_elsewhere_than_the_saved_plan_refuses(
    saved: Delivery, told: Delivery, shown_then: str, now: str, tmp_path: Path
) -> None:
    made = planned(bob(deliver_to=ALICE_KEY), saved)
    fresh = planned(bob(deliver_to=ALICE_KEY), told)
    with pytest.raises(IamctlError) as refused:
        apply_with(made, fresh, tmp_path)
    assert str(refused.value) == (
        f"{tmp_path / 'plan.json'}: the plan delivers the new console password of user bob "
        f"{shown_then.format(key=ALICE_KEY)}, but this apply would deliver it "
        f"{now.format(key=ALICE_KEY)}: give apply the --secrets-to and --secrets-dir the plan "
        "was made with, or run plan again; nothing was changed"
    )


def hand_edit(destination: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        for change in data["changes"]:
            if change["kind"] == "access_key":
                change["destination"] = destination
    return edit


def test_a_hand_edited_destination_in_a_saved_plan_is_refused(tmp_path: Path) -> None:
    made = planned(bob(deliver_to=ALICE_KEY), Delivery(directory="s"))
    fresh = planned(bob(deliver_to=ALICE_KEY), Delivery(directory="s"))
    attacker = {"to": "age", "recipient": ATTACKER_KEY, "directory": "s"}
    with pytest.raises(IamctlError) as refused:
        apply_with(made, fresh, tmp_path, hand_edit(attacker))
    assert (f"the plan delivers the new access key of user bob encrypted to age recipient "
            f"{ATTACKER_KEY} (a file in secrets directory s), but this apply would deliver it "
            f"encrypted to age recipient {ALICE_KEY} (a file in secrets directory s)"
            ) in str(refused.value)


def test_a_saved_secret_with_no_destination_is_refused(tmp_path: Path) -> None:
    # A plan saved before plans named destinations (or with the field removed by hand).
    made = planned(bob(), Delivery(directory="s"))
    fresh = planned(bob(), Delivery(directory="s"))
    with pytest.raises(IamctlError) as refused:
        apply_with(made, fresh, tmp_path, hand_edit(None))
    assert ("the plan names no destination for the new access key of user bob; run plan "
            "again; nothing was changed") in str(refused.value)


@pytest.mark.parametrize("bad", [
    {"to": "age", "recipient": ATTACKER_KEY},  # a field missing
    {"to": "file", "directory": "s", "url": "https://evil.example"},  # a field too many
    {"to": "s3", "bucket": "x"},
    {"to": "file", "directory": 7},
    {"to": "secretsmanager", "secret": "x", "account": None, "region": "r"},
    "age1...",
])
def test_a_destination_of_another_shape_makes_the_file_no_saved_plan(
    bad: Any, tmp_path: Path
) -> None:
    made = planned(bob(), Delivery(directory="s"))
    with pytest.raises(IamctlError) as refused:
        apply_with(made, made, tmp_path, hand_edit(bad))
    assert "not a saved iamctl plan (the destination of a access_key change: " in str(
        refused.value)


def test_a_destination_on_a_change_that_makes_no_secret_is_refused(tmp_path: Path) -> None:
    made = planned(bob(), Delivery(directory="s"))

    def edit(data: dict[str, Any]) -> None:
        data["changes"][0]["destination"] = {"to": "file", "directory": "s"}

    with pytest.raises(IamctlError) as refused:
        apply_with(made, made, tmp_path, edit)
    assert "a user change delivers no secret" in str(refused.value)


def test_same_place_lets_only_a_directory_left_unnamed_be_filled_in() -> None:
    assert same_place(PlainFile(), PlainFile("s"))
    assert same_place(AgeFile(ALICE_KEY), AgeFile(ALICE_KEY, "s"))
    assert not same_place(PlainFile("s"), PlainFile())
    assert not same_place(AgeFile(ALICE_KEY), AgeFile(ATTACKER_KEY))
    assert not same_place(AgeFile(ALICE_KEY), PlainFile())
    assert not same_place(PlainFile(), AgeFile(ALICE_KEY))
    assert same_place(PlainFile("a/./b"), PlainFile("a/b"))  # the same path, spelled otherwise


def test_only_a_new_console_password_or_access_key_creates_a_secret() -> None:
    secret_making = {
        (s.kind, action) for s in SPECS for action in s.actions
        if creates_secret(Change(action, s.kind, "u"))
    }
    assert secret_making == {(ChangeKind.LOGIN_PROFILE, Action.CREATE), (ChangeKind.ACCESS_KEY,
                                                                         Action.CREATE)}
