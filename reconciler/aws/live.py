"""Read the live account into a `State`: the right-hand side of the diff, in bulk calls.

The cost of a read grows with the number of pages, not of users: one paged
GetAccountAuthorizationDetails for users, groups, roles, memberships, attachments, inline policies,
tags and customer policies (roles: `live_roles.py`); the credential report and
ListVirtualMFADevices for credentials; a few account-wide calls; identity providers
(`providers.py`: two lists, a get per provider); the kinds declared in modules of their own,
each by its reader (`readers/`). Exact per-user calls (`exact_reads.py`) are
made only for the users a plan would act on.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from ..core.arns import policy_name, tag_map
from ..core.errors import NoSuchEntityError
from ..core.kinds.declaration import EntityKind
from ..core.kinds.entities import ROLES, counted_kinds
from ..core.policy import documents as policydoc
from ..core.state import (
    Account,
    Document,
    Group,
    ManagedPolicy,
    PasswordPolicy,
    PolicyVersion,
    Role,
    Root,
    State,
    User,
)
from ..core.wording import duration, plural
from .client import Aws, Identity
from .credential_report import (
    credentials_from_report,
    fetch_report,
    read_virtual_mfa_serials,
    request_report,
    whole_seconds,
)
from .live_roles import boundary_arn, role_from_detail, set_apart
from .providers import read_providers
from .readers import read_declared

NOTHING_DECLARED: Mapping[str, Mapping[str, Any]] = {}


@dataclass(frozen=True)
class ReadStats:
    users: int
    groups: int
    policies: int
    calls: int
    seconds: float
    roles: int = 0  # AWS's own included
    aws_roles: int = 0  # service-linked and IAM Identity Center roles: never changed
    oidc_providers: int = 0
    saml_providers: int = 0
    report_generated: datetime | None = None  # the credential report's GeneratedTime
    report_age: timedelta | None = None  # how old the report was when read
    exact_users: int | None = None  # declared users read exactly (--exact-credentials), or None
    report_wait: float = 0.0  # after the other reads, waiting for the credential report
    declared: Mapping[str, int] = field(default_factory=dict)  # the declared kinds, by section

    def count(self, kind: EntityKind) -> int:
        if kind.section in self.declared:
            return self.declared[kind.section]
        count: int = getattr(self, kind.section)
        return count

    def summary(self) -> str:
        owned = f" ({self.aws_roles:,} owned by AWS)" if self.aws_roles else ""
        read = ", ".join(kind.counted(self.count(kind)) + (owned if kind is ROLES else "")
                         for kind in counted_kinds(self.declared))
        line = f"read {read} in {plural(self.calls, 'API call')} ({self.seconds:.1f} s)"
        age = report_age_words(self.report_age) if self.report_age is not None else "of unknown age"
        line += f"; credential report {age}, waited {self.report_wait:.1f} s"
        if self.exact_users is not None:
            line += f"; credentials of {plural(self.exact_users, 'declared user')} read exactly"
        return line

    def to_json(self) -> dict[str, Any]:
        """The `read` object of the JSON plan."""
        generated = self.report_generated.isoformat() if self.report_generated else None
        age = int(self.report_age.total_seconds()) if self.report_age is not None else None
        return {
            "credential_report": {"generated": generated, "age_seconds": age},
            "exact_credentials": self.exact_users is not None,
        }


def report_age_words(age: timedelta) -> str:
    """`generated now` (within the minute), else `from 2 h 13 min ago`."""
    if age < timedelta(minutes=1):
        return "generated now"
    return f"from {duration(age.total_seconds())} ago"


@dataclass(frozen=True)
class LiveAccount:
    identity: Identity
    state: State
    # AWS managed policy catalog: "AdministratorAccess" and "job-function/ViewOnlyAccess" -> ARN.
    aws_policies: Mapping[str, str]
    stats: ReadStats


def read_live(aws: Aws, identity: Identity, aws_catalog: bool = True,
              wanted: Mapping[str, Mapping[str, Any]] | None = NOTHING_DECLARED) -> LiveAccount:
    """Read everything iamctl manages in the account the credentials reach.

    `aws_catalog=False` skips the AWS managed policy catalog, for files that name none.
    `wanted`: what the files declare of the kinds declared in `core/kinds/declared/`, whose
    readers may read only that (by default none of them is read; None: export's read,
    everything each reader affords).
    """
    started, calls_before = time.monotonic(), aws.calls
    # The report can take seconds to build in real AWS: ask for it before any other read, and
    # let it build (and be polled for) while the rest is read.
    request_report(aws)
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(fetch_report, aws, requested=True)
        details = read_authorization_details(aws)
        account = read_account(aws, identity)
        aws_policies = read_aws_policies(aws) if aws_catalog else {}
        mfa_serials = read_virtual_mfa_serials(aws)
        providers = read_providers(aws)
        waiting = time.monotonic()
        credential_report = report.result()
        report_wait = time.monotonic() - waiting
    users = {
        name: replace(user, credentials=credentials_from_report(
            user, credential_report.rows.get(name), mfa_serials.get(name, ())))
        for name, user in details.users.items()
    }
    roles, aws_roles = set_apart(details.roles)
    policies = with_boundary_counts(details.policies, [*users.values(), *details.roles])
    state = State(account=account, users=users, groups=details.groups,
                  policies=policies, roles=roles, aws_roles=aws_roles,
                  oidc_providers=providers.oidc, saml_providers=providers.saml)
    state = replace(state, declared=read_declared(aws, state, wanted))
    stats = replace(counted(state), calls=aws.calls - calls_before,
                    seconds=time.monotonic() - started, report_wait=report_wait)
    generated = credential_report.generated
    stats = with_report_time(stats, whole_seconds(generated) if generated else None)
    return LiveAccount(identity=identity, state=state, aws_policies=aws_policies, stats=stats)


def counted(state: State) -> ReadStats:
    """What the read found, by kind (the calls and seconds are the caller's to add)."""
    return ReadStats(
        users=len(state.users), groups=len(state.groups), policies=len(state.policies),
        roles=len(state.roles) + len(state.aws_roles), aws_roles=len(state.aws_roles),
        oidc_providers=len(state.oidc_providers), saml_providers=len(state.saml_providers),
        declared={section: len(found) for section, found in state.declared.items()},
        calls=0, seconds=0.0,
    )


def with_report_time(stats: ReadStats, generated: datetime | None) -> ReadStats:
    return replace(stats, report_generated=generated, report_age=age_of(generated))


def with_boundary_counts(
    policies: Mapping[str, ManagedPolicy], bounded: Iterable[User | Role]
) -> dict[str, ManagedPolicy]:
    """Each policy's boundary count, at least the users and roles read with it as boundary:
    the emulator reports no PermissionsBoundaryUsageCount, and a policy that is a boundary must
    never be pruned or replaced (AWS refuses to delete it)."""
    used = Counter(e.permissions_boundary for e in bounded if e.permissions_boundary)
    return {
        name: replace(policy, boundary_count=used[policy.arn])
        if used[policy.arn] > policy.boundary_count
        else policy
        for name, policy in policies.items()
    }


def age_of(generated: datetime | None) -> timedelta | None:
    if generated is None:
        return None
    # AWS's clock and ours may disagree by a little: a report is never younger than now.
    return max(timedelta(0), datetime.now(timezone.utc) - generated)


@dataclass(frozen=True)
class AuthorizationDetails:
    users: dict[str, User]
    groups: dict[str, Group]
    policies: dict[str, ManagedPolicy]
    roles: list[Role]


def read_authorization_details(aws: Aws) -> AuthorizationDetails:
    details = AuthorizationDetails(users={}, groups={}, policies={}, roles=[])
    for page in aws.pages(
        "iam",
        "get_account_authorization_details",
        "read users, groups, roles and policies",
        Filter=["User", "Group", "Role", "LocalManagedPolicy"],
        MaxItems=1000,  # the largest page AWS allows (default 100): fewer calls
    ):
        for item in page.get("UserDetailList", []):
            details.users[item["UserName"]] = user_from_detail(item)
        for item in page.get("GroupDetailList", []):
            details.groups[item["GroupName"]] = group_from_detail(item)
        details.roles.extend(role_from_detail(item) for item in page.get("RoleDetailList", []))
        for item in page.get("Policies", []):
            policy = policy_from_detail(item)
            details.policies[policy.name] = policy
    return details


def user_from_detail(item: Mapping[str, Any]) -> User:
    return User(
        name=item["UserName"],
        path=item.get("Path", "/"),
        arn=item.get("Arn", ""),
        created=item.get("CreateDate"),
        groups=frozenset(item.get("GroupList", [])),
        policies=attached_arns(item),
        inline_policies=inline_documents(item.get("UserPolicyList", [])),
        tags=tag_map(item.get("Tags", [])),
        permissions_boundary=boundary_arn(item),
    )


def group_from_detail(item: Mapping[str, Any]) -> Group:
    return Group(
        name=item["GroupName"],
        path=item.get("Path", "/"),
        arn=item.get("Arn", ""),
        policies=attached_arns(item),
        inline_policies=inline_documents(item.get("GroupPolicyList", [])),
    )


def policy_from_detail(item: Mapping[str, Any]) -> ManagedPolicy:
    """A customer managed policy. GetAccountAuthorizationDetails has no policy tags (its
    ManagedPolicyDetail lacks the field, and ListPolicies omits tags too): reading them costs a
    call per policy, so here they stay `None`, meaning "not read"; `confirm_policy_tags` reads
    them for the policies whose tags the file manages."""
    versions = item.get("PolicyVersionList", [])
    default = next(
        (v for v in versions if v.get("IsDefaultVersion")
         or v.get("VersionId") == item.get("DefaultVersionId")),
        None,
    )
    return ManagedPolicy(
        # moto leaves PolicyName out of this call; the ARN ends with the name in every case.
        name=item.get("PolicyName") or policy_name(item["Arn"]),
        document=policydoc.canonical(default["Document"]) if default else Document(""),
        path=item.get("Path", "/"),
        description=item.get("Description") or None,
        tags=None,
        arn=item["Arn"],
        versions=tuple(sorted((policy_version(v) for v in versions), key=version_number)),
        attachment_count=item.get("AttachmentCount", 0),
        boundary_count=item.get("PermissionsBoundaryUsageCount", 0),
    )


def policy_version(item: Mapping[str, Any]) -> PolicyVersion:
    return PolicyVersion(
        id=item["VersionId"], is_default=bool(item.get("IsDefaultVersion")),
        created=item.get("CreateDate"),
    )


def version_number(version: PolicyVersion) -> int:
    digits = version.id.lstrip("v")
    return int(digits) if digits.isdigit() else 0


def attached_arns(item: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(p["PolicyArn"] for p in item.get("AttachedManagedPolicies", []))


def inline_documents(items: Iterable[Mapping[str, Any]]) -> dict[str, Document]:
    # Real AWS URL-encodes these documents; moto returns them decoded. canonical() takes both.
    return {p["PolicyName"]: policydoc.canonical(p["PolicyDocument"]) for p in items}


def read_account(aws: Aws, identity: Identity) -> Account:
    aliases = aws.iam("list_account_aliases", "read the account alias").get("AccountAliases", [])
    summary = aws.iam("get_account_summary", "read the root user's MFA and access keys")
    facts = summary.get("SummaryMap", {})
    return Account(
        id=identity.account,
        alias=aliases[0] if aliases else None,
        password_policy=read_password_policy(aws),
        root=Root(mfa=facts.get("AccountMFAEnabled") == 1,
                  access_keys=facts.get("AccountAccessKeysPresent") == 1),
        partition=identity.partition,
    )


def read_password_policy(aws: Aws) -> PasswordPolicy | None:
    try:
        response = aws.iam("get_account_password_policy", "read the password policy")
    except NoSuchEntityError:  # the account has no password policy
        return None
    policy = response["PasswordPolicy"]
    return PasswordPolicy(
        minimum_length=policy.get("MinimumPasswordLength", 8),
        require_symbols=policy.get("RequireSymbols", False),
        require_numbers=policy.get("RequireNumbers", False),
        require_uppercase=policy.get("RequireUppercaseCharacters", False),
        require_lowercase=policy.get("RequireLowercaseCharacters", False),
        allow_users_to_change=policy.get("AllowUsersToChangePassword", False),
        # AWS leaves these out when unset; moto answers 0 instead. Both mean "none".
        max_age_days=policy.get("MaxPasswordAge") or None,
        reuse_prevention=policy.get("PasswordReusePrevention") or None,
        hard_expiry=policy.get("HardExpiry", False),
    )


def read_aws_policies(aws: Aws) -> dict[str, str]:
    """The AWS managed policy catalog by reference: about 1,300 policies, 2 pages of 1,000."""
    catalog: dict[str, str] = {}
    for page in aws.pages("iam", "list_policies", "list AWS managed policies", Scope="AWS",
                          MaxItems=1000):
        for policy in page.get("Policies", []):
            name, path, arn = policy["PolicyName"], policy.get("Path", "/"), policy["Arn"]
            if path != "/":
                catalog[path.strip("/") + "/" + name] = arn
            # A bare name means the policy at path "/" if names ever collide across paths.
            if name not in catalog or path == "/":
                catalog[name] = arn
    return catalog
