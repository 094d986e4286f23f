"""IAM Identity Center permission sets (`identity_center.permission_sets`): the file's entries,
their changes and how a plan says them. A kind declared once, here; its reader is
`aws/readers/permission_sets.py`, its writers `aws/writers/permission_sets.py`.

A declared set's policies (AWS managed, customer managed, inline) and permissions boundary are
exact; its description, session duration, relay state and tags, when absent, are not managed
(`tags: {}` means none). After a change to a set that is provisioned to accounts, the set is
provisioned again to all of them (`ProvisionPermissionSet`), and the plan says to how many.
Without `prune`, undeclared sets are listed; with it they are deleted, but for those
provisioned to accounts: iamctl reads the assignments only of the sets the files name, and AWS
keeps a provisioned set's roles in the accounts.

Pure.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...arns import sso_permission_set
from ...changes import Action, Change, ChangeKind, Impact
from ...payloads import tags as string_map
from ...payloads import tags_of, text, text_of
from ...policy import aws_managed
from ...policy.documents import as_written, canonical, document_diff, validate_document
from ...state import Caller, Document
from ...wording import plural
from ..declaration import DeclaredKind, EntityKind, FileEntry
from ..describers import Describer, entity, shown, transition
from ..spec import CREATE, DELETE, TEXT, UPDATE, Phase, spec
from ._identity_center import in_instance
from ._permission_set_access import set_change_risks

# IAM Identity Center's limits (CreatePermissionSet, PutInlinePolicyToPermissionSet; its
# quotas page: 20 managed policies per set, AWS managed and customer managed together).
NAME = re.compile(r"[\w+=,.@-]{1,32}")
MAX_POLICIES = 20
INLINE_MAX_CHARACTERS = 32_768
MIN_SESSION, MAX_SESSION = 3600, 12 * 3600
_DURATION = re.compile(r"(?:PT)?(?:(\d+)H)?(?:(\d+)M)?", re.IGNORECASE)

PERMISSION_SET = ChangeKind.named("permission_set")  # target: its ARN (empty on creation)
PERMISSION_SET_SETTINGS = ChangeKind.named("permission_set_settings")
PERMISSION_SET_MANAGED_POLICY = ChangeKind.named("permission_set_managed_policy")  # an ARN
PERMISSION_SET_CUSTOMER_POLICY = ChangeKind.named("permission_set_customer_policy")  # path+name
PERMISSION_SET_INLINE_POLICY = ChangeKind.named("permission_set_inline_policy")
PERMISSION_SET_BOUNDARY = ChangeKind.named("permission_set_boundary")
PERMISSION_SET_TAGS = ChangeKind.named("permission_set_tags")
PERMISSION_SET_PROVISION = ChangeKind.named("permission_set_provision")  # after: the count


@dataclass(frozen=True)
class PermissionSet:
    name: str
    description: str | None = None  # None: not managed (desired)
    session_seconds: int | None = None
    relay_state: str | None = None
    managed_policies: frozenset[str] = frozenset()  # AWS managed policy ARNs
    customer_policies: frozenset[str] = frozenset()  # "path" + "name", as `/team/Deployer`
    inline_policy: Document | None = None
    # "arn:..." for an AWS managed policy, a path and name for a customer managed one.
    boundary: str | None = None
    tags: Mapping[str, str] | None = field(default=None)
    # Live only.
    arn: str = ""
    accounts: tuple[str, ...] = ()  # the accounts it is provisioned to

    @property
    def provisioned_to(self) -> int:
        return len(self.accounts)

    def settings(self) -> dict[str, str]:
        """As UpdatePermissionSet takes them (it resets what it is not sent: all three go)."""
        return {"description": self.description or "", "relay_state": self.relay_state or "",
                "session_duration": iso_duration(self.session_seconds or MIN_SESSION)}


def session_seconds(written: str) -> int:
    """`4h`, `90m`, `PT4H`, `PT1H30M` -> seconds; ValueError outside 1 to 12 hours."""
    found = _DURATION.fullmatch(written.strip())
    if not found or not any(found.groups()):
        raise ValueError(f"{written!r} is not a duration: write 4h, 90m or PT4H")
    hours, minutes = (int(part or 0) for part in found.groups())
    seconds = hours * 3600 + minutes * 60
    if not MIN_SESSION <= seconds <= MAX_SESSION:
        raise ValueError(f"{written} is outside the 1 to 12 hours AWS allows")
    return seconds


def iso_duration(seconds: int) -> str:
    hours, minutes = divmod(seconds // 60, 60)
    return f"PT{hours}H" + (f"{minutes}M" if minutes else "")


def managed_arn(reference: str) -> str:
    """An AWS managed policy by name (`ViewOnlyAccess`, `job-function/ViewOnlyAccess`) or ARN;
    ValueError, with the closest name, for one the shipped list does not know."""
    if reference.startswith("arn:"):
        if ":iam::aws:policy/" not in reference:
            raise ValueError("a permission set attaches AWS managed policies only: name a "
                             "customer managed one under customer_managed_policies")
        return reference
    known = aws_managed.references()
    if reference in known:
        return known[reference]
    close = difflib.get_close_matches(reference, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise ValueError(f"unknown AWS managed policy '{reference}'{hint}; a policy newer than "
                     f"iamctl's list ({aws_managed.source()}) is named by its ARN")


def customer_reference(written: Mapping[str, str]) -> str:
    path = written.get("path", "/")
    return f"{path}{written['name']}"


def from_file(entry: FileEntry) -> PermissionSet:
    data = entry.data
    if not NAME.fullmatch(data["name"]):
        raise entry.error(("name",), "1 to 32 letters, digits and +=,.@_-")
    seconds = None
    if "session_duration" in data:
        try:
            seconds = session_seconds(data["session_duration"])
        except ValueError as error:
            raise entry.error(("session_duration",), str(error)) from None
    managed = frozenset(_managed(entry, index, ref)
                        for index, ref in enumerate(data.get("managed_policies", [])))
    customer = frozenset(map(customer_reference, data.get("customer_managed_policies", [])))
    if len(managed) + len(customer) > MAX_POLICIES:
        raise entry.error(("managed_policies",), f"{len(managed) + len(customer)} policies: "
                          f"AWS allows {MAX_POLICIES} per permission set")
    return PermissionSet(
        name=data["name"], description=data.get("description"), session_seconds=seconds,
        relay_state=data.get("relay_state"), managed_policies=managed,
        customer_policies=customer, inline_policy=_inline(entry),
        boundary=_boundary(entry), tags=dict(data["tags"]) if "tags" in data else None)


def _managed(entry: FileEntry, index: int, reference: str) -> str:
    try:
        return managed_arn(reference)
    except ValueError as error:
        raise entry.error(("managed_policies", index), str(error)) from None


def _inline(entry: FileEntry) -> Document | None:
    written = entry.data.get("inline_policy")
    if written is None:
        return None
    problems = validate_document(written)
    if problems:
        raise entry.error(("inline_policy",), problems[0])
    document = canonical(written)
    if len(document.text) > INLINE_MAX_CHARACTERS:
        raise entry.error(("inline_policy",), f"{len(document.text):,} characters: AWS allows "
                          f"{INLINE_MAX_CHARACTERS:,}")
    return document


def _boundary(entry: FileEntry) -> str | None:
    written = entry.data.get("permissions_boundary")
    if written is None:
        return None
    if "customer_managed" in written:
        return customer_reference(written["customer_managed"])
    try:
        return managed_arn(written["managed"])
    except ValueError as error:
        raise entry.error(("permissions_boundary", "managed"), str(error)) from None


def diff(desired: Mapping[str, PermissionSet], live: Mapping[str, PermissionSet],
         prune: bool) -> Iterable[Change]:
    for name, wanted in desired.items():
        yield from diff_set(wanted, live.get(name))
    if prune:
        for name, found in live.items():
            if name not in desired and not found.provisioned_to:
                yield Change(Action.DELETE, PERMISSION_SET, name, found.arn)


def diff_set(wanted: PermissionSet, found: PermissionSet | None) -> list[Change]:
    """The set's changes, then (when it is provisioned to accounts) its provisioning again."""
    current = found or PermissionSet(wanted.name, description="", relay_state="",
                                     session_seconds=MIN_SESSION, tags={})
    arn = current.arn
    changes = [] if found else [Change(Action.CREATE, PERMISSION_SET, wanted.name,
                                       after=wanted.settings())]
    if found and _settings_differ(wanted, found):
        changes.append(Change(Action.UPDATE, PERMISSION_SET_SETTINGS, wanted.name, arn,
                              before=found.settings(), after=_merged(wanted, found).settings()))
    changes += _set_changes(PERMISSION_SET_MANAGED_POLICY, wanted, arn,
                            wanted.managed_policies, current.managed_policies)
    changes += _set_changes(PERMISSION_SET_CUSTOMER_POLICY, wanted, arn,
                            wanted.customer_policies, current.customer_policies)
    changes += _one_value(PERMISSION_SET_INLINE_POLICY, wanted, arn,
                          _text(wanted.inline_policy), _text(current.inline_policy),
                          wanted.inline_policy != current.inline_policy)
    changes += _one_value(PERMISSION_SET_BOUNDARY, wanted, arn, wanted.boundary,
                          current.boundary, wanted.boundary != current.boundary)
    if wanted.tags is not None and dict(wanted.tags) != dict(current.tags or {}):
        changes.append(Change(Action.UPDATE, PERMISSION_SET_TAGS, wanted.name, arn,
                              before=dict(current.tags or {}), after=dict(wanted.tags)))
    if found and found.provisioned_to and changes:
        changes.append(Change(Action.UPDATE, PERMISSION_SET_PROVISION, wanted.name, arn,
                              after=str(found.provisioned_to)))
    return changes


def _settings_differ(wanted: PermissionSet, found: PermissionSet) -> bool:
    return _merged(wanted, found).settings() != found.settings()


def _merged(wanted: PermissionSet, found: PermissionSet) -> PermissionSet:
    """The settings the file manages from `wanted`, the others as found."""
    return PermissionSet(
        wanted.name,
        description=found.description if wanted.description is None else wanted.description,
        session_seconds=found.session_seconds if wanted.session_seconds is None
        else wanted.session_seconds,
        relay_state=found.relay_state if wanted.relay_state is None else wanted.relay_state)


def _set_changes(kind: ChangeKind, wanted: PermissionSet, arn: str, desired: frozenset[str],
                 live: frozenset[str]) -> list[Change]:
    return [Change(Action.CREATE, kind, wanted.name, arn, after=ref)
            for ref in sorted(desired - live)] + \
           [Change(Action.DELETE, kind, wanted.name, arn, before=ref)
            for ref in sorted(live - desired)]


def _one_value(kind: ChangeKind, wanted: PermissionSet, arn: str, desired: str | None,
               live: str | None, differs: bool) -> list[Change]:
    if not differs:
        return []
    action = Action.CREATE if live is None else Action.DELETE if desired is None \
        else Action.UPDATE
    return [Change(action, kind, wanted.name, arn, before=live, after=desired)]


def _text(document: Document | None) -> str | None:
    return document.text if document is not None else None


# How a plan says them, and what they do to access.


def describe_settings(change: Change) -> tuple[str, list[str]]:
    before, after = tags_of(change.before), tags_of(change.after)
    changed = [f"{key} {shown(before.get(key))} -> {shown(value)}"
               for key, value in after.items() if before.get(key) != value]
    return f"permission set {change.name}: {', '.join(changed)}", []


def describe_policy(what: str) -> Describer:
    def describe(change: Change) -> tuple[str, list[str]]:
        verb = "attach" if change.action == CREATE else "detach"
        reference = text_of(change.after if change.action == CREATE else change.before)
        return f"permission set {change.name}: {verb} {what} {reference.split('/')[-1]}", []
    return describe


def describe_document(change: Change) -> tuple[str, list[str]]:
    lines = document_diff(change.before, change.after) if change.action == UPDATE else []
    return f"permission set {change.name}: inline policy", lines


def describe_provision(change: Change) -> tuple[str, list[str]]:
    accounts = plural(int(text_of(change.after)), "account")
    return f"permission set {change.name}: re-provisioned in {accounts}", []


UNJUDGED = "whether this broadens or narrows what the set's holders may do in its accounts " \
           "is not judged (only full access and escalation methods gained are, as risks)"


def judged(change: Change) -> tuple[Impact, str]:
    # A new set is assigned to no one, and provisioned nowhere; a deleted one was provisioned
    # nowhere (prune keeps the others). Anything else may change the access of whoever holds
    # the set in its accounts, which the model judges only in part: never called harmless.
    if change.kind == PERMISSION_SET:
        return (Impact.NEUTRAL if change.action == CREATE else Impact.NARROWS), ""
    if change.kind == PERMISSION_SET_SETTINGS:
        before, after = tags_of(change.before), tags_of(change.after)
        if before.get("session_duration") == after.get("session_duration"):
            return Impact.NEUTRAL, ""  # a description or a relay state opens nothing
    if change.kind == PERMISSION_SET_PROVISION:
        return Impact.UNKNOWN, UNJUDGED
    if change.action == DELETE and change.kind in (PERMISSION_SET_MANAGED_POLICY,
                                                   PERMISSION_SET_CUSTOMER_POLICY):
        return Impact.UNKNOWN, UNJUDGED + " (a policy detached may have held a Deny)"
    return Impact.UNKNOWN, UNJUDGED


# What takes permissions away from a set: its session's next provisioning holds less.
_TAKES_AWAY = {(PERMISSION_SET, DELETE), (PERMISSION_SET_MANAGED_POLICY, DELETE),
               (PERMISSION_SET_CUSTOMER_POLICY, DELETE), (PERMISSION_SET_INLINE_POLICY, DELETE),
               (PERMISSION_SET_INLINE_POLICY, UPDATE), (PERMISSION_SET_BOUNDARY, CREATE),
               (PERMISSION_SET_BOUNDARY, UPDATE)}


def cuts_off(change: Change, caller: Caller, account: str) -> str:
    """The credentials running iamctl are a session of this set's role: a change that may take
    its permissions away may take away the calls iamctl makes (whether the set keeps those
    calls is not judged, so any such change counts)."""
    own = sso_permission_set(caller.role or "")
    if own is None or own.lower() != change.name.lower() \
            or (change.kind, change.action) not in _TAKES_AWAY:
        return ""
    return (f"the credentials running iamctl are a session of permission set {change.name} "
            "here: this may take away the calls iamctl makes")


def _settings_payload(data: object) -> Mapping[str, str]:
    found = string_map(data)
    if sorted(found) != ["description", "relay_state", "session_duration"]:
        raise ValueError("expected the fields description, relay_state, session_duration")
    session_seconds(found["session_duration"])
    return found


def _count(data: object) -> str:
    count = text(data)
    if not count.isdigit():
        raise ValueError("expected a number of accounts")
    return count


def _document(data: object) -> str:
    written = text(data)
    problems = validate_document(written)
    if problems:
        raise ValueError(problems[0])
    return written


def to_file(found: PermissionSet) -> dict[str, Any]:
    """The entry export writes: every field, so that what is empty is managed too."""
    entry: dict[str, Any] = {
        "name": found.name, "description": found.description or "",
        "session_duration": iso_duration(found.session_seconds or MIN_SESSION),
        "relay_state": found.relay_state or "",
        "managed_policies": sorted(arn.split(":policy/", 1)[1].lstrip("/")
                                   for arn in found.managed_policies),
        "customer_managed_policies": [
            {"name": ref.rsplit("/", 1)[1], "path": ref.rsplit("/", 1)[0] + "/"}
            for ref in sorted(found.customer_policies)],
        "tags": dict(found.tags or {}),
    }
    if found.inline_policy is not None:
        entry["inline_policy"] = as_written(found.inline_policy)
    if found.boundary is not None:
        entry["permissions_boundary"] = _boundary_entry(found.boundary)
    return entry


def _boundary_entry(boundary: str) -> dict[str, Any]:
    if boundary.startswith("arn:"):
        return {"managed": boundary}
    path, name = boundary.rsplit("/", 1)
    return {"customer_managed": {"name": name, "path": path + "/"}}


KIND = DeclaredKind(
    entity=EntityKind("permission_sets", "permission set", "permission sets",
                      within=("identity_center",)),
    changes=(
        spec(PERMISSION_SET, Phase.ROLES, [CREATE, DELETE], entity("permission set"),
             Phase.DELETE_PROVIDERS, after=_settings_payload, access=judged),
        spec(PERMISSION_SET_SETTINGS, Phase.ROLES, [UPDATE], describe_settings,
             before=_settings_payload, after=_settings_payload, access=judged),
        spec(PERMISSION_SET_MANAGED_POLICY, Phase.ROLES, [CREATE, DELETE],
             describe_policy("AWS managed policy"), **TEXT, access=judged),
        spec(PERMISSION_SET_CUSTOMER_POLICY, Phase.ROLES, [CREATE, DELETE],
             describe_policy("customer managed policy"), **TEXT, access=judged),
        spec(PERMISSION_SET_INLINE_POLICY, Phase.ROLES, [CREATE, UPDATE, DELETE],
             describe_document, before=_document, after=_document, access=judged),
        spec(PERMISSION_SET_BOUNDARY, Phase.ROLES, [CREATE, UPDATE, DELETE],
             transition("permission set {name}: permissions boundary"),
             **TEXT, access=judged),
        spec(PERMISSION_SET_TAGS, Phase.ROLES, [UPDATE], transition("permission set {name}: tags"),
             before=string_map, after=string_map, access=judged),
        # After the removals (a detached policy must be gone before the accounts get the set).
        spec(PERMISSION_SET_PROVISION, Phase.REMOVALS, [UPDATE], describe_provision,
             after=_count, access=judged),
    ),
    from_file=from_file,
    key_of=lambda permission_set: permission_set.name,
    check=None,
    diff=diff,
    to_file=to_file,
    cuts_off=cuts_off,
    risks=set_change_risks,
    link=in_instance(),
)
