"""Entities in the account that the file does not declare: pruned, or listed as unmanaged.

Pure, like `diff.py`, whose `diff` calls `undeclared`. Prune never takes away what something
it leaves in place still uses: the user or role running iamctl, ignored users, groups and roles,
the roles that belong to AWS (never pruned, never listed) and those other AWS services create
(`protected_names.py`) keep their groups and policies, and each such keep is explained in a note.
Nor does it delete the policies and identity providers those services create.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..arns import provider_key
from ..changes import Action, Change, ChangeKind
from ..kinds.entities import GROUPS, POLICIES, ROLES, USERS
from ..kinds.providers import oidc_removal, saml_removal
from ..payloads import Attachments, Members
from ..policy.trust import principal_values, statement_list
from ..state import Entity, ManagedPolicy, Role, State, User, credentials_of
from ..wording import plural
from .attachments import attachments_of, named
from .protected_names import kept_because, protected


@dataclass(frozen=True)
class Undeclared:
    removals: tuple[Change, ...] = ()
    # Without prune: what the file does not declare, by kind, for the plan to list.
    unmanaged: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    kept: tuple[str, ...] = ()  # why something prune would remove stays
    deleted: frozenset[Entity] = frozenset()  # the users, groups and roles prune deletes


@dataclass(frozen=True)
class _Staying:
    """Undeclared entities that stay after apply, each with why (they keep what they use)."""

    why: Mapping[Entity, str]

    def reason(self, entity: Entity) -> str | None:
        return self.why.get(entity)


def undeclared(
    desired: State, live: State, caller_user: str | None, caller_role: str | None = None
) -> Undeclared:
    """Prune removals (or the unmanaged list without prune), skipping ignored names. Roles that
    belong to AWS are apart (`State.aws_roles`): never listed, never pruned."""
    extra = {
        **{kind.section: extra_names(kind.of(live), kind.of(desired), desired, kind.section)
           for kind in (USERS, GROUPS, POLICIES, ROLES)},
        **provider_extras(desired, live),
    }
    if not desired.prune:
        return Undeclared(unmanaged={kind: names for kind, names in extra.items() if names})
    staying = staying_entities(desired, live, caller_user, caller_role)
    users = [name for name in extra["users"] if Entity("user", name) not in staying.why]
    roles = [name for name in extra["roles"] if Entity("role", name) not in staying.why]
    kept = [
        f"{entity} is not deleted: {staying.why[entity]}"
        for kind in ("user", "role")
        for name in extra[f"{kind}s"]
        if (entity := Entity(kind, name)) in staying.why
    ]
    groups, group_notes, kept_groups = prunable_groups(extra["groups"], live, staying)
    staying = _Staying({**staying.why, **kept_groups})
    policies, policy_notes = prunable_policies(extra["policies"], desired, live, staying)
    removals = [user_removal(live.users[name]) for name in users]
    removals += [role_removal(live.roles[name]) for name in roles]
    removals += [group_removal(live, name) for name in groups]
    removals += [policy_removal(live.policies[name], live) for name in policies]
    trusted = trusted_providers(desired, live, roles)
    providers, protected_notes = unprotected_providers(extra)
    removals += provider_removals(providers, live, trusted)
    deleted = (
        {Entity("user", name) for name in users}
        | {Entity("role", name) for name in roles}
        | {Entity("group", name) for name in groups}
    )
    provider_notes = protected_notes + kept_provider_notes(providers, live, trusted)
    return Undeclared(tuple(removals), {},
                      tuple(kept + group_notes + policy_notes + provider_notes),
                      frozenset(deleted))


def extra_names(
    live: Mapping[str, object], declared: Mapping[str, object], desired: State, kind: str
) -> tuple[str, ...]:
    return tuple(
        sorted(
            name
            for name in live
            if name not in declared and not desired.ignore.matches(kind, name)
        )
    )


def staying_entities(
    desired: State, live: State, caller_user: str | None, caller_role: str | None
) -> _Staying:
    """Undeclared entities prune leaves in place: ignored ones, the user or role running
    iamctl, the roles that belong to AWS and those another AWS service creates."""
    why: dict[Entity, str] = {}
    for kind, entities, declared, caller in (
        ("user", live.users, desired.users, caller_user),
        ("role", live.roles, desired.roles, caller_role),
    ):
        for name in entities:
            if name in declared:
                continue
            if desired.ignore.matches(f"{kind}s", name):
                why[Entity(kind, name)] = f"matches ignore.{kind}s"
            elif caller is not None and name.lower() == caller.lower():
                why[Entity(kind, name)] = "its credentials are running iamctl"
            elif entry := protected(f"{kind}s", name):
                why[Entity(kind, name)] = kept_because(entry)
    for name in live.groups:
        if name not in desired.groups and desired.ignore.matches("groups", name):
            why[Entity("group", name)] = "matches ignore.groups"
    for name in live.aws_roles:
        why[Entity("role", name)] = "belongs to AWS"
    return _Staying(why)


def prunable_groups(
    names: tuple[str, ...], live: State, staying: _Staying
) -> tuple[list[str], list[str], dict[Entity, str]]:
    """Undeclared groups to delete; notes for those kept because a member stays (deleting the
    group would take its permissions from an ignored user, or from iamctl's own); the kept."""
    members: dict[str, list[Entity]] = {name: [] for name in names}
    for user in sorted(live.users):
        for group in live.users[user].groups & members.keys():
            members[group].append(Entity("user", user))
    deleted, notes, kept = [], [], {}
    for name in names:
        held = [f"{m} ({staying.why[m]})" for m in members[name] if m in staying.why]
        if held:
            notes.append(f"group {name} is not deleted: its members include {', '.join(held)}")
            kept[Entity("group", name)] = "kept for its members"
        else:
            deleted.append(name)
    return deleted, notes, kept


def prunable_policies(
    names: tuple[str, ...], desired: State, live: State, staying: _Staying
) -> tuple[list[str], list[str]]:
    """Undeclared policies to delete, and notes for those kept: created by another AWS service,
    attached to something that stays (a role, an ignored user or group, a kept one), wanted by
    the file, or a boundary."""
    deleted, notes = [], []
    for name in names:
        entry = protected("policies", name)
        reasons = [kept_because(entry)] if entry else []
        reasons = reasons or policy_users(live.policies[name], desired, live, staying)
        if reasons:
            notes.append(f"policy {name} is not deleted: {'; '.join(reasons)}")
        else:
            deleted.append(name)
    return deleted, notes


def policy_users(
    policy: ManagedPolicy, desired: State, live: State, staying: _Staying
) -> list[str]:
    """Why prune keeps the policy (nothing: it is deleted)."""
    held = [
        f"{entity} ({reason})"
        for entity in attachments_of(policy, live)
        if (reason := staying.reason(entity))
    ]
    reasons = [f"attached to {', '.join(held)}"] if held else []
    wanting = [f"user {n}" for n, user in desired.users.items() if policy.arn in user.policies]
    wanting += [f"group {n}" for n, group in desired.groups.items() if policy.arn in group.policies]
    wanting += [f"role {n}" for n, role in desired.roles.items() if policy.arn in role.policies]
    if wanting:
        reasons.append(f"the file attaches it to {', '.join(sorted(wanting))}")
    holders = boundary_holders_after_apply(policy, desired, live, staying)
    if holders:
        users = plural(holders, "user or role", "users or roles")
        reasons.append(f"it is the permissions boundary of {users}")
    return reasons


def boundary_holders_after_apply(
    policy: ManagedPolicy, desired: State, live: State, staying: _Staying
) -> int:
    """Users and roles that have the policy as their boundary once apply is done (AWS refuses
    to delete a policy in use as one): declared ones as the file sets them, undeclared ones
    that stay as they are, and any the account counts that iamctl cannot see. A user or role
    deleted by the same prune holds it no more, so one apply converges."""
    arn = policy.arn
    declared: list[User | Role] = [*desired.users.values(), *desired.roles.values()]
    live_entities: list[tuple[str, User | Role]] = [
        *(("user", user) for user in live.users.values()),
        *(("role", role) for role in [*live.roles.values(), *live.aws_roles.values()]),
    ]
    live_holders = [
        (kind, entity.name) for kind, entity in live_entities if entity.permissions_boundary == arn
    ]
    staying_holders = [
        name for kind, name in live_holders
        if name not in (desired.users if kind == "user" else desired.roles)
        and staying.reason(Entity(kind, name))
    ]
    unseen = max(0, policy.boundary_count - len(live_holders))
    wanted = sum(1 for entity in declared if entity.permissions_boundary == arn)
    return wanted + len(staying_holders) + unseen


def user_removal(user: User) -> Change:
    creds = credentials_of(user)
    parts = [
        "console password" if creds.login_profile else "",
        count(len(creds.access_keys), "access key"),
        count(len(creds.mfa_devices), "MFA device"),
        count(len(user.groups), "group membership"),
        count(len(user.policies), "attached policy", "attached policies"),
        count(len(user.inline_policies), "inline policy", "inline policies"),
    ]
    removed = ", ".join(part for part in parts if part)
    return Change(Action.DELETE, ChangeKind.USER, user.name,
                  note=f"removes {removed}" if removed else "")


def role_removal(role: Role) -> Change:
    parts = [
        count(len(role.instance_profiles), "instance profile"),
        count(len(role.policies), "attached policy", "attached policies"),
        count(len(role.inline_policies), "inline policy", "inline policies"),
    ]
    removed = ", ".join(part for part in parts if part)
    return Change(Action.DELETE, ChangeKind.ROLE, role.name,
                  note=f"removes {removed}" if removed else "")


def group_removal(live: State, name: str) -> Change:
    """Records the members it removes, so apply removes no one else."""
    members = [Entity("user", u) for u in sorted(live.users) if name in live.users[u].groups]
    group = live.groups[name]
    parts = [
        f"member{'s' if len(members) > 1 else ''} {', '.join(m.name for m in members)}"
        if members
        else "",
        count(len(group.policies), "attached policy", "attached policies"),
        count(len(group.inline_policies), "inline policy", "inline policies"),
    ]
    removed = ", ".join(part for part in parts if part)
    return Change(
        Action.DELETE,
        ChangeKind.GROUP,
        name,
        before=Members(tuple(members)),
        note=f"removes {removed}" if removed else "",
    )


def policy_removal(policy: ManagedPolicy, live: State) -> Change:
    """Records the entities it detaches the policy from, so apply detaches no other."""
    attached = attachments_of(policy, live)
    return Change(
        Action.DELETE,
        ChangeKind.POLICY,
        policy.name,
        target=policy.arn,
        before=Attachments(tuple(attached)),
        note=f"detaches it from {named(attached)}" if attached else "",
    )


def count(n: int, singular: str, plural_form: str | None = None) -> str:
    """`2 access keys`, or nothing at all for none (for lists of what a removal takes along)."""
    return plural(n, singular, plural_form) if n else ""


# Identity providers. Nothing iamctl leaves in place depends on one in a way prune could see
# (roles, which trust them, are not read yet), so prune deletes every undeclared one.


def provider_extras(desired: State, live: State) -> dict[str, tuple[str, ...]]:
    """Undeclared providers by the kind the plan lists them under."""
    return {
        "oidc providers": extra_names(
            live.oidc_providers, desired.oidc_providers, desired, "oidc_providers"
        ),
        "saml providers": extra_names(
            live.saml_providers, desired.saml_providers, desired, "saml_providers"
        ),
    }


def unprotected_providers(
    extra: Mapping[str, tuple[str, ...]]
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """The undeclared providers less those another AWS service creates and manages (IAM
    Identity Center's SAML provider, kept even while none of its roles is in the account to
    trust it), and a note for each of those."""
    remaining, notes = dict(extra), []
    for section, label in (("oidc providers", "OIDC"), ("saml providers", "SAML")):
        kind = section.replace(" ", "_")
        found = [(name, protected(kind, name)) for name in extra[section]]
        remaining[section] = tuple(name for name, entry in found if entry is None)
        notes += [f"{label} provider {name} is not deleted: {kept_because(entry)}"
                  for name, entry in found if entry is not None]
    return remaining, notes


def provider_removals(
    extra: Mapping[str, tuple[str, ...]], live: State, trusted: Mapping[str, str]
) -> list[Change]:
    """Undeclared providers prune deletes: none that a role staying after apply trusts."""
    oidc = [live.oidc_providers[key] for key in extra["oidc providers"]]
    saml = [live.saml_providers[name] for name in extra["saml providers"]]
    return [oidc_removal(p) for p in oidc if provider_key(p.arn) not in trusted] + [
        saml_removal(p) for p in saml if provider_key(p.arn) not in trusted
    ]


def kept_provider_notes(
    extra: Mapping[str, tuple[str, ...]], live: State, trusted: Mapping[str, str]
) -> list[str]:
    kept = [("OIDC", key, live.oidc_providers[key].arn) for key in extra["oidc providers"]]
    kept += [("SAML", name, live.saml_providers[name].arn) for name in extra["saml providers"]]
    return [
        f"{kind} provider {name} is not deleted: role {trusted[provider_key(arn)]} trusts it"
        for kind, name, arn in kept
        if provider_key(arn) in trusted
    ]


def trusted_providers(desired: State, live: State, pruned_roles: list[str]) -> dict[str, str]:
    """Provider (its `provider_key`) -> a role that trusts it after apply (a declared role, by
    the trust the file gives it; an undeclared one prune keeps, by its live trust): deleting the
    provider would break that role's federation."""
    staying = [r for name, r in live.roles.items() if name not in desired.roles]
    roles = [*desired.roles.values(), *live.aws_roles.values()] + [
        role for role in staying if role.name not in pruned_roles
    ]
    trusted: dict[str, str] = {}
    for role in sorted(roles, key=lambda r: r.name, reverse=True):
        for arn in federated_principals(role.trust.text if role.trust else ""):
            trusted[provider_key(arn)] = role.name
    return trusted


def federated_principals(text: str) -> list[str]:
    if not text:
        return []
    return [
        value
        for statement in statement_list(text)
        for value in principal_values(statement.get("Principal"), "Federated")
    ]
