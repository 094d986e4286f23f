"""`iamctl export`: the live account (from `live.py`) written back as a file in iamctl's format.

The file is meant as the start of managing an existing account: planning it right away shows no
changes. Every policy reference is written the way `desired.resolve` reads it back to the same
ARN, and the enforce-MFA policy iamctl owns is written as `mfa: enforced` on its users. Roles
that belong to AWS are left out: a file cannot declare them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from typing import Any, cast

import yaml

from ..aws.client import Aws
from ..aws.exact_reads import confirm_credentials, confirm_policy_tags
from ..aws.live import LiveAccount, read_live
from ..aws.live_roles import read_role_settings
from ..core.kinds.declared import declared_kind
from ..core.kinds.entities import ENTITY_KINDS
from ..core.policy import documents as policydoc
from ..core.policy.mfa_policy import ENFORCE_MFA_POLICY_NAME
from ..core.state import Account, Document, Group, ManagedPolicy, MfaMode, Role, State, User
from .export_providers import metadata_comments, oidc_entry, saml_entry


def read_for_export(aws: Aws) -> LiveAccount:
    """The live account, with what the bulk read may have stale or lacks confirmed: an export
    becomes the record (the credential report can be hours old; policy tags are not in it). A
    few calls per user is fine for a one-off."""
    live = read_live(aws, aws.identity(), wanted=None)  # every declared kind its reader affords
    state = confirm_credentials(aws, live.state, list(live.state.users))
    state = confirm_policy_tags(aws, state, list(state.policies))
    state = read_role_settings(aws, state)  # description and maximum session: not in the bulk read
    return replace(live, state=state)


def export_document(
    live: LiveAccount, now: datetime | None = None, metadata_written: bool = False
) -> str:
    """The YAML text of the live account: policies, groups, users, roles, identity providers and
    account settings. `metadata_written`: SAML metadata files are written beside it (`--out`)."""
    state = live.state
    refs = PolicyReferences(state, live.aws_policies)
    exporting = _Exporting(state, refs, refs.enforce_mfa_arn())
    data: dict[str, Any] = {"version": 1, "account": account_section(state.account)}
    for kind in ENTITY_KINDS:
        entries = _entries(kind.section, exporting)
        if entries:
            under = data
            for key in kind.within:  # a section within another (`identity_center`)
                under = under.setdefault(key, {})
            under[kind.file_path[-1]] = entries
    header = f"# Exported by iamctl from account {state.account.id}\n"
    text = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
        width=4096,
    )
    lines = lifecycle_comments(text.splitlines(), state, now or datetime.now(timezone.utc))
    lines = metadata_comments(lines, metadata_written)
    return header + "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Exporting:
    """What every section's entries are written with."""

    state: State
    refs: PolicyReferences
    enforce_arn: str | None  # the enforce-MFA policy's ARN, written as `mfa: enforced`


def _policies(e: _Exporting) -> list[dict[str, Any]]:
    return [policy_entry(policy) for name, policy in sorted(e.state.policies.items())
            if name != ENFORCE_MFA_POLICY_NAME]


# Each entity kind's entries, by its section (`core/kinds/entities.py`), in sorted name order.
SECTIONS: dict[str, Callable[[_Exporting], list[dict[str, Any]]]] = {
    "policies": _policies,
    "groups": lambda e: [group_entry(group, e.refs) for _, group in sorted(e.state.groups.items())],
    "users": lambda e: [user_entry(user, e.refs, e.enforce_arn)
                        for _, user in sorted(e.state.users.items())],
    "roles": lambda e: [role_entry(role, e.refs) for _, role in sorted(e.state.roles.items())],
    "oidc_providers": lambda e: [oidc_entry(provider)
                                 for _, provider in sorted(e.state.oidc_providers.items())],
    "saml_providers": lambda e: [saml_entry(provider)
                                 for _, provider in sorted(e.state.saml_providers.items())],
}


def _entries(section: str, e: _Exporting) -> list[dict[str, Any]]:
    """A section's entries: a built-in kind's from `SECTIONS`, a declared kind's from its
    declaration (none when it says export leaves it out)."""
    if section in SECTIONS:
        return SECTIONS[section](e)
    kind = declared_kind(section)
    if kind.to_file is None:
        return []
    entries: list[dict[str, Any]] = []
    for _, model in sorted(kind.declared_in(e.state).items()):
        written = kind.to_file(model)
        entries += written if isinstance(written, list) else [written]
    return entries


# Lifecycle settings are suggestions, not facts of the account: nothing in AWS says a key is
# meant to rotate. They are written as comments for a person to turn on.
UNUSED_COMMENT = "  # unused_credentials: {disable_after_days: 45}  # CIS 1.12: disables"
ROTATION = "{count: 1, rotate_after_days: 90, overlap_days: 7}"


def lifecycle_comments(lines: list[str], state: State, now: datetime) -> Iterator[str]:
    """The dumped lines, with the rotation settings that fit each user's keys as comments."""
    section, user = "", ""
    for line in lines:
        yield line
        if not line.startswith((" ", "-")):
            section = line.rstrip(":")
        if section == "account" and line.startswith("  id: "):
            yield UNUSED_COMMENT + " credentials unused 45 days"
        elif section == "users" and line.startswith("- name: "):
            user = str(yaml.safe_load(line[len("- name: "):]))
        elif section == "users" and line == "  access_keys: 1" and user in state.users:
            yield f"  # access_keys: {ROTATION}  # CIS 1.14: {key_ages(state.users[user], now)}"


def key_ages(user: User, now: datetime) -> str:
    keys = sorted((k for k in (user.credentials.access_keys if user.credentials else ())
                   if k.created), key=lambda k: k.created or now)
    active = [k for k in keys if k.active]
    if not active or active[-1].created is None:
        return "uncomment to rotate the key"
    age = (now - active[-1].created).days
    text = f"the active key is {age} days old"
    if len(keys) == 2 and keys[0].created is not None:
        text += f", the one before it was made {(active[-1].created - keys[0].created).days} " \
                "days earlier"
    return text + (": the first apply would rotate it" if age >= 90 else "")


def account_section(account: Account) -> dict[str, Any]:
    """The root user is left out: its MFA and keys are human steps, not something to copy."""
    section: dict[str, Any] = {"id": account.id}
    if account.alias:
        section["alias"] = account.alias
    if account.password_policy is not None:
        fields = asdict(account.password_policy)
        # Every field, so the file says what was chosen; None (no expiry, no reuse limit) has no
        # spelling in the format but absence.
        section["password_policy"] = {k: v for k, v in fields.items() if v is not None}
    return section


def policy_entry(policy: ManagedPolicy) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": policy.name}
    if policy.path and policy.path != "/":
        entry["path"] = policy.path
    # Empty tags and descriptions are written too: absent would leave them unmanaged, and a tag
    # or description added later in the console would never show as drift.
    entry["description"] = policy.description or ""  # the bulk read has None for none
    if policy.tags is not None:
        entry["tags"] = dict(sorted(policy.tags.items()))
    entry["document"] = readable_document(policy.document)
    return entry


def group_entry(group: Group, refs: PolicyReferences) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": group.name}
    if group.path and group.path != "/":
        entry["path"] = group.path
    if group.policies:
        entry["policies"] = refs.names(group.policies)
    if group.inline_policies:
        entry["inline_policies"] = inline_entries(group.inline_policies)
    return entry


def user_entry(user: User, refs: PolicyReferences, enforce_arn: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": user.name}
    if user.path and user.path != "/":
        entry["path"] = user.path
    enforced = enforce_arn is not None and enforce_arn in user.policies
    if user.groups:
        entry["groups"] = sorted(user.groups)
    policies = user.policies - {enforce_arn} if enforced else user.policies
    if policies:
        entry["policies"] = refs.names(policies)
    if user.inline_policies:
        entry["inline_policies"] = inline_entries(user.inline_policies)
    if user.tags is not None:  # {} too: managed, so a tag added by hand shows as drift
        entry["tags"] = dict(sorted(user.tags.items()))
    if user.permissions_boundary:
        entry["permissions_boundary"] = refs.name(user.permissions_boundary)
    entry.update(credential_fields(user, enforced))
    return entry


def role_entry(role: Role, refs: PolicyReferences) -> dict[str, Any]:
    """Every field the live read knows: the description and maximum session only once read
    (ListRoles); the trust policy exactly as AWS holds it."""
    entry: dict[str, Any] = {"name": role.name}
    if role.path and role.path != "/":
        entry["path"] = role.path
    if role.description is not None:  # "" too (once read): managed, so drift on it shows
        entry["description"] = role.description
    if role.trust is not None:
        entry["assume_role_policy"] = readable_document(role.trust)
    if role.max_session_duration is not None:
        entry["max_session_duration"] = role.max_session_duration
    if role.permissions_boundary:
        entry["permissions_boundary"] = refs.name(role.permissions_boundary)
    if role.policies:
        entry["policies"] = refs.names(role.policies)
    if role.inline_policies:
        entry["inline_policies"] = inline_entries(role.inline_policies)
    if role.tags is not None:
        entry["tags"] = dict(sorted(role.tags.items()))
    if role.instance_profile is not None:
        entry["instance_profile"] = role.instance_profile
    return entry


def credential_fields(user: User, enforced: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    creds = user.credentials
    if creds is not None:
        fields["console"] = creds.login_profile
        fields["access_keys"] = len(creds.active_keys)
    if enforced:
        fields["mfa"] = MfaMode.ENFORCED.value
    elif creds is not None and creds.mfa_devices:
        fields["mfa"] = MfaMode.REQUIRED.value
    return fields


def inline_entries(policies: Mapping[str, Document]) -> dict[str, Any]:
    return {name: readable_document(policies[name]) for name in sorted(policies)}


def readable_document(document: Document) -> dict[str, Any]:
    """A document exactly as AWS holds it (key order, spelling, one-item lists): the user
    recognises their own policy, and planning the exported file shows no change."""
    return policydoc.as_written(document)


class PolicyReferences:
    """Managed policy ARN -> the reference `desired.resolve` turns back into that ARN.

    Resolution tries declared names first, then AWS managed names, then ARNs: an AWS managed
    policy whose name a customer policy also has is written with its path, or as its ARN.
    """

    def __init__(self, state: State, aws_policies: Mapping[str, str]) -> None:
        self._customer = {policy.arn: name for name, policy in state.policies.items()}
        self._aws: dict[str, str] = {}
        taken = set(state.policies)
        # Shortest reference first: "AdministratorAccess" before "job-function/..." forms.
        for ref, arn in sorted(aws_policies.items(), key=lambda item: (len(item[0]), item[0])):
            if ref not in taken and arn not in self._aws:
                self._aws[arn] = ref

    def name(self, arn: str) -> str:
        return self._customer.get(arn) or self._aws.get(arn) or arn

    def names(self, arns: frozenset[str]) -> list[str]:
        return sorted(self.name(arn) for arn in arns)

    def enforce_mfa_arn(self) -> str | None:
        return next((arn for arn, name in self._customer.items()
                     if name == ENFORCE_MFA_POLICY_NAME), None)


class _Dumper(yaml.SafeDumper):
    """Double quotes for every string a YAML reader could take for something else: a date
    (`2012-10-17`), a number (an account id like `012345678901`, which YAML 1.2 reads as an
    integer), a boolean (`no`). Never anchors and aliases: each entry stands on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    resolve = cast(Callable[..., str], dumper.resolve)  # untyped in types-PyYAML
    as_plain = resolve(yaml.ScalarNode, value, (True, False))
    ambiguous = as_plain != "tag:yaml.org,2002:str" or value.isdigit()
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if ambiguous else None)


_Dumper.add_representer(str, _represent_str)
