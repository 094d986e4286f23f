"""First stage of the pipeline: the user's YAML files -> one desired State per account.

Layers, each pointing at the user's file on failure: strict YAML (`yamlload`), JSON Schema and
AWS rules (`validation`), then building the State here. Policy references stay as written until
`resolve` turns them into ARNs with the catalog of AWS managed policies.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path as FilePath
from typing import Any

from ..core.arns import is_aws_managed, policy_arn
from ..core.errors import ConfigError, Location, field_path
from ..core.plan.check_settings import NO_SETTINGS, Checks
from ..core.policy import documents as policydoc
from ..core.policy.mfa_policy import (
    ENFORCE_MFA_POLICY_DESCRIPTION,
    ENFORCE_MFA_POLICY_NAME,
    enforce_mfa_document,
)
from ..core.policy.trust_findings import TrustFinding
from ..core.state import (
    Account,
    Group,
    ManagedPolicy,
    MfaMode,
    Role,
    State,
    User,
)
from . import documents, lifecycle_config, providers, roles, shape, validation
from .account_settings import ignore_lists, merged_settings
from .declared_kinds import declared_entities
from .validation import Declared, declared_in, source_error
from .yamlload import Path, Source, load_yaml

_MANAGED_MAX = policydoc.MANAGED_POLICY_MAX_SIZE


@dataclass(frozen=True)
class PolicyRefUse:
    """One place a policy is referenced, kept so that an unknown one points at the file."""

    owner_kind: str  # "user" | "group" | "role"
    owner: str
    # As written (a declared policy's name in its declared spelling): a name from `policies:`,
    # an AWS managed name or path/name, or an ARN.
    ref: str
    location: Location
    field: str  # e.g. "users[2].policies[0]", "roles[0].permissions_boundary"


@dataclass(frozen=True)
class Config:
    """The desired side for one account, possibly merged from several files."""

    account_id: str
    # Users', groups' and roles' `policies` and boundaries hold references as written until
    # resolve().
    state: State
    files: tuple[str, ...]
    profile: str | None
    role_arn: str | None
    policy_refs: tuple[PolicyRefUse, ...]
    # Trust findings the files acknowledge with accept_risk: shown by validate and plan.
    trust_notes: tuple[str, ...] = ()
    checks: Checks = NO_SETTINGS  # the `checks:` section: findings turned off, or failing


def load(paths: Sequence[str]) -> list[Config]:
    """Every check that needs no AWS; one Config per account id, in order of first appearance."""
    by_account: dict[str, list[Source]] = {}
    for file in _expand(paths):
        source = load_yaml(file)
        roles.refuse_old_forms(source)
        shape.check_shape(source)
        _check_file_rules(source)
        roles.check_file_rules(source)
        by_account.setdefault(source.data["account"]["id"], []).append(source)
    # Each account's files are let go once its Config is built: a run over many files holds
    # them all, but never beside every Config as well.
    return [_config(account_id, by_account.pop(account_id)) for account_id in list(by_account)]


def _expand(paths: Sequence[str]) -> list[str]:
    """A directory stands for its *.yaml and *.yml files, sorted; a file given twice counts once."""
    if not paths:
        raise ConfigError(Location("."), "", "no configuration file given")
    files: dict[FilePath, str] = {}
    for given in paths:
        path = FilePath(given)
        if not path.is_dir():
            files.setdefault(path.resolve(), given)  # a missing file is reported when loaded
            continue
        found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not found:
            raise ConfigError(Location(given), "", "no .yaml or .yml files in this directory")
        for file in found:
            files.setdefault(file.resolve(), str(file))
    return list(files.values())


def _check_file_rules(source: Source) -> None:
    """Rules within one file that the schema states badly: either-or fields."""
    account = source.data["account"]
    if "profile" in account and "role_arn" in account:
        message = "give either profile or role_arn, not both"
        raise source_error(source, ("account", "role_arn"), message)
    for index, policy in enumerate(source.data.get("policies", [])):
        if ("document" in policy) == ("document_file" in policy):
            message = "give exactly one of document and document_file"
            raise source_error(source, ("policies", index), message)


@dataclass(frozen=True)
class _Spellings:
    """Declared names by their lower case. References ignore case, as IAM names do, and the State
    holds the declared spelling, so later stages compare one spelling."""

    groups: Mapping[str, str]
    policies: Mapping[str, str]

    @classmethod
    def of(cls, groups: Sequence[Declared], policies: Sequence[Declared]) -> _Spellings:
        return cls(groups={group.name.lower(): group.name for group in groups},
                   policies={policy.name.lower(): policy.name for policy in policies})

    def group(self, name: str) -> str:
        return self.groups.get(name.lower(), name)

    def policy(self, ref: str) -> str:
        return self.policies.get(ref.lower(), ref)

    def policy_list(self, entity: Declared) -> list[str]:
        return [self.policy(ref) for ref in entity.data.get("policies", [])]


def _config(account_id: str, sources: Sequence[Source]) -> Config:
    policies = declared_in(sources, "policy", "policies")
    groups = declared_in(sources, "group", "groups")
    users = declared_in(sources, "user", "users")
    declared_roles = declared_in(sources, "role", "roles")
    _check_entries(sources, policies, groups, users, declared_roles)
    sources_of = validation.permission_sources(users)
    settings = merged_settings(sources)
    names = _Spellings.of(groups, policies)
    # Built in the order the sections are usually written, so the first error is the first seen.
    built_policies = _policies(policies, users)
    built_groups = {group.name: _group(group, names) for group in groups}
    built_users = {user.name: _user(user, sources_of[user.name], names) for user in users}
    oidc, saml = providers.oidc_providers(sources), providers.saml_providers(sources)
    context = roles.TrustContext(account_id, tuple(oidc), tuple(saml))
    built = [_role(declared, names, context) for declared in declared_roles]
    state = State(
        account=_account(account_id, settings),
        users=built_users,
        groups=built_groups,
        policies=built_policies,
        roles={role.name: role for role, _ in built},
        prune=bool(settings.get("prune", False)),
        ignore=ignore_lists(sources),
        oidc_providers=oidc,
        saml_providers=saml,
    )
    state = replace(state, declared=declared_entities(sources, state))
    return Config(
        account_id=account_id,
        state=state,
        files=tuple(source.file for source in sources),
        profile=settings.get("profile"),
        role_arn=settings.get("role_arn"),
        policy_refs=tuple(
            use for entity in groups + users + declared_roles for use in _ref_uses(entity, names)
        ),
        trust_notes=tuple(finding.message for _, found in built for finding in found),
        checks=settings.get("checks", NO_SETTINGS),
    )


def _check_entries(sources: Sequence[Source], policies: list[Declared], groups: list[Declared],
                   users: list[Declared], declared_roles: list[Declared]) -> None:
    """The rules across entries and files (`validation.py`), before anything is built."""
    for declared in (policies, groups, users, declared_roles):
        validation.check_unique(declared)
    validation.check_not_ignored(sources)
    validation.check_reserved_policy_names(policies)
    validation.check_group_references(users, groups)
    for entity in groups + users + declared_roles:
        validation.check_listed_once(entity, "groups", "group")
        validation.check_listed_once(entity, "policies", "policy")
        validation.check_inline_names_once(entity)


def _account(account_id: str, settings: dict[str, Any]) -> Account:
    return Account(
        id=account_id,
        alias=settings.get("alias"),
        password_policy=settings.get("password_policy"),
        root=settings.get("root"),
        unused_credentials_days=settings.get("unused_credentials"),
    )


def _user(user: Declared, source: Declared, names: _Spellings) -> User:
    """`source`: the user whose groups and policies this one gets (itself, or permissions_from)."""
    data = user.data
    enforced = data.get("mfa") == MfaMode.ENFORCED.value
    validation.check_user_quotas(user, source, enforced)
    # The enforce-MFA policy follows the user's own `mfa`, never permissions_from: a bot copying
    # an administrator's permissions must not inherit a deny-without-MFA.
    policies = names.policy_list(source) + [ENFORCE_MFA_POLICY_NAME] * enforced
    access_keys, key_rotation = lifecycle_config.access_keys(user)
    return User(
        name=user.name,
        path=data.get("path"),
        groups=frozenset(names.group(group) for group in source.data.get("groups", [])),
        policies=frozenset(policies),
        inline_policies=documents.inline_policies(user, policydoc.USER_INLINE_MAX_SIZE),
        tags=dict(data["tags"]) if "tags" in data else None,
        console=data.get("console"),
        access_keys=access_keys,
        mfa=MfaMode(data["mfa"]) if "mfa" in data else None,
        key_rotation=key_rotation,
        deliver_to=lifecycle_config.deliver_to(user),
        permissions_boundary=_boundary(user, names),
    )


def _boundary(entity: Declared, names: _Spellings) -> str | None:
    ref = entity.data.get("permissions_boundary")
    return names.policy(ref) if ref is not None else None


def _role(
    declared: Declared, names: _Spellings, context: roles.TrustContext
) -> tuple[Role, list[TrustFinding]]:
    validation.check_policy_quota(declared)
    boundary = _boundary(declared, names)
    return roles.role(declared, names.policy_list(declared), boundary, context)


def _group(group: Declared, names: _Spellings) -> Group:
    validation.check_policy_quota(group)
    return Group(
        name=group.name,
        path=group.data.get("path"),
        policies=frozenset(names.policy_list(group)),
        inline_policies=documents.inline_policies(group, policydoc.GROUP_INLINE_MAX_SIZE),
    )


def _policies(policies: Sequence[Declared], users: Sequence[Declared]) -> dict[str, ManagedPolicy]:
    result = {policy.name: _policy(policy) for policy in policies}
    if any(user.data.get("mfa") == MfaMode.ENFORCED.value for user in users):
        result[ENFORCE_MFA_POLICY_NAME] = ManagedPolicy(
            name=ENFORCE_MFA_POLICY_NAME,
            document=policydoc.canonical(enforce_mfa_document()),
            path="/",
            description=ENFORCE_MFA_POLICY_DESCRIPTION,
        )
    return result


def _policy(policy: Declared) -> ManagedPolicy:
    data = policy.data
    if "document" in data:
        document = documents.checked(
            policy, ("document",), data["document"], policydoc.MANAGED_POLICY_MAX_SIZE
        )
    else:
        name = data["document_file"]
        document = documents.from_file(policy, ("document_file",), name, _MANAGED_MAX)
    return ManagedPolicy(
        name=policy.name,
        document=document,
        path=data.get("path"),
        description=data.get("description"),
        tags=dict(data["tags"]) if "tags" in data else None,
    )


def _ref_uses(entity: Declared, names: _Spellings) -> list[PolicyRefUse]:
    """Every policy reference of a user, group or role: its policies, then its boundary."""
    data = entity.data
    places: list[tuple[Path, str]] = [
        (("policies", index), ref) for index, ref in enumerate(data.get("policies", []))
    ]
    if "permissions_boundary" in data:
        places.append((("permissions_boundary",), data["permissions_boundary"]))
    return [
        PolicyRefUse(
            owner_kind=entity.kind,
            owner=entity.name,
            ref=names.policy(ref),
            location=entity.location(*place),
            field=field_path(entity.path + place),
        )
        for place, ref in places
    ]


def resolve(config: Config, aws_policies: Mapping[str, str], partition: str = "aws") -> State:
    """The Config's State with every policy reference turned into an ARN.

    `aws_policies` maps AWS managed policy names and path/names (`job-function/ViewOnlyAccess`)
    to their ARNs. An unknown reference is a ConfigError at the place it is written.
    """
    declared = {name: policy.path for name, policy in config.state.policies.items()}
    resolver = _Resolver(config.account_id, declared, aws_policies, partition)
    for use in config.policy_refs:
        resolver.arn(use.ref, use.location, use.field)
    state = config.state
    anywhere = Location(config.files[0] if config.files else ".")
    users = {
        name: replace(
            user,
            policies=resolver.arns(user.policies, anywhere),
            permissions_boundary=resolver.boundary(user.permissions_boundary, anywhere),
        )
        for name, user in state.users.items()
    }
    context = roles.TrustContext(
        config.account_id, tuple(state.oidc_providers), tuple(state.saml_providers), partition
    )
    roles_ = {
        name: replace(
            role,
            policies=resolver.arns(role.policies, anywhere),
            permissions_boundary=resolver.boundary(role.permissions_boundary, anywhere),
            trust=roles.trust_in_partition(role, context),
        )
        for name, role in state.roles.items()
    }
    groups = {
        name: replace(group, policies=resolver.arns(group.policies, anywhere))
        for name, group in state.groups.items()
    }
    account = replace(state.account, partition=partition)
    return replace(state, account=account, users=users, groups=groups, roles=roles_)


class _Resolver:
    """Policy reference -> ARN, in DESIGN order: declared name, AWS managed name, full ARN.

    Without regard to case, as IAM names go; the ARN returned has the policy's own spelling."""

    def __init__(self, account_id: str, declared_paths: Mapping[str, str | None],
                 aws_policies: Mapping[str, str], partition: str) -> None:
        """`declared_paths`: the file's policies, name to path."""
        self.account_id = account_id
        declared = {
            name: policy_arn(partition, account_id, path, name)
            for name, path in declared_paths.items()
        }
        self.names = [*declared, *aws_policies]  # for "did you mean"
        self.all_arns = [*aws_policies.values(), *declared.values()]
        self.declared = _by_lower(declared)
        self.aws = _by_lower(aws_policies)
        self.known_arns = _by_lower({arn: arn for arn in self.all_arns})
        self.own_prefix = f"arn:{partition}:iam::{account_id}:policy/"

    def arn(self, ref: str, location: Location, field: str) -> str:
        key = ref.lower()
        found = self.declared.get(key) or self.aws.get(key) or self.known_arns.get(key)
        if found:
            return found
        # Any customer policy of this account may be attached, declared or not.
        if ref.startswith(self.own_prefix):
            return ref
        raise ConfigError(location, field, self.unknown(ref))

    def arns(self, refs: frozenset[str], location: Location) -> frozenset[str]:
        return frozenset(self.arn(ref, location, "") for ref in refs)

    def boundary(self, ref: str | None, location: Location) -> str | None:
        return self.arn(ref, location, "") if ref is not None else None

    def unknown(self, ref: str) -> str:
        if ref.startswith("arn:") and not is_aws_managed(ref):
            return f"policy ARN '{ref}' is not in account {self.account_id} nor AWS managed"
        candidates = self.all_arns if ref.startswith("arn:") else self.names
        close = difflib.get_close_matches(ref, candidates, n=1)
        if close:
            return f"unknown policy '{ref}' (did you mean '{close[0]}'?)"
        return f"unknown policy '{ref}': not under policies: and not an AWS managed policy"


def _by_lower(names: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in names.items()}
