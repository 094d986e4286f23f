"""The service control policies' ceiling on a member account (`access/ceiling.py`): an Allow at
every level from the root down, less every Deny on the path."""

from __future__ import annotations

from typing import Any

from reconciler.core.access.ceiling import Ceiling, Level
from reconciler.core.access.conditions import Verdict
from reconciler.core.access.grants import Grant, grants_of

FULL = grants_of({"Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]},
                 "SCP FullAWSAccess")


def deny(action: str, condition: dict[str, Any] | None = None) -> tuple[Grant, ...]:
    statement: dict[str, Any] = {"Effect": "Deny", "Action": [action], "Resource": ["*"]}
    if condition:
        statement["Condition"] = condition
    return grants_of({"Statement": [statement]}, "SCP Guardrail")


def ceiling(*levels: tuple[Grant, ...]) -> Ceiling:
    return Ceiling("222222222222", tuple(Level(f"node{i}", grants)
                                         for i, grants in enumerate(levels)))


def test_a_deny_anywhere_on_the_path_stops_the_action_and_names_the_level():
    found = ceiling(FULL, FULL + deny("organizations:leaveorganization"), FULL).decide(
        "organizations:LeaveOrganization", "*")
    assert (found.verdict, found.via) == (Verdict.NO, ("the service control policies on "
                                                       "node1",))


def test_an_action_allowed_at_every_level_passes():
    assert ceiling(FULL, FULL).decide("iam:CreateUser", "*").verdict == Verdict.YES


def test_a_level_whose_allow_list_omits_the_action_stops_it():
    only_s3 = grants_of({"Statement": [{"Effect": "Allow", "Action": ["s3:*"],
                                        "Resource": ["*"]}]}, "SCP OnlyS3")
    stopped = ceiling(FULL, only_s3, FULL)
    assert stopped.decide("iam:CreateUser", "*").verdict == Verdict.NO
    assert stopped.decide("s3:GetObject", "*").verdict == Verdict.YES


def test_a_deny_under_a_condition_iamctl_cannot_decide_may_stop_it():
    region = {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}
    found = ceiling(FULL + deny("ec2:runinstances", region)).decide("ec2:RunInstances", "*")
    assert found.verdict == Verdict.MAYBE


def test_a_level_with_no_policy_allows_nothing():
    assert ceiling(FULL, ()).decide("s3:GetObject", "*").verdict == Verdict.NO
