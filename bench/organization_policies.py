"""The bench organisation's service control and resource control policies: which there are and
where each is attached, their seeding through the emulator's API, the file's `organization`
section declaring them, and the floor of their reads (`bench/identity_center.py` plans them with
the Identity Center instance, against one floor).

Both types enabled on the root; AWS's own `FullAWSAccess` and `RCPFullAWSAccess` on the root,
every OU and every account (as AWS, and moto, attach them), 10 SCPs (Deny guardrails, most with
conditions) on the root, the OUs and a few accounts, and 2 RCPs on the root and an OU. No
target holds more than 5 policies of a type, its full-access policy included (AWS's quota).
Some policies are declared with tags, so that their tags are read; the others are not.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SCP_TYPE, RCP_TYPE = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"
PAGE = 20  # ListPolicies' and ListTargetsForPolicy's largest page (iamctl asks for it)
# A target: ("root", 0), ("ou", index of an OU), ("account", index into the accounts).
Node = tuple[str, int]
ROOT: Node = ("root", 0)
REGIONS = ["us-east-1", "eu-west-1"]  # where RegionLock lets its services be used


@dataclass(frozen=True)
class Guard:
    name: str
    policy_type: str  # SCP_TYPE or RCP_TYPE
    statement: dict[str, Any]  # its one statement, Deny
    targets: tuple[Node, ...]
    tags: dict[str, str] | None = None  # None: the file does not declare them (nor seeds any)

    def document(self) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": [{"Sid": "Guard", **self.statement}]}


def deny(action: str | list[str], condition: dict[str, Any] | None = None,
         everyone: bool = False) -> dict[str, Any]:
    """A Deny statement on every resource; `everyone`: `"Principal": "*"`, as an RCP needs."""
    statement: dict[str, Any] = {"Effect": "Deny", "Action": action, "Resource": "*"}
    if everyone:
        statement["Principal"] = "*"
    if condition:
        statement["Condition"] = condition
    return statement


def ou(index: int) -> Node:
    return ("ou", index)


def account(index: int) -> Node:
    return ("account", index)


OWNER = {"owner": "security"}
GUARDS = (
    Guard("DenyLeaveOrganization", SCP_TYPE, deny("organizations:LeaveOrganization"), (ROOT,),
          OWNER),
    Guard("DenyRootUser", SCP_TYPE, deny("*", {"StringLike": {
        "aws:PrincipalArn": "arn:aws:iam::*:root"}}), (ROOT,)),
    Guard("RegionLock", SCP_TYPE, deny(["ec2:*", "s3:*", "lambda:*", "rds:*"], {
        "StringNotEquals": {"aws:RequestedRegion": REGIONS}}), (ou(0), ou(1)),
          {"owner": "platform", "review": "quarterly"}),
    Guard("DenyCloudTrailChanges", SCP_TYPE, deny(
        ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail"]),
          (ou(0), ou(1), ou(2), ou(3))),
    Guard("DenyGuardDutyChanges", SCP_TYPE, deny(
        ["guardduty:DeleteDetector", "guardduty:DisassociateFromMasterAccount"]),
          (ou(2), ou(3))),
    Guard("RequireImdsV2", SCP_TYPE, deny("ec2:RunInstances", {
        "StringNotEquals": {"ec2:MetadataHttpTokens": "required"}}), (ou(1),), OWNER),
    Guard("DenyPublicBuckets", SCP_TYPE, deny(
        ["s3:PutBucketPublicAccessBlock", "s3:DeleteBucketPolicy"], {
            "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/storage-admin"}}),
          (ou(2), account(5), account(6))),
    Guard("DenyLargeInstances", SCP_TYPE, deny("ec2:RunInstances", {
        "ForAnyValue:StringNotLike": {"ec2:InstanceType": ["t3.*", "m5.large"]}}),
          (account(1), account(2), account(3))),
    Guard("DenyIamUsers", SCP_TYPE, deny(["iam:CreateUser", "iam:CreateAccessKey"], {
        "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}),
          (ou(3), account(4)), {"owner": "identity"}),
    Guard("DenyKeyDeletion", SCP_TYPE, deny(["kms:ScheduleKeyDeletion", "kms:DisableKey"]),
          (account(1), account(4), account(7))),
    Guard("RCPEnforceTls", RCP_TYPE, deny(
        ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"],
        {"BoolIfExists": {"aws:SecureTransport": "false"}}, everyone=True), (ROOT,), OWNER),
    Guard("RCPSecretsFromTheOffice", RCP_TYPE, deny("secretsmanager:GetSecretValue", {
        "NotIpAddressIfExists": {"aws:SourceIp": ["203.0.113.0/24"]},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false"}},
        everyone=True), (ou(0),)),
)
FULL_ACCESS = {SCP_TYPE: "FullAWSAccess", RCP_TYPE: "RCPFullAWSAccess"}
SECTION = {SCP_TYPE: "service_control_policies", RCP_TYPE: "resource_control_policies"}


@dataclass(frozen=True)
class Tree:
    """The organisation's nodes by the bench's indices: the root's id, the OUs' and the
    accounts' (the management account first)."""

    root: str
    units: Sequence[str]
    accounts: Sequence[str]

    def node(self, node: Node) -> str | None:
        """Its id, or None where the organisation is too small to have it (a toy bench)."""
        kind, index = node
        if kind == "root":
            return self.root
        every = self.units if kind == "ou" else self.accounts
        return every[index] if index < len(every) else None


def description(guard: Guard) -> str:
    return f"Bench guardrail {guard.name}"


# Seeding, through the API.


def seed(org: Any, accounts: Sequence[str]) -> None:
    """Enable both types on the root, then create and attach every guard (moto attaches the
    full-access policies everywhere itself, as AWS does)."""
    tree = read_tree(org, accounts)
    for policy_type in FULL_ACCESS:
        org.enable_policy_type(RootId=tree.root, PolicyType=policy_type)
    for guard in GUARDS:
        made = org.create_policy(
            Name=guard.name, Description=description(guard), Type=guard.policy_type,
            Content=json.dumps(guard.document()),
            Tags=[{"Key": k, "Value": v} for k, v in (guard.tags or {}).items()])
        for node in guard.targets:
            target = tree.node(node)
            if target is not None:
                org.attach_policy(PolicyId=made["Policy"]["PolicySummary"]["Id"],
                                  TargetId=target)


def read_tree(org: Any, accounts: Sequence[str]) -> Tree:
    root = org.list_roots()["Roots"][0]["Id"]
    listed = org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    units = [unit["Id"] for unit in sorted(listed, key=lambda unit: unit["Name"])]
    return Tree(root, units, accounts)


# The file.


def section(accounts: Sequence[str], units: int, quoted: type[str]) -> dict[str, Any]:
    """The file's `organization` section, declaring the seeded policies exactly; `quoted` makes
    an account id a string PyYAML writes quoted."""
    tree = Tree("root", [f"ou:unit-{u}" for u in range(units)],
                [quoted(found) for found in accounts])
    body: dict[str, Any] = {}
    for policy_type, full_access in FULL_ACCESS.items():
        body[SECTION[policy_type]] = [{"name": full_access, "aws_managed": True,
                                       "targets": "everywhere"}] + [
            declared(guard, tree) for guard in GUARDS if guard.policy_type == policy_type]
    return body


def declared(guard: Guard, tree: Tree) -> dict[str, Any]:
    body: dict[str, Any] = {"name": guard.name, "description": description(guard),
                            "document": guard.document(),
                            "targets": [target for target in map(tree.node, guard.targets)
                                        if target is not None]}
    if guard.tags is not None:
        body["tags"] = guard.tags
    return body


# The floor.


def floor_calls(accounts: int, units: int) -> Counter[str]:
    """The fewest calls that read every policy of both types exactly, by action, from the
    reader's docstring (`reconciler/aws/readers/organization_policies.py`): per type one
    ListPolicies (a page per 20 policies, AWS's own included); per policy one DescribePolicy
    (the listing has no content) and ListTargetsForPolicy, a page per 20 targets (the
    full-access policies are on the root, every OU and every account: 125 targets, 7 pages);
    ListTagsForResource only for the policies the file declares with `tags`. The organisation's
    tree is not read again: the Identity Center assignments' read of it is shared, and counted
    once in `identity_center.floor_calls`."""
    tree = Tree("root", [f"ou-{u}" for u in range(units)], [str(a) for a in range(accounts)])
    floor: Counter[str] = Counter()
    for policy_type in FULL_ACCESS:
        guards = [guard for guard in GUARDS if guard.policy_type == policy_type]
        floor["ListPolicies"] += pages(1 + len(guards))
        floor["DescribePolicy"] += 1 + len(guards)
        floor["ListTargetsForPolicy"] += pages(1 + units + accounts) + sum(
            pages(len([n for n in guard.targets if tree.node(n) is not None]))
            for guard in guards)
        floor["ListTagsForResource"] += sum(guard.tags is not None for guard in guards)
    return Counter({f"organizations:{action}": n for action, n in floor.items()})


def pages(items: int, size: int = PAGE) -> int:
    """A listing's calls: one page at least, one more per further `size` items."""
    return max(1, math.ceil(items / size))


def describe() -> str:
    scps = sum(guard.policy_type == SCP_TYPE for guard in GUARDS)
    return f"{scps} SCPs, {len(GUARDS) - scps} RCPs"
