"""The bench's Identity Center organisation: its shape, its seeding through the emulator's API,
the file that declares it, the floor of a plan's reads, and the in-sync plan measured against it.

An organisation of 120 accounts (the management account at the root, the others spread over 4
OUs), an instance with 40 permission sets (each with an AWS managed policy; some with a
customer managed one, an inline policy, a boundary, a relay state, tags), an identity store of
20 groups of 3 users each, and 300 assignments: set `s` to its group in 6 or 7 accounts and to
a user in the first of them. The organisation has service control and resource control
policies too (`bench/organization_policies.py`), declared in the same file and planned with
the instance. The server adds 20 ms to every call and allows sso-admin and identitystore 20
calls a second together (`bench/identity_server.py`).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

from bench import organization_policies
from bench.measure import Measured, run_iamctl
from bench.report import Row, Target, ratio
from bench.server import Emulator, ServerCounts

MAX_FLOOR_RATIO = 1.2
LATENCY = 0.020  # seconds the server adds to every call: a round trip to AWS
RATE = 20.0  # the instance's calls a second: the floor's wall time is at least its calls / RATE
PAGE = 100  # the largest page of sso-admin and identitystore listings (moto's default too)
ORG_PAGE = 20  # Organizations' per-parent listings' largest page (iamctl asks for it)
UNITS = 4
MANAGED = ("ReadOnlyAccess", "PowerUserAccess", "SecurityAudit", "AmazonS3ReadOnlyAccess")


@dataclass(frozen=True)
class Shape:
    accounts: int = 120  # the management account included
    permission_sets: int = 40
    assignments: int = 300

    @property
    def groups(self) -> int:
        return max(1, self.permission_sets // 2)

    @property
    def users(self) -> int:
        return 3 * self.groups

    @property
    def units(self) -> int:
        return min(UNITS, self.accounts - 1)

    def describe(self) -> str:
        return (f"{self.permission_sets} permission sets, {self.accounts} accounts, "
                f"{self.assignments} assignments, {self.groups} groups, {self.users} users, "
                f"{organization_policies.describe()}")


@dataclass(frozen=True, order=True)
class Assigned:
    permission_set: int
    kind: str  # GROUP or USER
    principal: int
    account: int  # index into the organisation's accounts


def set_name(index: int) -> str:
    return f"bench-ps-{index:02d}"


def group_name(index: int) -> str:
    return f"bench-team-{index:02d}"


def user_name(index: int) -> str:
    return f"user-{index:03d}@example.com"


def assignments(shape: Shape) -> list[Assigned]:
    """Round 0 gives set `s` to a user in account `s`; round r > 0 to its group in account
    `s + r - 1` (so that one set-account pair holds both). Rounds go over the sets in turn until
    there are `shape.assignments`."""
    found = []
    for j in range(shape.assignments):
        s, rounds = j % shape.permission_sets, j // shape.permission_sets
        if rounds >= shape.accounts + 1:
            raise ValueError(f"{shape.assignments} assignments need more accounts")
        if rounds == 0:
            found.append(Assigned(s, "USER", s % shape.users, s % shape.accounts))
        else:
            found.append(Assigned(s, "GROUP", s % shape.groups, (s + rounds - 1) % shape.accounts))
    return found


def set_body(index: int) -> dict[str, Any]:
    """Set `index` as the file declares it."""
    body: dict[str, Any] = {"name": set_name(index), "description": f"Bench set {index}",
                            "session_duration": f"PT{1 + index % 4}H"}
    if index % 2 == 0:
        body["relay_state"] = "https://console.aws.amazon.com/"
    body["managed_policies"] = [MANAGED[index % len(MANAGED)]]
    if index % 2 == 1:
        body["customer_managed_policies"] = [{"name": f"bench-cmp-{index % 5}", "path": "/"}]
    if index % 3 == 0:
        body["inline_policy"] = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::bench-bucket-{index}/*"}]}
    if index % 4 == 0:
        body["permissions_boundary"] = {"managed": "PowerUserAccess"}
    if index % 2 == 0:
        body["tags"] = {"team": group_name(index % 20)}
    return body


# Seeding, through the API (a few hundred calls, the limit turned off meanwhile).


class Seeder:
    def __init__(self, url: str) -> None:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                                aws_access_key_id="testing", aws_secret_access_key="testing")

        self.org, self.sso, self.ids = (client("organizations"), client("sso-admin"),
                                        client("identitystore"))
        instance = self.sso.list_instances()["Instances"][0]
        self.instance, self.store = instance["InstanceArn"], instance["IdentityStoreId"]

    def organisation(self, shape: Shape) -> list[str]:
        """The accounts' ids, the management account first."""
        management = self.org.create_organization(FeatureSet="ALL")["Organization"]
        root = self.org.list_roots()["Roots"][0]["Id"]
        units = [self.org.create_organizational_unit(ParentId=root, Name=f"unit-{u}")
                 ["OrganizationalUnit"]["Id"] for u in range(shape.units)]
        ids = [management["MasterAccountId"]]
        for index in range(1, shape.accounts):
            made = self.org.create_account(Email=f"acct-{index}@example.com",
                                           AccountName=f"acct-{index:03d}")
            ids.append(made["CreateAccountStatus"]["AccountId"])
            self.org.move_account(AccountId=ids[-1], SourceParentId=root,
                                  DestinationParentId=units[index % len(units)])
        return ids

    def store_principals(self, shape: Shape) -> tuple[list[str], list[str]]:
        """The groups' and users' ids; user `u` is a member of group `u % groups`."""
        groups = [self.ids.create_group(IdentityStoreId=self.store, DisplayName=group_name(g),
                                        Description=f"Team {g}")["GroupId"]
                  for g in range(shape.groups)]
        users = []
        for u in range(shape.users):
            users.append(self.ids.create_user(
                IdentityStoreId=self.store, UserName=user_name(u), DisplayName=user_name(u),
                Name={"GivenName": "Bench", "FamilyName": f"User {u}"})["UserId"])
            self.ids.create_group_membership(IdentityStoreId=self.store,
                                             GroupId=groups[u % shape.groups],
                                             MemberId={"UserId": users[-1]})
        return groups, users

    def permission_set(self, index: int) -> str:
        body = set_body(index)
        arn: str = self.sso.create_permission_set(
            InstanceArn=self.instance, Name=body["name"], Description=body["description"],
            SessionDuration=body["session_duration"],
            **({"RelayState": body["relay_state"]} if "relay_state" in body else {}),
        )["PermissionSet"]["PermissionSetArn"]
        given = {"InstanceArn": self.instance, "PermissionSetArn": arn}
        for name in body["managed_policies"]:
            self.sso.attach_managed_policy_to_permission_set(
                **given, ManagedPolicyArn=f"arn:aws:iam::aws:policy/{name}")
        for ref in body.get("customer_managed_policies", []):
            self.sso.attach_customer_managed_policy_reference_to_permission_set(
                **given, CustomerManagedPolicyReference={"Name": ref["name"], "Path": ref["path"]})
        if "inline_policy" in body:
            self.sso.put_inline_policy_to_permission_set(
                **given, InlinePolicy=json.dumps(body["inline_policy"]))
        if "permissions_boundary" in body:
            boundary = f"arn:aws:iam::aws:policy/{body['permissions_boundary']['managed']}"
            self.sso.put_permissions_boundary_to_permission_set(
                **given, PermissionsBoundary={"ManagedPolicyArn": boundary})
        if "tags" in body:
            self.sso.tag_resource(InstanceArn=self.instance, ResourceArn=arn,
                                  Tags=[{"Key": k, "Value": v} for k, v in body["tags"].items()])
        return arn


@dataclass(frozen=True)
class Seeded:
    shape: Shape
    accounts: list[str]


def seed(emulator: Emulator, shape: Shape) -> Seeded:
    emulator.limit_identity_center(False)
    try:
        seeder = Seeder(emulator.url)
        accounts = seeder.organisation(shape)
        groups, users = seeder.store_principals(shape)
        arns = [seeder.permission_set(index) for index in range(shape.permission_sets)]
        for grant in assignments(shape):
            seeder.sso.create_account_assignment(
                InstanceArn=seeder.instance, PermissionSetArn=arns[grant.permission_set],
                TargetId=accounts[grant.account], TargetType="AWS_ACCOUNT",
                PrincipalType=grant.kind,
                PrincipalId=(groups if grant.kind == "GROUP" else users)[grant.principal])
        organization_policies.seed(seeder.org, accounts)
    finally:
        emulator.limit_identity_center(True)
    return Seeded(shape, accounts)


class AccountId(str):
    """Written quoted: PyYAML leaves `095399364074` plain, which YAML 1.2 reads as a number."""


yaml.SafeDumper.add_representer(
    AccountId, lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", str(value), style='"'))


def account_file(seeded: Seeded, account: str) -> str:
    """The file declaring the seeded instance exactly: a plan of it is in sync."""
    shape = seeded.shape
    entries: dict[tuple[int, str, int], list[str]] = {}
    for grant in assignments(shape):
        key = (grant.permission_set, grant.kind, grant.principal)
        entries.setdefault(key, []).append(AccountId(seeded.accounts[grant.account]))
    body = {"version": 1, "account": {"id": account}, "identity_center": {
        "groups": [{"name": group_name(g), "description": f"Team {g}",
                    "members": [user_name(u) for u in range(shape.users)
                                if u % shape.groups == g]} for g in range(shape.groups)],
        "permission_sets": [set_body(index) for index in range(shape.permission_sets)],
        "assignments": [
            {"permission_set": set_name(s),
             "groups" if kind == "GROUP" else "users":
                 [group_name(p) if kind == "GROUP" else user_name(p)],
             "accounts": accounts}
            for (s, kind, p), accounts in sorted(entries.items())],
    }, "organization": organization_policies.section(seeded.accounts, shape.units, AccountId)}
    return yaml.safe_dump(body, sort_keys=False, default_flow_style=False)


# The floor.


def floor_calls(shape: Shape) -> Counter[str]:
    """The fewest calls that read every declared set, group and assignment exactly, by action,
    from the readers' docstrings: ListInstances; ListPermissionSets and, per set, its 7 reads
    (DescribePermissionSet, its AWS and customer managed policies, inline policy, boundary,
    tags, and the accounts it is provisioned to, which the assignments' read needs too: once);
    ListAccountAssignments per account a set is provisioned to; the identity store's users and
    groups (ListUsers, ListGroups) and each declared group's members; the organisation's tree
    (ListRoots, then OUs and accounts per parent), read once for the assignments and both
    policy types; the organization policies' own reads (`organization_policies.floor_calls`).
    No GetGroupId or GetUserId: every name the assignments give is in the listings already
    read. Every listing counts its pages."""
    pairs = Counter((g.permission_set, g.account) for g in assignments(shape))
    per_set = Counter(s for s, _ in pairs)
    per_unit = Counter(i % shape.units for i in range(1, shape.accounts))
    members = Counter(u % shape.groups for u in range(shape.users))
    sso = {
        "ListInstances": 1,
        "ListPermissionSets": pages(shape.permission_sets),
        **{action: shape.permission_sets for action in (
            "DescribePermissionSet", "ListManagedPoliciesInPermissionSet",
            "ListCustomerManagedPolicyReferencesInPermissionSet",
            "GetInlinePolicyForPermissionSet", "GetPermissionsBoundaryForPermissionSet",
            "ListTagsForResource")},
        "ListAccountsForProvisionedPermissionSet": sum(
            pages(per_set[s]) for s in range(shape.permission_sets)),
        "ListAccountAssignments": sum(pages(held) for held in pairs.values()),
    }
    store = {"ListUsers": pages(shape.users), "ListGroups": pages(shape.groups),
             "ListGroupMemberships": sum(pages(members[g]) for g in range(shape.groups))}
    # The root holds the OUs (none below them) and the management account.
    accounts = [1] + [per_unit[u] for u in range(shape.units)]
    org = {"ListRoots": 1,
           "ListOrganizationalUnitsForParent": pages(shape.units, ORG_PAGE) + shape.units,
           "ListAccountsForParent": sum(pages(n, ORG_PAGE) for n in accounts)}
    floor: Counter[str] = Counter()
    for service, actions in (("sso-admin", sso), ("identitystore", store),
                             ("organizations", org)):
        floor.update({f"{service}:{action}": count for action, count in actions.items()})
    return floor + organization_policies.floor_calls(shape.accounts, shape.units)


def pages(items: int, size: int = PAGE) -> int:
    """A listing's calls: one page at least, one more per further `size` items."""
    return max(1, math.ceil(items / size))


def counted(counts: Counter[str]) -> Counter[str]:
    """The calls the floor counts: Identity Center's and Organizations' (IAM's reads have a
    floor of their own, measured with the users)."""
    return Counter({action: n for action, n in counts.items()
                    if action.split(":")[0] in ("sso-admin", "identitystore", "organizations")})


# The measurement.


@dataclass(frozen=True)
class OrgResult:
    shape: Shape
    measured: Measured
    counts: ServerCounts
    floor: Counter[str]

    @property
    def calls(self) -> int:
        return sum(counted(self.counts.calls).values())

    @property
    def floor_total(self) -> int:
        return sum(self.floor.values())

    def ratio(self) -> float:
        return ratio(self.calls, self.floor_total)

    def extra(self) -> dict[str, int]:
        """Where the plan's calls beyond the floor go, by action (negative: fewer)."""
        made = counted(self.counts.calls)
        return {action: made[action] - self.floor[action]
                for action in sorted(set(made) | set(self.floor))
                if made[action] != self.floor[action]}

    def row(self) -> Row:
        services = ", ".join(f"{service} {n:,}" for service, n in
                             sorted(self.counts.services.items()))
        throttled = sum(self.counts.throttled.values())
        return Row(f"plan, in sync: Identity Center organisation, +{LATENCY * 1000:.0f} ms/call",
                   self.shape.users,
                   self.counts.total, self.counts.total, self.measured.seconds,
                   self.measured.cpu_seconds, self.measured.peak_mb,
                   f"{self.shape.describe()}; {services}; {throttled} throttled")

    def floor_row(self) -> Row:
        return Row("floor: Identity Center organisation (formula)", self.shape.users,
                   self.floor_total, self.floor_total, None, None, None,
                   f"sso-admin + identitystore + organizations; at {RATE:.0f}/s at least "
                   f"{self.identity_center_floor() / RATE:.1f} s")

    def identity_center_floor(self) -> int:
        return sum(n for action, n in self.floor.items()
                   if not action.startswith("organizations:"))

    def ratio_line(self) -> str:
        extra = ", ".join(f"{action} {n:+d}" for action, n in self.extra().items()) or "none"
        seconds = self.identity_center_floor() / RATE
        return (f"Identity Center organisation: plan/floor calls {self.ratio():.2f}x "
                f"({self.calls:,} / {self.floor_total:,}); beyond the floor: {extra}; "
                f"{self.measured.seconds:.1f} s against the {seconds:.1f} s its "
                f"{self.identity_center_floor():,} Identity Center calls take at {RATE:.0f}/s")

    def target(self) -> Target:
        return Target(f"in-sync plan of the Identity Center organisation ({self.shape.describe()})"
                      f": at most {MAX_FLOOR_RATIO}x the floor's calls",
                      f"{self.ratio():.2f}x ({self.calls:,} / {self.floor_total:,})",
                      self.ratio() <= MAX_FLOOR_RATIO)


class OrgError(Exception):
    """The organisation's plan was not what the bench expects."""


def measure(emulator: Emulator, shape: Shape, workdir: Path, account: str) -> OrgResult:
    """Seed the organisation, then plan it in sync with the server's delay and rate limit."""
    seeded = seed(emulator, shape)
    file = workdir / "identity-center.yaml"
    file.write_text(account_file(seeded, account))
    emulator.set_latency(LATENCY)
    try:
        emulator.counts()
        measured = run_iamctl(["plan", "--detailed-exitcode", str(file)], emulator.url, workdir)
        counts = emulator.counts()
    finally:
        emulator.set_latency(0)
    if measured.code != 0:
        raise OrgError(f"the plan of the seeded organisation is not empty (exit "
                       f"{measured.code}): {tail(measured.stdout + measured.stderr)}")
    return OrgResult(shape, measured, counts, floor_calls(shape))


def tail(text: str, lines: int = 8) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def lines(result: OrgResult | None) -> Sequence[str]:
    return [result.ratio_line()] if result else []
